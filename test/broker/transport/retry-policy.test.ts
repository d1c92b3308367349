import t from 'tap';
import { transportNames } from '../../../broker/transport/names.js';
import {
  backoffDelayMs,
  distinctDelays,
  isUnrecoverable,
  retryDelayMs,
  shouldRetry,
  validateRetryPolicy,
  withJitter,
} from '../../../broker/transport/retry-policy.js';
import { UnrecoverableError } from '../../../broker/transport/transport.js';

t.test('retry delays follow the list and repeat its last value', async (t) => {
  const policy = { attempts: 6, delaysMs: [1_000, 10_000, 60_000] };
  t.same([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n)), [1_000, 10_000, 60_000, 60_000, 60_000]);
  t.same(distinctDelays(policy), [1_000, 10_000, 60_000], 'one delay queue per distinct delay');
  t.same(distinctDelays({ attempts: 2, delaysMs: [5, 50, 500] }), [5], 'only delays a retry can reach');
  t.same(distinctDelays({ attempts: 1, delaysMs: [] }), [], 'no retries, no delay queues');
});

t.test('retry or park', async (t) => {
  const policy = { attempts: 3, delaysMs: [10] };
  t.equal(shouldRetry(policy, 1, new Error('x')), true);
  t.equal(shouldRetry(policy, 2, new Error('x')), true);
  t.equal(shouldRetry(policy, 3, new Error('x')), false, 'last attempt parks');
  t.equal(shouldRetry(policy, 1, new UnrecoverableError('bad')), false, 'unrecoverable parks at once');
  t.equal(isUnrecoverable({ unrecoverable: true }), true, 'recognised across module copies');
  t.equal(isUnrecoverable('nope'), false);
});

t.test('jitter only ever shortens a delay', async (t) => {
  t.equal(withJitter(1_000, 0.5, () => 0), 1_000);
  t.equal(withJitter(1_000, 0.5, () => 0.999_999), 500);
  t.equal(withJitter(1_000, 0, () => 0.7), 1_000, 'no jitter, exact delay');
  t.equal(withJitter(1_000, 7, () => 1), 0, 'jitter is clamped to 1');
});

t.test('reconnect back-off grows exponentially up to its cap', async (t) => {
  const policy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 };
  t.same([1, 2, 3, 4, 8, 20].map((n) => backoffDelayMs(policy, n)), [100, 200, 400, 800, 10_000, 10_000]);
  const jittered = backoffDelayMs({ ...policy, jitter: 0.5 }, 3, () => 0.5);
  t.equal(jittered, 300, 'jitter applies to the capped delay');
});

t.test('invalid policies are refused with the reason', async (t) => {
  t.throws(() => validateRetryPolicy({ attempts: 0, delaysMs: [] }), /attempts/);
  t.throws(() => validateRetryPolicy({ attempts: 2, delaysMs: [] }), /delaysMs must not be empty/);
  t.throws(() => validateRetryPolicy({ attempts: 2, delaysMs: [-1] }), /integers >= 0/);
  t.same(validateRetryPolicy({ attempts: 1, delaysMs: [] }), { attempts: 1, delaysMs: [] });
});

t.test('names are built from one prefix and refuse unsafe adapter names', async (t) => {
  const n = transportNames('p-');
  t.equal(n.routeExchange, 'p-mesh.route');
  t.equal(n.adapterQueue('gro-deaths'), 'p-mesh.adapter.gro-deaths');
  t.equal(n.adapterRoutingKey('gro-deaths'), 'gro-deaths');
  t.equal(n.retryQueue(1_000), 'p-mesh.retry.1000');
  t.same(n.retryBinding(1_000), { 'x-match': 'all', 'retry-delay-ms': '1000' });
  t.equal(n.eventRoutingKey('accepted', 'WF_A'), 'accepted.WF_A');
  t.equal(transportNames().parkedQueue, 'mesh.parked', 'no prefix in production');
  t.throws(() => n.adapterQueue('a.b'), TypeError, 'a dot would widen a topic binding');
  t.throws(() => n.adapterQueue('*'), TypeError);
  t.throws(() => n.retryQueue(1.5), TypeError);
});
