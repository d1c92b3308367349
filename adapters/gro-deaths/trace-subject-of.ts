import type { Gender } from '../pds/person.js';
import type { PartialDate, TraceSubject } from '../pds/trace/trace-subject.js';
import type { GroDate, GroGender, GroRegistration } from './registration.js';

const GENDERS: Record<GroGender, Gender> = { '1': 'male', '2': 'female', '9': 'unknown' };

/** What a trace knows of the deceased: the registered name, then maiden and alias names, as candidates for the index's names. */
export function traceSubjectOf(reg: GroRegistration): TraceSubject {
  const familyNames = [reg.name.familyName, reg.maidenName, ...reg.aliases.map((a) => a.name.familyName)].filter((n): n is string => !!n);
  const givenNames = [...reg.name.givenNames, ...reg.aliases.flatMap((a) => a.name.givenNames)];
  return {
    nhsNumber: reg.nhsNumber,
    givenNames: [...new Set(givenNames)],
    familyNames: [...new Set(familyNames)],
    dateOfBirth: partialDateOf(reg.birthDate),
    gender: GENDERS[reg.gender],
    postcode: reg.address.postcode,
    addressLines: [reg.address.flat, reg.address.building, ...reg.address.lines].filter((l): l is string => !!l),
  };
}

/** The known part of a GRO date; null for free text. */
export function partialDateOf(date: GroDate): PartialDate | null {
  return date.kind === 'free' ? null : date.date;
}

/** A date at the precision known, as PDS holds legacy dates: YYYY-MM-DD, YYYY-MM or YYYY; null for free text. */
export function isoDateOf(date: GroDate): string | null {
  if (date.kind === 'free') return null;
  const { year, month, day } = date.date;
  const y = String(year).padStart(4, '0');
  if (month === null) return y;
  const m = String(month).padStart(2, '0');
  return day === null ? `${y}-${m}` : `${y}-${m}-${String(day).padStart(2, '0')}`;
}
