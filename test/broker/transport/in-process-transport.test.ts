import t from 'tap';
import { InProcessTransport } from '../../../broker/transport/in-process-transport.js';
import type { LifecycleEvent } from '../../../broker/transport/transport.js';
import { makeEnvelope, transportContract, waitFor } from './transport-contract.js';

t.test('contract', async (t) => {
  transportContract(t, async (prefix) => new InProcessTransport({ prefix, parkFailureDelayMs: 50 }));
});

t.test('events reach subscribers with their routing key until unsubscribed', async (t) => {
  const transport = new InProcessTransport();
  t.teardown(() => transport.close());
  const seen: Array<{ event: LifecycleEvent; key: string }> = [];
  const unsubscribe = transport.subscribeEvents((event, key) => void seen.push({ event, key }));
  transport.subscribeEvents(() => {
    throw new Error('a broken subscriber');
  });
  const event: LifecycleEvent = { event: 'accepted', messageId: 'm1', workflowId: 'WF_A', mailbox: 'X26HC001', at: Date.now() };
  await transport.publishEvent(event);
  t.same(seen, [{ event, key: 'accepted.WF_A' }], 'delivered despite the broken subscriber');
  unsubscribe();
  await transport.publishEvent({ ...event, event: 'delivered' });
  t.equal(seen.length, 1, 'nothing after unsubscribing');
});

t.test('envelopes published before a consumer exists wait in the queue', async (t) => {
  const transport = new InProcessTransport();
  t.teardown(() => transport.close());
  await transport.start(['later']);
  const sent = makeEnvelope('later');
  await transport.publish(sent);
  const seen: string[] = [];
  await transport.consume('later', async (d) => void seen.push(d.envelope.messageId), {
    prefetch: 1,
    retry: { attempts: 1, delaysMs: [] },
    onParked: async () => undefined,
  });
  t.ok(await waitFor(() => seen.length === 1), 'delivered once a consumer appears');
  t.same(seen, [sent.messageId]);
});

t.test('close() drops pending retries instead of running them after close', async (t) => {
  const transport = new InProcessTransport();
  await transport.start(['slow']);
  let calls = 0;
  await transport.consume(
    'slow',
    async () => {
      calls++;
      throw new Error('not yet');
    },
    { prefetch: 1, retry: { attempts: 2, delaysMs: [60_000] }, onParked: async () => undefined },
  );
  await transport.publish(makeEnvelope('slow'));
  t.ok(await waitFor(() => calls === 1), 'first attempt ran');
  // Resolving promptly shows the 60 s retry timer was cancelled, not awaited and not left running.
  await transport.close();
  t.equal(calls, 1, 'the retry never ran');
});

t.test('invalid options are refused', async (t) => {
  const transport = new InProcessTransport();
  t.teardown(() => transport.close());
  await transport.start(['alpha']);
  await t.rejects(transport.start(['no.dots']), TypeError, 'adapter names cannot widen topic bindings');
  const handler = async (): Promise<void> => undefined;
  await t.rejects(transport.consume('alpha', handler, { prefetch: 0, retry: { attempts: 1, delaysMs: [] }, onParked: handler }), TypeError);
  await t.rejects(transport.consume('alpha', handler, { prefetch: 1, retry: { attempts: 3, delaysMs: [] }, onParked: handler }), TypeError);
});
