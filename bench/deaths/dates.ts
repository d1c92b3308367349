/** Calendar arithmetic on YYYY-MM-DD strings, in UTC so results never depend on the machine's zone. */

/** A calendar date, YYYY-MM-DD. */
export type IsoDate = string;

const DAY_MS = 86_400_000;

/** Parses YYYY-MM-DD as UTC midnight; throws on anything else or an impossible date. */
export function parseIsoDate(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(value)}`);
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (date.toISOString().slice(0, 10) !== value) throw new RangeError(`impossible date: ${value}`);
  return date;
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(parseIsoDate(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b`. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((parseIsoDate(b).getTime() - parseIsoDate(a).getTime()) / DAY_MS);
}

/** True when year, month and day form a real calendar date. */
export function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
