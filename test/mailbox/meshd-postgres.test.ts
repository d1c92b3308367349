import { randomBytes } from 'node:crypto';
import t from 'tap';
import { freshSchema, metadataUrl } from '../helpers/postgres.js';
import { clientFor, readAll, sha256, startTestMeshd } from '../helpers/meshd.js';
import { eventually, inboxOf, MAILBOXES, ROUTES, testAdapters } from '../broker/routing/routing-suite.js';

// meshd with --metadata postgres://...: the mailbox API and routing work the same on PostgreSQL.
t.test('meshd on PostgreSQL metadata: round trips, chunked messages, routing', async (t) => {
  const schema = freshSchema(t, 'meshd');
  const meshd = await startTestMeshd(t, {
    mailboxes: MAILBOXES,
    routesYaml: ROUTES,
    adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }),
    config: { metadata: metadataUrl(schema) },
  });
  t.equal(meshd.store.constructor.name, 'PostgresMessageStore', 'the configured store is in use');
  const sender = clientFor(t, meshd, 'SRC1');
  const recipient = clientFor(t, meshd, 'HUB1');
  for (const [size, chunkSize] of [[10, 1024], [300_000, 100_000]] as const) {
    const data = randomBytes(size);
    const id = await sender.sendMessage({ to: 'HUB1', workflowId: 'PLAIN', body: data, chunkSize });
    const got = await recipient.downloadMessage(id);
    t.equal(sha256(await readAll(got.body)), sha256(data), `${size} bytes in ${Math.ceil(size / chunkSize)} chunk(s)`);
    await recipient.acknowledge(id);
  }
  t.same((await recipient.listInbox()).messages, [], 'acknowledged messages leave the inbox');
  await sender.sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: 'routed' });
  await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 1 && (await inboxOf(meshd.url, 'GP2')).length === 1, 'fanout copies');
  t.pass('fanout through the adapter runtime on PostgreSQL');
});
