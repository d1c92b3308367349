/**
 * Synthetic NHS numbers: 10 digits in the 9xxxxxxxxx test range (never issued to patients),
 * Modulus 11 valid, and unique per population index without a lookup table, so a million
 * people can be numbered one at a time.
 */
import { mix } from './random.js';

/** How many distinct indexes the allocator can number: one 7-digit block each. */
export const NHS_NUMBER_CAPACITY = 10_000_000;

/** The Modulus 11 check digit of nine digits, or null when the remainder makes the number invalid (10). */
export function nhsCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) throw new RangeError(`need nine digits, got ${JSON.stringify(first9)}`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

/** True for ten digits whose last is the Modulus 11 check digit of the first nine. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

/**
 * Numbers people by index: '9', then a seeded permutation of the index as 7 digits (unique per
 * index), then a free digit chosen so the check digit exists. Changing the ninth digit by one
 * moves the weighted sum by 2 (mod 11), so at most one of its ten values is invalid.
 */
export class NhsNumberAllocator {
  private readonly multiplier: number;
  private readonly offset: number;

  /** Derives the permutation from the seed. */
  constructor(private readonly seed: number) {
    // Affine maps i -> a*i + b (mod 10^7) are bijections when a shares no factor with 10.
    let a = (mix(seed, 0x4e48) % NHS_NUMBER_CAPACITY) | 1;
    if (a % 5 === 0) a += 2;
    this.multiplier = a;
    this.offset = mix(seed, 0x4f46) % NHS_NUMBER_CAPACITY;
  }

  /** The NHS number of population index `index` (0 <= index < capacity). */
  numberAt(index: number): string {
    if (!Number.isSafeInteger(index) || index < 0 || index >= NHS_NUMBER_CAPACITY) {
      throw new RangeError(`index ${index} outside 0..${NHS_NUMBER_CAPACITY - 1}`);
    }
    const block = (this.multiplier * index + this.offset) % NHS_NUMBER_CAPACITY;
    const prefix = `9${String(block).padStart(7, '0')}`;
    const start = mix(this.seed, index, 0x4e4e) % 10;
    for (let k = 0; k < 10; k++) {
      const first9 = `${prefix}${(start + k) % 10}`;
      const check = nhsCheckDigit(first9);
      if (check !== null) return `${first9}${check}`;
    }
    throw new Error('unreachable: one of ten ninth digits always has a check digit');
  }

  /** The index whose number this is, or null if the allocator never gives it out (inverts the affine map). */
  indexOf(nhsNumber: string): number | null {
    if (!/^9\d{9}$/.test(nhsNumber)) return null;
    const block = Number(nhsNumber.slice(1, 8));
    const index = (modInverse(this.multiplier, NHS_NUMBER_CAPACITY) * ((block - this.offset + NHS_NUMBER_CAPACITY) % NHS_NUMBER_CAPACITY)) % NHS_NUMBER_CAPACITY;
    return this.numberAt(index) === nhsNumber ? index : null;
  }
}

/** x with a*x = 1 (mod m), for a coprime to m (extended Euclid). */
function modInverse(a: number, m: number): number {
  let [oldR, r] = [a, m];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
