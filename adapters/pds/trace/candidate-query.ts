import type { CandidateQuery } from '../demographic-index.js';
import { familyNameKeys } from '../names/name-keys.js';
import { isCalendarDate, isoDate, transposedDate } from './date-compare.js';
import type { TraceSubject } from './trace-subject.js';

/**
 * What to fetch from the index for one subject, kept small because it is one indexed lookup per
 * registration:
 * - the stated NHS number, for the cross-check;
 * - the full date of birth and its day/month transposition, so that a person with a misspelt,
 *   changed or double-barrelled family name is still found by birthday;
 * - the phonetic keys of every stated family name (current, maiden, alias; whole and each part)
 *   with the stated birth year: that finds a person whose date is partial, and, for a full date,
 *   people of that name born the same year (a day or month typed wrong), who cannot be matched
 *   under the default rules but must be seen so that a namesake born on the stated day is not
 *   taken for them.
 * Neighbouring years are not fetched: a year one off is only a 'typo', below the default
 * rules.minimumDateAgreement, and they would triple the common names' share of the lookup. A
 * person whose name and date are both beyond these (a changed name and a wrong year) is not
 * found, and the registration goes to manual resolution, which is the safe failure.
 */
export function buildCandidateQuery(subject: TraceSubject): CandidateQuery {
  const dob = subject.dateOfBirth;
  const datesOfBirth: string[] = [];
  const birthYears: number[] = [];
  if (dob) {
    if (dob.month !== null && dob.day !== null && isCalendarDate(dob.year, dob.month, dob.day)) {
      datesOfBirth.push(isoDate(dob.year, dob.month, dob.day));
      const swapped = transposedDate(dob);
      if (swapped) datesOfBirth.push(swapped);
    }
    birthYears.push(dob.year);
  }
  return {
    nhsNumber: subject.nhsNumber,
    datesOfBirth,
    nameKeys: familyNameKeys(subject.familyNames),
    birthYears,
  };
}
