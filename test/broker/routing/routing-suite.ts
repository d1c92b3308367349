/**
 * The routing tests, run against each transport (embedded and RabbitMQ): the same behaviour is
 * promised by both.
 */
import type { Test } from 'tap';
import type { Adapter, AdapterRegistry } from '../../../broker/adapters/adapter.js';
import type { RoutingConfig } from '../../../broker/config/config.js';
import { builtInAdapters } from '../../../adapters/index.js';
import { authFor, clientFor, mailbox, raw, readAll, sha256, startTestMeshd, V1, V2 } from '../../helpers/meshd.js';

export const MAILBOXES = ['SRC1', 'HUB1', 'GP1', 'GP2', 'LAB1', 'OPS1'].map((id) => mailbox(id));

export const ROUTES = `
routes:
  - name: exact
    match: { workflow: NEMS_EVENT }
    target: { adapter: fanout, settings: { recipients: [ { mailbox: GP1 }, { mailbox: GP2, workflow: NEMS_EVENT_COPY } ] } }
  - name: prefix-from-lab
    match: { workflow: PATH_*, sender: LAB1 }
    target: { adapter: fanout, settings: { recipients: [ GP1 ] } }
  - name: glob
    match: { workflow: "REF_?_*_V2" }
    target: { adapter: fanout, settings: { recipients: [ GP2 ] } }
  - name: flaky
    match: { workflow: FLAKY }
    target: { adapter: flaky, settings: {} }
  - name: poison
    match: { workflow: POISON }
    target: { adapter: poison, settings: {} }
  - name: bounce
    match: { workflow: BOUNCE }
    target: { adapter: bouncer, settings: {} }
  - name: batches
    match: { workflow: BATCHES }
    target: { adapter: batcher, settings: {} }
`;

/** Test adapters: one that fails a set number of times, one that always fails, one that bounces. */
export function testAdapters(state: { flakyFailures: number; poisonHealed: boolean; handled: string[]; batchCrashes?: number }): AdapterRegistry {
  const flaky: Adapter = {
    name: 'flaky',
    workflows: ['FLAKY'],
    async handle(message, ctx) {
      state.handled.push(message.messageId);
      if (state.flakyFailures-- > 0) throw new Error('transient failure');
      ctx.emit({ to: 'GP1', payload: 'source', subject: 'after retries' });
    },
  };
  const poison: Adapter = {
    name: 'poison',
    workflows: ['POISON'],
    async handle(message, ctx) {
      if (!state.poisonHealed) throw new Error(`cannot parse ${message.messageId}`);
      const text = (await readAll(await ctx.readPayload())).toString();
      ctx.emit({ to: 'GP2', payload: `healed: ${text}` });
    },
  };
  const bouncer: Adapter = {
    name: 'bouncer',
    workflows: ['BOUNCE'],
    async handle(_message, ctx) {
      ctx.report('15', 'Invalid file: no registrations');
    },
  };
  // Emits one keyed output per item of the payload ("a,b,c,..."), committing every 3 items with a
  // running total as its state, and crashes after its second batch while batchCrashes lasts.
  const batcher: Adapter = {
    name: 'batcher',
    workflows: ['BATCHES'],
    async handle(_message, ctx) {
      const items = (await readAll(await ctx.readPayload())).toString().split(',');
      const start = await ctx.progress();
      let total = (start.state as { total: number } | null)?.total ?? 0;
      let batches = 0;
      for (let i = start.records; i < items.length; i++) {
        ctx.emit({ to: 'GP1', key: `I${i}`, payload: items[i]! });
        total += items[i]!.length;
        if ((i + 1) % 3 === 0) {
          await ctx.commitBatch({ records: i + 1, state: { total } });
          if (++batches === 2 && (state.batchCrashes ?? 0) > 0) {
            state.batchCrashes! -= 1;
            throw new Error('crash after a committed batch');
          }
        }
      }
      ctx.emit({ to: 'GP2', key: 'SUMMARY', payload: `resumed at ${start.records}, total ${total}` });
    },
  };
  return new Map([...builtInAdapters(), ['flaky', flaky], ['poison', poison], ['bouncer', bouncer], ['batcher', batcher]]);
}

/** Polls until `check` passes or the bound runs out (routing is asynchronous). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Inbox IDs of a mailbox. */
export async function inboxOf(url: string, mb: string): Promise<string[]> {
  return (await raw(url, 'GET', `/messageexchange/${mb}/inbox`, { authorization: authFor(mb), accept: V2 })).json().messages as string[];
}

/** The routing behaviour every transport must give. */
export function routingSuite(t: Test, routing: () => Promise<Partial<RoutingConfig>>): void {
  const start = async (t: Test, state: Parameters<typeof testAdapters>[0] = { flakyFailures: 0, poisonHealed: false, handled: [] as string[] }) => {
    const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters(state), routing: await routing(), config: { adminToken: 'test-admin-token-0123456789' } });
    return { meshd, state };
  };

  t.test('exact rule: fanout copies to each recipient with its workflow; the original stays out of the inbox', async (t) => {
    const { meshd } = await start(t);
    const payload = Buffer.from('child health event '.repeat(5000));
    const id = await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: payload, subject: 'NEMS', localId: 'ev-1', compress: true });
    const [gp1] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'GP1'); return ids.length ? ids : null; }, 'GP1 copy');
    const [gp2] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'GP2'); return ids.length ? ids : null; }, 'GP2 copy');
    t.same(await inboxOf(meshd.url, 'HUB1'), [], 'the addressed mailbox does not get the original');
    const got1 = await clientFor(t, meshd, 'GP1').downloadMessage(gp1!);
    t.equal(sha256(await readAll(got1.body)), sha256(payload), 'copy 1 content');
    t.equal(got1.headers['mex-workflowid'], 'NEMS_EVENT');
    t.equal(got1.headers['mex-from'], 'SRC1', 'copies come from the original sender');
    t.equal(got1.headers['mex-linkedmsgid'], id, 'and link to the original');
    t.equal(got1.headers['mex-subject'], 'NEMS');
    const got2 = await clientFor(t, meshd, 'GP2').downloadMessage(gp2!);
    t.equal(sha256(await readAll(got2.body)), sha256(payload), 'copy 2 content');
    t.equal(got2.headers['mex-workflowid'], 'NEMS_EVENT_COPY', 'per-recipient workflow');
    const track = (await raw(meshd.url, 'GET', `/messageexchange/SRC1/outbox/tracking?messageID=${id}`, { authorization: authFor('SRC1'), accept: V2 })).json();
    t.equal(track.status, 'accepted', 'tracking shows MESH statuses only');
  });

  t.test('prefix rule with a sender filter, glob rule, and no match delivers', async (t) => {
    const { meshd } = await start(t);
    const send = (from: string, to: string, wf: string) => clientFor(t, meshd, from).sendMessage({ to, workflowId: wf, body: `${from} ${wf}` });
    await send('LAB1', 'HUB1', 'PATH_MEDRPT_V3');
    await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 1, 'lab result routed to GP1');
    const direct = await send('SRC1', 'HUB1', 'PATH_MEDRPT_V3');
    t.same(await inboxOf(meshd.url, 'HUB1'), [direct], 'same workflow from another sender is delivered');
    await send('SRC1', 'HUB1', 'REF_A_X_V2');
    await eventually(async () => (await inboxOf(meshd.url, 'GP2')).length === 1, 'glob rule routed to GP2');
    await send('SRC1', 'HUB1', 'REF_AB_X_V2');
    t.equal((await inboxOf(meshd.url, 'HUB1')).length, 2, '? matches one character only: delivered');
    t.equal((await inboxOf(meshd.url, 'GP2')).length, 1);
  });

  t.test('a chunked message is routed once complete', async (t) => {
    const { meshd } = await start(t);
    const data = Buffer.alloc(300_000, 9);
    await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: data, chunkSize: 100_000 });
    const [copy] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'GP1'); return ids.length ? ids : null; }, 'copy of chunked message');
    const got = await clientFor(t, meshd, 'GP1').downloadMessage(copy!);
    t.equal(got.totalChunks, 3);
    t.equal(sha256(await readAll(got.body)), sha256(data));
  });

  t.test('a failing adapter is retried, then succeeds; outputs are committed once', async (t) => {
    const { meshd, state } = await start(t, { flakyFailures: 2, poisonHealed: false, handled: [] });
    const id = await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'FLAKY', body: 'x' });
    await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 1, 'delivered after retries');
    t.same(state.handled, [id, id, id], 'three attempts');
    await new Promise((r) => setTimeout(r, 300));
    t.equal((await inboxOf(meshd.url, 'GP1')).length, 1, 'exactly one output');
  });

  t.test('a poison message is parked without blocking others; replay and discard', async (t) => {
    const { meshd, state } = await start(t);
    const client = clientFor(t, meshd, 'SRC1');
    const poison = await client.sendMessage({ to: 'HUB1', workflowId: 'POISON', body: 'bad' });
    for (let i = 0; i < 5; i++) await client.sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: `good ${i}` });
    await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 5, 'good messages flow past the poison one');
    const admin = { authorization: 'Bearer test-admin-token-0123456789' };
    const parked = await eventually(async () => { const p = (await raw(meshd.url, 'GET', '/admin/parked', admin)).json().parked; return p.length ? p : null; }, 'poison parked');
    t.equal(parked[0].message_id, poison);
    t.equal(parked[0].attempts, 3, 'after all attempts');
    t.match(parked[0].reason, /cannot parse/);
    t.equal((await raw(meshd.url, 'GET', '/admin/parked')).status, 403, 'the admin API needs the token');
    t.equal((await raw(meshd.url, 'GET', '/admin/parked', { authorization: 'Bearer wrong' })).status, 403);

    state.poisonHealed = true;
    t.equal((await raw(meshd.url, 'POST', `/admin/parked/${poison}/replay`, admin)).status, 202, 'replay');
    const [healed] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'GP2'); return ids.length > 5 ? ids.slice(5) : null; }, 'replayed message processed');
    const body = await readAll((await clientFor(t, meshd, 'GP2').downloadMessage(healed!)).body);
    t.equal(body.toString(), 'healed: bad', 'the adapter read the payload and emitted a new one');
    t.same((await raw(meshd.url, 'GET', '/admin/parked', admin)).json().parked, [], 'the lot is empty');
    t.equal((await raw(meshd.url, 'POST', `/admin/parked/${poison}/replay`, admin)).status, 404, 'not parked any more');

    state.poisonHealed = false;
    const second = await client.sendMessage({ to: 'HUB1', workflowId: 'POISON', body: 'bad again' });
    await eventually(async () => (await raw(meshd.url, 'GET', '/admin/parked', admin)).json().parked.length === 1, 'second poison parked');
    t.equal((await raw(meshd.url, 'DELETE', `/admin/parked/${second}`, admin)).status, 200, 'discard');
    const track = (await raw(meshd.url, 'GET', `/messageexchange/SRC1/outbox/tracking?messageID=${second}`, { authorization: authFor('SRC1'), accept: V1 })).json();
    t.equal(track.status, 'Error', 'a discarded message shows as error to its sender');
  });

  t.test('an adapter report bounces the message to its sender', async (t) => {
    const { meshd } = await start(t);
    const id = await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'BOUNCE', body: 'x', localId: 'mine' });
    const [report] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'SRC1'); return ids.length ? ids : null; }, 'report to sender');
    const head = await clientFor(t, meshd, 'SRC1').downloadChunk(report!, 1);
    t.equal(head.headers['mex-messagetype'], 'REPORT');
    t.equal(head.headers['mex-statuscode'], '15');
    t.equal(head.headers['mex-linkedmsgid'], id);
    t.equal(head.headers['mex-localid'], 'mine');
    const track = (await raw(meshd.url, 'GET', `/messageexchange/SRC1/outbox/tracking?messageID=${id}`, { authorization: authFor('SRC1'), accept: V2 })).json();
    t.equal(track.status, 'error');
    t.equal(track.status_code, '15');
  });

  t.test('a duplicate delivery of a processed message emits nothing twice', async (t) => {
    const { meshd } = await start(t);
    const id = await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: 'once' });
    await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 1, 'first processing');
    await meshd.transport.publish({ messageId: id, workflowId: 'NEMS_EVENT', adapter: 'fanout', sender: 'SRC1', recipient: 'HUB1', traceId: id });
    await meshd.transport.publish({ messageId: id, workflowId: 'NEMS_EVENT', adapter: 'fanout', sender: 'SRC1', recipient: 'HUB1', traceId: id });
    await new Promise((r) => setTimeout(r, 500));
    t.equal((await inboxOf(meshd.url, 'GP1')).length, 1, 'still one copy');
    t.equal((await inboxOf(meshd.url, 'GP2')).length, 1);
  });

  t.test('an adapter committing in batches resumes after a crash from its checkpoint, each output once', async (t) => {
    const { meshd } = await start(t, { flakyFailures: 0, poisonHealed: false, handled: [], batchCrashes: 1 });
    const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
    const id = await clientFor(t, meshd, 'SRC1').sendMessage({ to: 'HUB1', workflowId: 'BATCHES', body: items.join(',') });
    const [summary] = await eventually(async () => { const ids = await inboxOf(meshd.url, 'GP2'); return ids.length ? ids : null; }, 'summary after the retry');
    const body = (await readAll((await clientFor(t, meshd, 'GP2').downloadMessage(summary!)).body)).toString();
    t.equal(body, `resumed at 6, total ${items.join('').length}`, 'the retry started after the two committed batches, with their state');
    const gp1 = await inboxOf(meshd.url, 'GP1');
    t.same(gp1, items.map((_, i) => `${id}-I${i}`), 'every item exactly once, in order, with IDs from their keys');
    const track = (await raw(meshd.url, 'GET', `/messageexchange/SRC1/outbox/tracking?messageID=${id}`, { authorization: authFor('SRC1'), accept: V2 })).json();
    t.equal(track.status, 'accepted', 'the source is processed (MESH shows it accepted)');
  });
}
