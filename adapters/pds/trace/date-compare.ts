import type { PartialDate } from './trace-subject.js';

/**
 * How a stated date of birth agrees with the index's full date, strongest first:
 * - exact: a full stated date, the same day;
 * - transposed: day and month swapped (both ≤ 12 and different), same year: 1950-03-07 / 1950-07-03;
 * - partial: only year, or year and month, were stated, and they agree;
 * - typo: a full stated date one digit away (of the eight), or a year one off with day and month equal;
 * - disagree: anything else, including a partial date whose stated parts differ.
 */
export type DateAgreement = 'exact' | 'transposed' | 'partial' | 'typo' | 'disagree';

/** The levels, strongest first. */
export const DATE_AGREEMENTS: readonly DateAgreement[] = ['exact', 'transposed', 'partial', 'typo', 'disagree'];

const RANK: Record<DateAgreement, number> = { exact: 4, transposed: 3, partial: 2, typo: 1, disagree: 0 };

/** True when `level` is `minimum` or stronger. */
export function dateAtLeast(level: DateAgreement, minimum: DateAgreement): boolean {
  return RANK[level] >= RANK[minimum];
}

/** How much of a date was stated. */
export type DatePrecision = 'day' | 'month' | 'year';

/** The precision of a partial date: a day without a month counts as the year only. */
export function datePrecision(date: PartialDate): DatePrecision {
  if (date.month === null) return 'year';
  return date.day === null ? 'month' : 'day';
}

/** A full date's parts, or null unless `iso` is a real YYYY-MM-DD calendar date. */
export function parseIsoDate(iso: string): { year: number; month: number; day: number } | null {
  // By character codes: this runs once per candidate.
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) return null;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 7);
  const day = digits(iso, 8, 10);
  if (year < 0 || month < 0 || day < 0) return null;
  return isCalendarDate(year, month, day) ? { year, month, day } : null;
}

/** The decimal number in s[from, to), or -1 if any character is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** True for a day that exists (leap years included). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** YYYY-MM-DD of the parts. */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The date with day and month swapped, when that is a different real date (both ≤ 12, not equal); else null. */
export function transposedDate(date: PartialDate): string | null {
  const { year, month, day } = date;
  if (month === null || day === null || day === month || day > 12 || month > 12) return null;
  return isCalendarDate(year, day, month) ? isoDate(year, day, month) : null;
}

/** Compares a stated, possibly partial, date of birth with the index's full YYYY-MM-DD. */
export function compareDateOfBirth(stated: PartialDate, held: string): DateAgreement {
  const h = parseIsoDate(held);
  if (!h) return 'disagree';
  const { year, month, day } = stated;
  if (month === null || day === null) {
    if (year !== h.year) return 'disagree';
    return month === null || month === h.month ? 'partial' : 'disagree';
  }
  if (year === h.year && month === h.month && day === h.day) return 'exact';
  if (year === h.year && month === h.day && day === h.month && month !== day && month <= 12 && day <= 12) return 'transposed';
  if (month === h.month && day === h.day && Math.abs(year - h.year) === 1) return 'typo';
  const apart = digitsApart(year, h.year, 4) + digitsApart(month, h.month, 2) + digitsApart(day, h.day, 2);
  return apart === 1 ? 'typo' : 'disagree';
}

/** Decimal places at which two numbers of `places` digits differ. */
function digitsApart(a: number, b: number, places: number): number {
  let n = 0;
  for (let i = 0; i < places; i++, a = Math.floor(a / 10), b = Math.floor(b / 10)) if (a % 10 !== b % 10) n++;
  return n;
}
