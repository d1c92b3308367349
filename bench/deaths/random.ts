/**
 * A small seeded PRNG for the death-registration generator: xoshiro128** seeded through
 * splitmix32, so the same seed gives the same stream on every machine and Node version
 * (only 32-bit integer arithmetic, no Math.random, no floating-point accumulation).
 *
 * The generator derives a fresh stream per person and per registration from (seed, index, salt)
 * with `streamFor`, so any one record can be rebuilt on its own without replaying the others:
 * that is what lets a million people be written without holding them in memory.
 */

const TWO_POW_32 = 4_294_967_296;

/** Largest seed accepted: seeds are mixed as unsigned 32-bit integers. */
export const MAX_SEED = TWO_POW_32 - 1;

/** One splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hashes integers (seed, index, salt...) into one 32-bit value; order matters. */
export function mix(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const part of parts) {
    // Split so indexes beyond 2^32 still hash distinctly (none are used today, but cheap).
    const lo = part >>> 0;
    const hi = Math.floor(part / TWO_POW_32) >>> 0;
    h = splitmix32(h ^ lo);
    h = splitmix32(h ^ hi);
  }
  return h;
}

/** A precomputed table for weighted picks: O(log n) per pick by binary search on cumulative weights. */
export class WeightedTable<T> {
  readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  /** Builds the table; weights must be finite and non-negative, with a positive sum. */
  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    if (entries.length === 0) throw new RangeError('weighted table needs at least one entry');
    this.items = entries.map(([item]) => item);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weight ${weight} at ${i} must be finite and >= 0`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new RangeError('weighted table weights sum to 0');
    this.total = sum;
  }

  /** The item whose cumulative weight band contains `u` in [0, 1). */
  at(u: number): T {
    const target = u * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

/** Weights falling off with rank like name frequencies do (Zipf-like), for lists ordered most common first. */
export function rankWeights<T>(items: readonly T[], exponent = 0.9): Array<readonly [T, number]> {
  return items.map((item, rank) => [item, 1 / Math.pow(rank + 1, exponent)] as const);
}

/** A seeded xoshiro128** stream with the helpers the generator needs. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds the four state words from one 32-bit seed through splitmix32 (never all zero). */
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return splitmix32(s);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next unsigned 32-bit integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) throw new RangeError(`bad int range ${min}..${max}`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p (p <= 0 never, p >= 1 always; one draw either way, so streams stay aligned). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An element of a weighted table. */
  weighted<T>(table: WeightedTable<T>): T {
    return table.at(this.next());
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fresh stream for one record: the same (seed, index, salt) always gives the same stream. */
export function streamFor(seed: number, index: number, salt: number): Random {
  return new Random(mix(seed, index, salt));
}

/** Throws unless `seed` is an integer in [0, 2^32). */
export function assertSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
}
