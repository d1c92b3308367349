/**
 * Small statistics helpers for the benchmark: latency percentiles within a run, and the
 * median/min/max of one metric across runs (the figure the table reports).
 */

/** Bytes in a mebibyte: payload sizes, throughput and RSS are all reported in binary units. */
export const MIB = 1024 * 1024;

/** Latency distribution of one operation in one run, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Median, minimum and maximum of one metric over R runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order, so later comparisons can see the noise. */
  runs: number[];
}

/** The q-quantile (0..1) of ascending-sorted values, nearest-rank; NaN for an empty list. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest-rank keeps p99 an observed latency rather than an interpolation between two.
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summarises raw latency samples (ms). */
export function summariseLatencies(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const total = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    mean: values.length ? total / values.length : Number.NaN,
    p50: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    max: values.length ? values[values.length - 1]! : Number.NaN,
  };
}

/** Median (mean of the middle two for an even count), min and max of the runs' values. */
export function spread(runs: readonly number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? Number.NaN : n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: n ? sorted[0]! : Number.NaN, max: n ? sorted[n - 1]! : Number.NaN, runs: [...runs] };
}

/** Applies {@link spread} to every numeric field of the per-run metric records. */
export function spreadAll<K extends string>(runs: ReadonlyArray<Record<K, number>>): Record<K, Spread> {
  const keys = runs.length ? (Object.keys(runs[0]!) as K[]) : [];
  const out = {} as Record<K, Spread>;
  for (const key of keys) out[key] = spread(runs.map((r) => r[key]));
  return out;
}

/** Milliseconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Throughput in MiB/s: binary units, like the payload sizes and RSS it is reported next to. */
export function mibPerSecond(bytes: number, ms: number): number {
  return ms > 0 ? bytes / MIB / (ms / 1000) : Number.NaN;
}
