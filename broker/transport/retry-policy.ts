/**
 * Retry and back-off arithmetic, kept as pure functions over plain data so both transports (and
 * the reconnect loop) agree on it and tests can check it without timers.
 */
import { UnrecoverableError } from './transport.js';
import type { RetryPolicy } from './transport.js';

/** Exponential back-off for reconnecting: initialMs * factor^(n-1), capped at maxMs. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction (0..1) of each delay that is randomised, so many clients do not reconnect in step. */
  jitter: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.5 };

/** Throws a TypeError naming the problem if the policy cannot be applied. */
export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (!Number.isSafeInteger(policy.attempts) || policy.attempts < 1) {
    throw new TypeError(`retry.attempts must be an integer >= 1, got ${policy.attempts}`);
  }
  if (policy.attempts > 1 && policy.delaysMs.length === 0) {
    throw new TypeError('retry.delaysMs must not be empty when attempts > 1');
  }
  for (const d of policy.delaysMs) {
    if (!Number.isSafeInteger(d) || d < 0) throw new TypeError(`retry.delaysMs must hold integers >= 0, got ${d}`);
  }
  return policy;
}

/** The configured delay before the retry that follows failed attempt `attempt` (1-based). */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const { delaysMs } = policy;
  if (delaysMs.length === 0) return 0;
  const index = Math.min(Math.max(attempt, 1), delaysMs.length) - 1;
  return delaysMs[index] ?? 0;
}

/**
 * Shortens a delay by up to `jitter` of itself. Jitter only ever shortens, so the configured
 * delay stays an upper bound: the RabbitMQ delay queues use it as their queue TTL and a
 * per-message expiration can only lower it.
 */
export function withJitter(delayMs: number, jitter: number, random: () => number = Math.random): number {
  const j = Math.min(1, Math.max(0, jitter));
  return Math.round(delayMs * (1 - j * random()));
}

/** Every delay a retry can actually wait under this policy (one delay queue each on RabbitMQ). */
export function distinctDelays(policy: RetryPolicy): number[] {
  const delays = new Set<number>();
  for (let attempt = 1; attempt < policy.attempts; attempt++) delays.add(retryDelayMs(policy, attempt));
  return [...delays].sort((a, b) => a - b);
}

/** Recognises UnrecoverableError, also from another copy of the module (duck-typed flag). */
export function isUnrecoverable(err: unknown): boolean {
  if (err instanceof UnrecoverableError) return true;
  return typeof err === 'object' && err !== null && (err as { unrecoverable?: unknown }).unrecoverable === true;
}

/** True when a delivery that failed on `attempt` with `err` should be tried again rather than parked. */
export function shouldRetry(policy: RetryPolicy, attempt: number, err: unknown): boolean {
  return attempt < policy.attempts && !isUnrecoverable(err);
}

/** Delay before reconnect attempt `n` (1-based), with jitter. */
export function backoffDelayMs(policy: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const raw = policy.initialMs * policy.factor ** Math.max(0, n - 1);
  return withJitter(Math.min(policy.maxMs, raw), policy.jitter, random);
}

/** Handlers may throw anything; callers of onParked and loggers want an Error. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
