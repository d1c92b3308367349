import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { MessageStore } from '../../../broker/store/message-store.js';

type Register = (name: string, fn: (t: Test, store: MessageStore) => Promise<void>) => void;

const T0 = 1_700_000_000_000;
const TTL = 30_000;

/** A fresh job name, so tests sharing a store never see each other's leases. */
function job(): string {
  return 'job-' + randomUUID();
}

/** Cluster job leases: who runs a periodic job, until when. Times are the caller's, never the store's. */
export function registerJobLeaseTests(test: Register): void {
  test('lease: a free lease is acquired; another holder is refused while it is valid', async (t, store) => {
    const j = job();
    t.equal(await store.acquireJobLease(j, 'A', T0, TTL), true, 'free: acquired');
    t.equal(await store.acquireJobLease(j, 'B', T0, TTL), false, 'held by A: B refused');
    t.equal(await store.acquireJobLease(j, 'B', T0 + TTL - 1, TTL), false, 'still refused a millisecond before expiry');
  });

  test('lease: the holder renews and the renewal extends it', async (t, store) => {
    const j = job();
    t.equal(await store.acquireJobLease(j, 'A', T0, TTL), true);
    t.equal(await store.acquireJobLease(j, 'A', T0 + TTL / 2, TTL), true, 'A renews its own lease');
    t.equal(await store.acquireJobLease(j, 'B', T0 + TTL, TTL), false, 'past the first expiry, the renewed lease still holds');
    t.equal(await store.acquireJobLease(j, 'B', T0 + TTL / 2 + TTL - 1, TTL), false, 'up to the renewed expiry');
    t.equal(await store.acquireJobLease(j, 'B', T0 + TTL / 2 + TTL, TTL), true, 'at the renewed expiry it is free');
  });

  test('lease: an expired lease is taken over by another holder, which then holds it', async (t, store) => {
    const j = job();
    t.equal(await store.acquireJobLease(j, 'A', T0, TTL), true);
    t.equal(await store.acquireJobLease(j, 'B', T0 + TTL, TTL), true, 'expired (expires_at <= now): B takes it');
    t.equal(await store.acquireJobLease(j, 'A', T0 + TTL, TTL), false, 'A, back late, is refused');
    t.equal(await store.acquireJobLease(j, 'C', T0 + 2 * TTL - 1, TTL), false, "B's lease runs from its own acquisition");
    t.equal(await store.acquireJobLease(j, 'A', T0 + 5 * TTL, TTL), true, 'its former holder may take an expired lease back');
  });

  test('lease: the holder renews an expired lease nobody took', async (t, store) => {
    const j = job();
    t.equal(await store.acquireJobLease(j, 'A', T0, TTL), true);
    t.equal(await store.acquireJobLease(j, 'A', T0 + 10 * TTL, TTL), true);
    t.equal(await store.acquireJobLease(j, 'B', T0 + 11 * TTL - 1, TTL), false, 'renewed from the late acquisition');
  });

  test('lease: release lets another holder acquire at once; release by a non-holder does nothing', async (t, store) => {
    const j = job();
    t.equal(await store.acquireJobLease(j, 'A', T0, TTL), true);
    await store.releaseJobLease(j, 'B');
    t.equal(await store.acquireJobLease(j, 'B', T0 + 1, TTL), false, "B's release did not free A's lease");
    t.equal(await store.acquireJobLease(j, 'A', T0 + 1, TTL), true, 'A still holds it');
    await store.releaseJobLease(j, 'A');
    t.equal(await store.acquireJobLease(j, 'B', T0 + 2, TTL), true, "released: B acquires long before A's expiry");
    await store.releaseJobLease(j, 'A');
    t.equal(await store.acquireJobLease(j, 'C', T0 + 3, TTL), false, "A's second release did not free B's lease");
    await t.resolves(store.releaseJobLease(job(), 'A'), 'releasing a lease that does not exist is harmless');
  });

  test('lease: each job has its own lease', async (t, store) => {
    const a = job();
    const b = job();
    t.equal(await store.acquireJobLease(a, 'A', T0, TTL), true);
    t.equal(await store.acquireJobLease(b, 'B', T0, TTL), true, 'another job is free though A holds one');
    t.equal(await store.acquireJobLease(a, 'B', T0, TTL), false);
    t.equal(await store.acquireJobLease(b, 'A', T0, TTL), false);
  });

  test('lease: of many concurrent attempts on one store, exactly one wins', async (t, store) => {
    const j = job();
    const won = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireJobLease(j, `H${i}`, T0, TTL)));
    t.equal(won.filter(Boolean).length, 1, 'one winner on a free lease');
    const winner = `H${won.indexOf(true)}`;
    t.equal(await store.acquireJobLease(j, winner, T0 + 1, TTL), true, 'and the winner is the holder');

    const later = T0 + 1 + TTL;
    const takeover = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireJobLease(j, `K${i}`, later, TTL)));
    t.equal(takeover.filter(Boolean).length, 1, 'one winner on an expired lease');
  });
}
