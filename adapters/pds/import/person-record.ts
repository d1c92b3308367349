/**
 * One `meshd pds import` record checked and turned into a Person: exactly the nine fields of the
 * import format, each validated, every problem reported with the field it is in.
 */

import { isValidNhsNumber, normalizeNhsNumber } from '../nhs-number.js';
import type { Gender, Person } from '../person.js';
import { normalizePostcode } from '../postcode.js';

/** Bounds on one record's contents; defaults are PDS's own field limits. */
export interface PersonLimits {
  /** Most given names (at least one is always required). */
  maxGivenNames: number;
  maxPreviousFamilyNames: number;
  maxAddressLines: number;
  /** Longest given or family name, in characters after trimming. */
  maxNameChars: number;
  /** Longest address line, in characters after trimming. */
  maxAddressLineChars: number;
  /** Earliest date of birth accepted (YYYY-MM-DD). */
  earliestDateOfBirth: string;
  /** Latest date of birth accepted (YYYY-MM-DD); null for today's date (UTC) at the time of the call. */
  latestDateOfBirth: string | null;
}

/** PDS's limits: 5 given names of 35 characters, 5 address lines of 35, births from 1870 to today. */
export const DEFAULT_PERSON_LIMITS: Readonly<PersonLimits> = {
  maxGivenNames: 5,
  maxPreviousFamilyNames: 10,
  maxAddressLines: 5,
  maxNameChars: 35,
  maxAddressLineChars: 35,
  earliestDateOfBirth: '1870-01-01',
  latestDateOfBirth: null,
};

/** The fields of one import record, in the order of the format's description. */
export const PERSON_FIELDS = [
  'nhsNumber', 'givenNames', 'familyName', 'previousFamilyNames', 'dateOfBirth',
  'gender', 'addressLines', 'postcode', 'gpPracticeOds',
] as const;

/** The fields that hold lists (in CSV, `|`-separated within one cell). */
export const PERSON_LIST_FIELDS: ReadonlySet<string> = new Set(['givenNames', 'previousFamilyNames', 'addressLines']);

const KNOWN_FIELDS: ReadonlySet<string> = new Set(PERSON_FIELDS);
const GENDERS: ReadonlySet<string> = new Set<Gender>(['male', 'female', 'other', 'unknown']);
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const ODS_CODE = /^[A-Z0-9]{3,10}$/;
const LETTER = /\p{L}/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** How many unknown field names one message lists before it only counts them. */
const UNKNOWN_FIELDS_SHOWN = 5;
/** Longest quoted value in a message: enough to recognise it, not a whole line echoed back. */
const SHOWN_CHARS = 40;

/** Checks one parsed record (a JSON object, or a CSV row made into one) and returns the Person or every problem found. */
export function parsePersonRecord(value: unknown, limits: PersonLimits): { person: Person } | { errors: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { errors: ['a person must be a JSON object'] };
  const record = value as Record<string, unknown>;
  const errors: string[] = [];

  const unknown = Object.keys(record).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) {
    const names = unknown.slice(0, UNKNOWN_FIELDS_SHOWN).map(shown).join(', ');
    const more = unknown.length > UNKNOWN_FIELDS_SHOWN ? `, … (${unknown.length} in all)` : '';
    errors.push(`unknown field${unknown.length > 1 ? 's' : ''} ${names}${more}`);
  }
  const missing = PERSON_FIELDS.filter((f) => !Object.prototype.hasOwnProperty.call(record, f));
  if (missing.length > 0) errors.push(`missing field${missing.length > 1 ? 's' : ''} ${missing.map(shown).join(', ')}`);

  const has = (f: string): boolean => Object.prototype.hasOwnProperty.call(record, f);
  const nhsNumber = has('nhsNumber') ? checkNhsNumber(record['nhsNumber'], errors) : null;
  const givenNames = has('givenNames')
    ? checkNames('givenNames', record['givenNames'], 1, limits.maxGivenNames, limits.maxNameChars, errors)
    : null;
  const familyName = has('familyName') ? checkName('familyName', record['familyName'], limits.maxNameChars, errors) : null;
  const previousFamilyNames = has('previousFamilyNames')
    ? checkNames('previousFamilyNames', record['previousFamilyNames'], 0, limits.maxPreviousFamilyNames, limits.maxNameChars, errors)
    : null;
  const dateOfBirth = has('dateOfBirth') ? checkDateOfBirth(record['dateOfBirth'], limits, errors) : null;
  const gender = has('gender') ? checkGender(record['gender'], errors) : null;
  const addressLines = has('addressLines')
    ? checkLines('addressLines', record['addressLines'], limits.maxAddressLines, limits.maxAddressLineChars, errors)
    : null;
  const postcode = has('postcode') ? checkPostcode(record['postcode'], errors) : null;
  const gpPracticeOds = has('gpPracticeOds') ? checkOdsCode(record['gpPracticeOds'], errors) : null;

  if (errors.length > 0) return { errors };
  return {
    person: {
      nhsNumber: nhsNumber!,
      givenNames: givenNames!,
      familyName: familyName!,
      previousFamilyNames: previousFamilyNames!,
      dateOfBirth: dateOfBirth!,
      gender: gender!,
      addressLines: addressLines!,
      postcode,
      gpPracticeOds,
    },
  };
}

/** Limits with any of `overrides` applied, each checked to be usable. */
export function personLimits(overrides: Partial<PersonLimits> = {}): PersonLimits {
  const limits = { ...DEFAULT_PERSON_LIMITS, ...overrides };
  const counts = ['maxGivenNames', 'maxPreviousFamilyNames', 'maxAddressLines', 'maxNameChars', 'maxAddressLineChars'] as const;
  for (const key of counts) {
    const n = limits[key];
    const least = key === 'maxGivenNames' || key.endsWith('Chars') ? 1 : 0;
    if (!Number.isInteger(n) || n < least) throw new RangeError(`person limit ${key} must be an integer of at least ${least}, got ${n}`);
  }
  for (const key of ['earliestDateOfBirth', 'latestDateOfBirth'] as const) {
    const date = limits[key];
    if (date !== null && !isCalendarDate(date)) throw new RangeError(`person limit ${key} must be a YYYY-MM-DD date, got ${shown(date)}`);
  }
  return limits;
}

function checkNhsNumber(raw: unknown, errors: string[]): string | null {
  if (typeof raw !== 'string') return fail(errors, `nhsNumber must be a string of 10 digits, got ${typeName(raw)}`);
  const nhs = normalizeNhsNumber(raw);
  if (nhs === null) return fail(errors, `nhsNumber ${shown(raw)} is not 10 digits`);
  if (!isValidNhsNumber(nhs)) return fail(errors, `nhsNumber ${shown(raw)} fails the Modulus 11 check`);
  return nhs;
}

function checkName(field: string, raw: unknown, maxChars: number, errors: string[]): string | null {
  if (typeof raw !== 'string') return fail(errors, `${field} must be a string, got ${typeName(raw)}`);
  return checkText(field, raw, maxChars, true, errors);
}

function checkNames(field: string, raw: unknown, least: number, most: number, maxChars: number, errors: string[]): string[] | null {
  const list = checkList(field, raw, least, most, 'names', errors);
  if (list === null) return null;
  const names: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const name = checkText(`${field}[${i}]`, list[i] as string, maxChars, true, errors);
    if (name !== null) names.push(name);
  }
  return names.length === list.length ? names : null;
}

function checkLines(field: string, raw: unknown, most: number, maxChars: number, errors: string[]): string[] | null {
  const list = checkList(field, raw, 0, most, 'lines', errors);
  if (list === null) return null;
  const lines: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const line = checkText(`${field}[${i}]`, list[i] as string, maxChars, false, errors);
    if (line !== null) lines.push(line);
  }
  return lines.length === list.length ? lines : null;
}

/** An array of strings with a count in bounds; the strings themselves are checked by the caller. */
function checkList(field: string, raw: unknown, least: number, most: number, noun: string, errors: string[]): unknown[] | null {
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
    return fail(errors, `${field} must be an array of strings, got ${Array.isArray(raw) ? 'an array holding other values' : typeName(raw)}`);
  }
  if (raw.length < least || raw.length > most) {
    const range = least === most ? `${least}` : `${least} to ${most}`;
    // "names"/"lines": the singular is the plural without its s.
    return fail(errors, `${field} must have ${range} ${most === 1 ? noun.slice(0, -1) : noun}, has ${raw.length}`);
  }
  return raw;
}

/** Trimmed text within its length, without control characters, and (for a name) with a letter in it. */
function checkText(field: string, raw: string, maxChars: number, isName: boolean, errors: string[]): string | null {
  const text = raw.trim();
  if (text === '') return fail(errors, `${field} is empty`);
  if (text.length > maxChars) return fail(errors, `${field} is longer than ${maxChars} characters`);
  if (CONTROL.test(text)) return fail(errors, `${field} holds a control character`);
  if (isName && !LETTER.test(text)) return fail(errors, `${field} ${shown(text)} has no letters`);
  return text;
}

function checkDateOfBirth(raw: unknown, limits: PersonLimits, errors: string[]): string | null {
  if (typeof raw !== 'string') return fail(errors, `dateOfBirth must be a YYYY-MM-DD string, got ${typeName(raw)}`);
  if (!DATE.test(raw)) return fail(errors, `dateOfBirth ${shown(raw)} is not a YYYY-MM-DD date`);
  if (!isCalendarDate(raw)) return fail(errors, `dateOfBirth ${shown(raw)} is not a calendar date`);
  // YYYY-MM-DD strings order as the dates do.
  if (raw < limits.earliestDateOfBirth) return fail(errors, `dateOfBirth ${shown(raw)} is before ${limits.earliestDateOfBirth}`);
  const latest = limits.latestDateOfBirth ?? new Date().toISOString().slice(0, 10);
  if (raw > latest) return fail(errors, `dateOfBirth ${shown(raw)} is in the future`);
  return raw;
}

function checkGender(raw: unknown, errors: string[]): Gender | null {
  if (typeof raw !== 'string' || !GENDERS.has(raw)) {
    return fail(errors, `gender ${typeof raw === 'string' ? shown(raw) : typeName(raw)} is not one of male, female, other, unknown`);
  }
  return raw as Gender;
}

function checkPostcode(raw: unknown, errors: string[]): string | null {
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string') return fail(errors, `postcode must be a string or null, got ${typeName(raw)}`);
  const postcode = normalizePostcode(raw);
  if (postcode === null) return fail(errors, `postcode ${shown(raw)} is not a UK postcode`);
  return postcode;
}

function checkOdsCode(raw: unknown, errors: string[]): string | null {
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string') return fail(errors, `gpPracticeOds must be a string or null, got ${typeName(raw)}`);
  const code = raw.trim().toUpperCase();
  if (!ODS_CODE.test(code)) return fail(errors, `gpPracticeOds ${shown(raw)} is not an ODS code (3 to 10 letters and digits)`);
  return code;
}

/** Whether `s` is YYYY-MM-DD naming a day that exists (no 30 February, 29 February only in leap years). */
function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function fail(errors: string[], message: string): null {
  errors.push(message);
  return null;
}

/** A value quoted for a message: JSON-escaped (so control characters stay inert) and cut short. */
function shown(value: string): string {
  return JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
