/**
 * Latency percentiles for `mesh soak` (nearest-rank, so every percentile is an observed value).
 */

/** Latency distribution of one measurement, in milliseconds; null fields when there were no samples. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** The q-quantile (0..1) of ascending-sorted values, nearest-rank; null for an empty list. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summarises raw samples (ms), rounded to 0.1 ms. */
export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = Array.from(Float64Array.from(samples).sort());
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
  return {
    count: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : null),
  };
}

/** Milliseconds from the monotonic clock. */
export function nowMs(): number {
  return performance.now();
}
