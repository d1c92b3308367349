import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { isTransportError } from '../../../broker/transport/transport-error.js';
import { UnrecoverableError } from '../../../broker/transport/transport.js';
import type { Delivery, Envelope, RetryPolicy, Transport } from '../../../broker/transport/transport.js';

/** A fresh envelope for `adapter`; every field distinct so a mix-up shows. */
export function makeEnvelope(adapter: string, overrides: Partial<Envelope> = {}): Envelope {
  return {
    messageId: randomUUID(),
    workflowId: 'TEST_WORKFLOW',
    adapter,
    sender: 'X26HC001',
    recipient: 'X26HC002',
    traceId: randomUUID(),
    ...overrides,
  };
}

/** Polls `condition` until true or `timeoutMs` passes; the caller asserts on the result. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** A promise with its resolve exposed, for handlers that must block until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const NO_RETRY: RetryPolicy = { attempts: 1, delaysMs: [] };
const FAST_RETRY: RetryPolicy = { attempts: 3, delaysMs: [50, 100] };
const noPark = async (): Promise<void> => undefined;

/**
 * The behaviour every Transport must show (DESIGN.md §4.5, §6). `makeTransport` gets a prefix unique
 * to the test and returns a transport not yet started; the suite closes it. Implementations should
 * use short pauses (e.g. 50 ms) before requeueing after a failed onParked, so the suite stays quick.
 */
export function transportContract(t: Test, makeTransport: (prefix: string) => Promise<Transport>): void {
  let n = 0;
  const run = (name: string, fn: (t: Test, transport: Transport) => Promise<void>): void => {
    t.test(name, async (t) => {
      const transport = await makeTransport(`c${++n}-`);
      t.teardown(() => transport.close());
      await fn(t, transport);
    });
  };

  run('publish then consume delivers the same envelope once', async (t, transport) => {
    await transport.start(['alpha']);
    await transport.start(['alpha']); // declaring again is harmless
    const sent = makeEnvelope('alpha');
    const sentinel = makeEnvelope('alpha');
    const seen: Delivery[] = [];
    await transport.consume('alpha', async (d) => void seen.push(d), { prefetch: 1, retry: NO_RETRY, onParked: noPark });
    await transport.publish(sent);
    await transport.publish(sentinel);
    // FIFO with prefetch 1: once the sentinel is handled, any duplicate of `sent` would be too.
    t.ok(await waitFor(() => seen.some((d) => d.envelope.messageId === sentinel.messageId)), 'sentinel delivered');
    const mine = seen.filter((d) => d.envelope.messageId === sent.messageId);
    t.equal(mine.length, 1, 'delivered exactly once');
    t.same(mine[0]?.envelope, sent, 'same envelope');
    t.equal(mine[0]?.attempt, 1, 'first attempt');
    t.equal(mine[0]?.redelivered, false, 'not a redelivery');
    t.equal(transport.isConnected(), true, 'connected while running');
  });

  run('publish to an adapter without a queue is rejected, not dropped', async (t, transport) => {
    await transport.start(['alpha']);
    await t.rejects(transport.publish(makeEnvelope('nobody')), { code: 'not_routable' });
    await t.rejects(transport.consume('nobody', async () => undefined, { prefetch: 1, retry: NO_RETRY, onParked: noPark }), {
      code: 'not_routable',
    });
  });

  run('1,000 envelopes are all delivered, none lost or doubled', async (t, transport) => {
    await transport.start(['bulk']);
    const envelopes = Array.from({ length: 1000 }, () => makeEnvelope('bulk'));
    const counts = new Map<string, number>();
    await transport.consume('bulk', async (d) => void counts.set(d.envelope.messageId, (counts.get(d.envelope.messageId) ?? 0) + 1), {
      prefetch: 50,
      retry: NO_RETRY,
      onParked: noPark,
    });
    await Promise.all(envelopes.map((e) => transport.publish(e)));
    t.ok(await waitFor(() => counts.size >= envelopes.length, 20_000), 'all delivered in time');
    t.same(new Set(counts.keys()), new Set(envelopes.map((e) => e.messageId)), 'exactly the published IDs');
    t.ok([...counts.values()].every((c) => c === 1), 'no duplicates without faults');
  });

  run('prefetch bounds the number of concurrent handlers', async (t, transport) => {
    await transport.start(['busy']);
    const prefetch = 3;
    const release = gate();
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    await transport.consume(
      'busy',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (running === prefetch) release.open();
        await release.promise;
        running--;
        done++;
      },
      { prefetch, retry: NO_RETRY, onParked: noPark },
    );
    await Promise.all(Array.from({ length: 20 }, () => transport.publish(makeEnvelope('busy'))));
    t.ok(await waitFor(() => maxRunning === prefetch), 'reached prefetch concurrency');
    release.open(); // in case it was never reached, so the test still ends
    t.ok(await waitFor(() => done === 20), 'all handled');
    t.equal(maxRunning, prefetch, 'never more than prefetch at once');
  });

  run('a failing handler is retried with rising attempts after the configured delays', async (t, transport) => {
    await transport.start(['flaky']);
    const calls: Array<{ attempt: number; redelivered: boolean; at: number }> = [];
    const parked: Delivery[] = [];
    await transport.consume(
      'flaky',
      async (d) => {
        calls.push({ attempt: d.attempt, redelivered: d.redelivered, at: performance.now() });
        if (d.attempt < 3) throw new Error(`fail ${d.attempt}`);
      },
      { prefetch: 1, retry: FAST_RETRY, onParked: async (d) => void parked.push(d) },
    );
    const sent = makeEnvelope('flaky');
    await transport.publish(sent);
    t.ok(await waitFor(() => calls.length >= 3), 'third attempt reached');
    t.same(calls.map((c) => c.attempt), [1, 2, 3], 'attempts 1, 2, 3 in order');
    t.ok(calls.every((c) => !c.redelivered), 'retries are new deliveries, not redeliveries');
    const [c1, c2, c3] = calls.map((c) => c.at);
    // Lower bounds only: a delay can run late on a busy machine, never early.
    t.ok(c1 !== undefined && c2 !== undefined && c2 - c1 >= 40, `first retry waited ~50 ms (${(c2 ?? 0) - (c1 ?? 0)})`);
    t.ok(c2 !== undefined && c3 !== undefined && c3 - c2 >= 80, `second retry waited ~100 ms (${(c3 ?? 0) - (c2 ?? 0)})`);
    t.equal(parked.length, 0, 'succeeded, so not parked');
  });

  run('a poison envelope is parked after all attempts while others keep flowing', async (t, transport) => {
    await transport.start(['poison']);
    const poison = makeEnvelope('poison');
    const good = Array.from({ length: 5 }, () => makeEnvelope('poison'));
    const log: string[] = [];
    const poisonAttempts: number[] = [];
    const parked: Array<{ delivery: Delivery; error: Error }> = [];
    const goodIds = new Set(good.map((e) => e.messageId));
    const doneGood = new Set<string>();
    await transport.consume(
      'poison',
      async (d) => {
        if (d.envelope.messageId !== poison.messageId) {
          doneGood.add(d.envelope.messageId);
          log.push('good');
          return;
        }
        poisonAttempts.push(d.attempt);
        // Were the queue blocked behind the poison (prefetch 1), this wait would time out and the
        // poison would be parked before the good envelopes: the order assertion below would fail.
        if (d.attempt > 1) await waitFor(() => doneGood.size === goodIds.size, 5_000);
        throw new Error('poison');
      },
      {
        prefetch: 1,
        retry: FAST_RETRY,
        onParked: async (delivery, error) => {
          parked.push({ delivery, error });
          log.push('parked');
        },
      },
    );
    await transport.publish(poison);
    for (const e of good) await transport.publish(e);
    t.ok(await waitFor(() => parked.length >= 1), 'poison parked');
    const sentinel = makeEnvelope('poison');
    await transport.publish(sentinel);
    t.ok(await waitFor(() => doneGood.has(sentinel.messageId)), 'queue still flows after parking');
    t.equal(parked.length, 1, 'onParked called once');
    t.equal(parked[0]?.delivery.envelope.messageId, poison.messageId, 'the poison envelope');
    t.equal(parked[0]?.delivery.attempt, 3, 'on its last attempt');
    t.equal(parked[0]?.error.message, 'poison', 'with the handler error');
    t.same(poisonAttempts, [1, 2, 3], 'tried three times');
    t.same(log.slice(0, 6), ['good', 'good', 'good', 'good', 'good', 'parked'], 'later envelopes finished first');
  });

  run('UnrecoverableError parks at once', async (t, transport) => {
    await transport.start(['strict']);
    let calls = 0;
    const parked: Array<{ delivery: Delivery; error: Error }> = [];
    await transport.consume(
      'strict',
      async () => {
        calls++;
        throw new UnrecoverableError('bad payload');
      },
      { prefetch: 1, retry: FAST_RETRY, onParked: async (delivery, error) => void parked.push({ delivery, error }) },
    );
    await transport.publish(makeEnvelope('strict'));
    t.ok(await waitFor(() => parked.length >= 1), 'parked');
    t.equal(calls, 1, 'handler ran once');
    t.equal(parked[0]?.delivery.attempt, 1, 'on the first attempt');
    t.ok(parked[0]?.error instanceof UnrecoverableError, 'with the UnrecoverableError');
  });

  run('a failed onParked redelivers the envelope and parks it again', async (t, transport) => {
    await transport.start(['sticky']);
    const parkCalls: Delivery[] = [];
    await transport.consume(
      'sticky',
      async () => {
        throw new UnrecoverableError('bad payload');
      },
      {
        prefetch: 1,
        retry: FAST_RETRY,
        onParked: async (d) => {
          parkCalls.push(d);
          if (parkCalls.length === 1) throw new Error('metadata store down');
        },
      },
    );
    await transport.publish(makeEnvelope('sticky'));
    t.ok(await waitFor(() => parkCalls.length >= 2), 'onParked tried again');
    t.equal(parkCalls[0]?.redelivered, false, 'first try is a fresh delivery');
    t.equal(parkCalls[1]?.redelivered, true, 'second try is a redelivery');
  });

  run('consumer.stop() waits for its in-flight handler and takes no more', async (t, transport) => {
    await transport.start(['stopme']);
    const started = gate();
    let finished = 0;
    const seen: string[] = [];
    const consumer = await transport.consume(
      'stopme',
      async (d) => {
        seen.push(d.envelope.messageId);
        started.open();
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished++;
      },
      { prefetch: 1, retry: NO_RETRY, onParked: noPark },
    );
    await transport.publish(makeEnvelope('stopme'));
    await started.promise;
    await consumer.stop();
    t.equal(finished, 1, 'in-flight handler finished before stop() resolved');
    const later = makeEnvelope('stopme');
    await transport.publish(later);
    const next: string[] = [];
    await transport.consume('stopme', async (d) => void next.push(d.envelope.messageId), { prefetch: 1, retry: NO_RETRY, onParked: noPark });
    t.ok(await waitFor(() => next.includes(later.messageId)), 'a new consumer gets later envelopes');
    t.notOk(seen.includes(later.messageId), 'the stopped consumer did not');
  });

  run('close() waits for an in-flight handler, is idempotent and refuses later work', async (t, transport) => {
    await transport.start(['closing']);
    const started = gate();
    let finished = false;
    await transport.consume(
      'closing',
      async () => {
        started.open();
        await new Promise((resolve) => setTimeout(resolve, 150));
        finished = true;
      },
      { prefetch: 1, retry: NO_RETRY, onParked: noPark },
    );
    await transport.publish(makeEnvelope('closing'));
    await started.promise;
    await transport.close();
    t.equal(finished, true, 'handler finished before close() resolved');
    t.equal(transport.isConnected(), false, 'not connected after close');
    await t.resolves(transport.close(), 'second close is fine');
    const err = await transport.publish(makeEnvelope('closing')).catch((e: unknown) => e);
    t.ok(isTransportError(err) && err.code === 'closed', 'publish after close is rejected as closed');
  });
}
