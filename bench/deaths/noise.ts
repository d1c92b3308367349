/**
 * The noise a death registration carries relative to the person's health record, as rates.
 *
 * Every rate is the share of all registrations (including deaths of people not in the index)
 * that get that kind of noise, each drawn independently. Some kinds only apply to some people:
 * a nickname needs a name that has one, a day/month transposition a day of 12 or less that
 * differs from the month, a maiden name a married woman. For those the generator keeps a debt:
 * a draw that lands on someone it cannot apply to is carried to the next person it can, so the
 * overall share still comes out at the configured rate (as long as enough people are eligible).
 *
 * Defaults, after what the national pipeline reports of GRO data:
 * - nhsNumberPresent 20%: most registrations carry no NHS number.
 * - givenNickname 8%: the informant gave the name the person went by (Bill for William).
 * - givenMisspelling 5%, familyMisspelling 4%: known alternative spellings or a clerk's typo
 *   (a given name is misspelt or given as a nickname, never both: nobody misspells "Tony").
 * - maidenOrBarrelPart 3%: a married woman registered under her maiden name, or someone with a
 *   double-barrelled name under one part of it.
 * - dobTransposed 1.5%: day and month swapped.
 * - dobPartial 2%: only year and month (60%) or only the year (40%) known.
 * - moved 15%: the address at death is not the one the index holds.
 * - gender9 0.2%: sex recorded as 9 (indeterminate).
 * - notInIndex 3%: deaths of people the index does not know (died here, lived elsewhere).
 * - alias 1%: an alias name ("formerly known as" a previous name, "otherwise" a familiar form).
 * - maidenNameStated 90%: share of married women whose maiden name is stated (DeceasedMaidenName).
 * - wrongNhsNumber 0%: a stated NHS number that belongs to someone else in the index (a
 *   transcription error that still passes Modulus 11); off by default, a guard for the cross-check.
 */

/** Rates of each kind of noise (probabilities in [0, 1]). */
export interface NoiseRates {
  nhsNumberPresent: number;
  givenNickname: number;
  givenMisspelling: number;
  familyMisspelling: number;
  maidenOrBarrelPart: number;
  dobTransposed: number;
  dobPartial: number;
  moved: number;
  gender9: number;
  notInIndex: number;
  alias: number;
  maidenNameStated: number;
  wrongNhsNumber: number;
}

/** The default noise (see the module comment for where each figure comes from). */
export const DEFAULT_NOISE: NoiseRates = {
  nhsNumberPresent: 0.2,
  givenNickname: 0.08,
  givenMisspelling: 0.05,
  familyMisspelling: 0.04,
  maidenOrBarrelPart: 0.03,
  dobTransposed: 0.015,
  dobPartial: 0.02,
  moved: 0.15,
  gender9: 0.002,
  notInIndex: 0.03,
  alias: 0.01,
  maidenNameStated: 0.9,
  wrongNhsNumber: 0,
};

/** Labels the truth file uses for the noise applied to one registration. */
export type NoiseLabel =
  | 'nhs-number'
  | 'wrong-nhs-number'
  | 'nickname'
  | 'given-misspelt'
  | 'family-misspelt'
  | 'maiden-name'
  | 'double-barrel-part'
  | 'dob-transposed'
  | 'dob-partial-month'
  | 'dob-partial-year'
  | 'moved'
  | 'gender-9'
  | 'not-in-index'
  | 'alias'
  | 'maiden-stated';

/** Which labels count towards which rate, for the tests and the benchmark's noise summary. */
export const LABELS_BY_RATE: Readonly<Record<keyof NoiseRates, readonly NoiseLabel[]>> = {
  nhsNumberPresent: ['nhs-number'],
  givenNickname: ['nickname'],
  givenMisspelling: ['given-misspelt'],
  familyMisspelling: ['family-misspelt'],
  maidenOrBarrelPart: ['maiden-name', 'double-barrel-part'],
  dobTransposed: ['dob-transposed'],
  dobPartial: ['dob-partial-month', 'dob-partial-year'],
  moved: ['moved'],
  gender9: ['gender-9'],
  notInIndex: ['not-in-index'],
  alias: ['alias'],
  maidenNameStated: ['maiden-stated'],
  wrongNhsNumber: ['wrong-nhs-number'],
};

/** Merges overrides into the defaults and checks every rate is a probability. */
export function noiseRates(overrides: Partial<NoiseRates> = {}): NoiseRates {
  const rates = { ...DEFAULT_NOISE, ...overrides };
  for (const [key, value] of Object.entries(rates)) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`noise rate ${key} must be in [0, 1], got ${value}`);
  }
  if (rates.nhsNumberPresent + rates.wrongNhsNumber > 1) throw new RangeError('nhsNumberPresent + wrongNhsNumber must not exceed 1');
  return rates;
}

/**
 * Draws for the rates that depend on eligibility, carrying unused draws forward (the debt
 * described above). One instance per generated file, used in registration order.
 */
export class NoiseDebt {
  private readonly owed = new Map<string, number>();

  /** Records this registration's draw for `kind`; call once per registration whatever happens next. */
  draw(kind: string, hit: boolean): void {
    if (hit) this.owed.set(kind, (this.owed.get(kind) ?? 0) + 1);
  }

  /** True (and pays one back) if `kind` is owed and this registration is eligible for it. */
  take(kind: string, eligible: boolean): boolean {
    const owed = this.owed.get(kind) ?? 0;
    if (owed === 0 || !eligible) return false;
    this.owed.set(kind, owed - 1);
    return true;
  }
}
