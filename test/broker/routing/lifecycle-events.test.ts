import t from 'tap';
import type { LifecycleEvent } from '../../../broker/transport/transport.js';
import { InProcessTransport } from '../../../broker/transport/in-process-transport.js';
import { clientFor, startTestMeshd } from '../../helpers/meshd.js';
import { eventually, inboxOf, MAILBOXES, ROUTES, testAdapters } from './routing-suite.js';

t.test('the lifecycle stream: accepted, delivered, acknowledged, reported, parked', async (t) => {
  const transport = new InProcessTransport();
  const seen: Array<[string, string, string]> = [];
  transport.subscribeEvents((e: LifecycleEvent, key: string) => seen.push([key, e.messageId, e.mailbox]));
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }), transport });
  const sender = clientFor(t, meshd, 'SRC1');

  const plain = await sender.sendMessage({ to: 'HUB1', workflowId: 'PLAIN', body: 'p' });
  t.same(seen.filter(([, id]) => id === plain), [['accepted.PLAIN', plain, 'SRC1'], ['delivered.PLAIN', plain, 'HUB1']], 'a plain message is accepted and delivered');
  await clientFor(t, meshd, 'HUB1').acknowledge(plain);
  t.same(seen.filter(([k, id]) => id === plain && k.startsWith('acknowledged')), [['acknowledged.PLAIN', plain, 'HUB1']]);

  const fanned = await sender.sendMessage({ to: 'HUB1', workflowId: 'NEMS_EVENT', body: 'f' });
  await eventually(async () => (await inboxOf(meshd.url, 'GP2')).length === 1, 'copies');
  t.same(
    seen.filter(([, id]) => id.startsWith(fanned)).map(([k, id, mb]) => [k, id.slice(fanned.length), mb]),
    [['accepted.NEMS_EVENT', '', 'SRC1'], ['delivered.NEMS_EVENT', '-1', 'GP1'], ['delivered.NEMS_EVENT_COPY', '-2', 'GP2']],
    'a routed message is accepted, then each copy delivered',
  );

  const bounced = await sender.sendMessage({ to: 'HUB1', workflowId: 'BOUNCE', body: 'b' });
  await eventually(async () => seen.some(([k, id]) => k === 'reported.BOUNCE' && id === `${bounced}-R1`), 'report event');
  const poison = await sender.sendMessage({ to: 'HUB1', workflowId: 'POISON', body: 'x' });
  await eventually(async () => seen.some(([k, id]) => k === 'parked.POISON' && id === poison), 'parked event');
  t.pass('reported and parked events seen');
});
