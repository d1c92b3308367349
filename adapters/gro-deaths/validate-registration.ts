import { isValidNhsNumber, normalizeNhsNumber } from '../pds/nhs-number.js';
import { normalizePostcode } from '../pds/postcode.js';
import type { PartialDate } from '../pds/trace/trace-subject.js';
import type { GroDate, GroGender, GroName, GroRegistration, InvalidRegistration, UpdateReason } from './registration.js';

/** One element of a DeathRegistration as the reader collected it. */
export interface FieldElement {
  /** Local name: children may sit in the GRO, GROPersonDescriptives or govtalk namespaces, so prefixes are dropped. */
  name: string;
  /** The element's own character data as given, untrimmed; '' for an empty element. */
  text: string;
  /** Child elements in file order; repeated elements (PersonGivenName, Line, DeceasedAliasName) appear once each. */
  children: FieldElement[];
}

/** A DeathRegistration element as collected: a small tree bounded by the reader's limits. */
export type RecordFields = FieldElement;

const MAX_ADDRESS_LINES = 5;
const MAX_QUOTED = 40;
const GENDERS: ReadonlySet<string> = new Set(['1', '2', '9']);
const DATE = /^([1-9]\d{3})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^([1-9]\d{3}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))?$/;

/** A DeathRegistration checked against message-formats.md §1.2/§1.4: the typed record, or every error found in it. */
export function validateRegistration(fields: RecordFields, ordinal: number, today: string): GroRegistration | InvalidRegistration {
  const todayDate = parseFullDate(today);
  if (todayDate === null) throw new RangeError(`today must be a YYYY-MM-DD date, got ${quote(today)}`);
  const errors: string[] = [];
  const read = new FieldReader(errors);

  const idText = read.text(fields, 'RegistrationID');
  const registrationId = idText !== null && /^\d{1,18}$/.test(idText) && /[1-9]/.test(idText) ? idText.replace(/^0+/, '') : null;
  if (idText === null) errors.push('RegistrationID: missing');
  else if (registrationId === null) errors.push(`RegistrationID: ${quote(idText)} is not a positive integer of at most 18 digits`);

  const lockedAt = read.text(fields, 'RecordLockedDateTime');
  const updatedAt = read.text(fields, 'RecordUpdateDateTime');
  if ((lockedAt === null) === (updatedAt === null)) {
    errors.push(`RecordLockedDateTime/RecordUpdateDateTime: exactly one must be given, found ${lockedAt === null ? 'neither' : 'both'}`);
  }
  const lockedDate = lockedAt === null ? null : dateOfTimestamp(lockedAt, 'RecordLockedDateTime', errors);
  const updatedDate = updatedAt === null ? null : dateOfTimestamp(updatedAt, 'RecordUpdateDateTime', errors);
  const updateReason = readUpdateReason(read.text(fields, 'RecordUpdateReason'), updatedAt !== null, errors);

  const nameElement = read.one(fields, 'DeceasedName');
  const name = nameElement === null ? emptyName() : read.name(nameElement, 'DeceasedName');
  if (nameElement === null) errors.push('DeceasedName: missing');
  else if (name.familyName === null) errors.push('DeceasedName/PersonFamilyName: missing or empty');

  const aliasNames = children(fields, 'DeceasedAliasName');
  const aliasTypes = children(fields, 'DeceasedAliasNameType').map(normalizedText);
  if (aliasTypes.length > aliasNames.length) {
    errors.push(`DeceasedAliasNameType: ${aliasTypes.length} given for ${aliasNames.length} DeceasedAliasName`);
  }
  const aliases = aliasNames.map((el, i) => ({
    name: read.name(el, indexedPath('DeceasedAliasName', i)),
    type: nonEmpty(aliasTypes[i] ?? ''),
  }));

  const maidenElement = read.one(fields, 'DeceasedMaidenName');
  const maidenFamily = maidenElement === null ? null : read.one(maidenElement, 'PersonFamilyName', 'DeceasedMaidenName/PersonFamilyName');
  const maidenName = nonEmpty(normalizedText(maidenFamily ?? maidenElement ?? emptyElement()));

  const gender = read.text(fields, 'DeceasedGender');
  if (gender === null) errors.push('DeceasedGender: missing');
  else if (!GENDERS.has(gender)) errors.push(`DeceasedGender: ${quote(gender)} is not 1, 2 or 9`);

  const deathDate = readGroDate(fields, read, 'Death', errors);
  const birthDate = readGroDate(fields, read, 'Birth', errors);
  const registeredDate = updatedDate ?? lockedDate;
  checkDateOrder(
    [
      { label: 'DeceasedBirthDate', date: birthDate?.kind === 'free' ? null : birthDate?.date ?? null },
      { label: 'DeceasedDeathDate', date: deathDate?.kind === 'free' ? null : deathDate?.date ?? null },
      { label: updatedDate === null ? 'RecordLockedDateTime' : 'RecordUpdateDateTime', date: registeredDate },
      { label: 'today', date: todayDate },
    ],
    errors,
  );

  const addressElement = read.one(fields, 'DeceasedAddress');
  const address = { flat: null as string | null, building: null as string | null, lines: [] as string[], postcode: null as string | null };
  if (addressElement !== null) {
    address.flat = read.text(addressElement, 'Flat', 'DeceasedAddress/Flat');
    address.building = read.text(addressElement, 'Building', 'DeceasedAddress/Building');
    address.lines = children(addressElement, 'Line').map(normalizedText).filter((line) => line !== '');
    if (address.lines.length > MAX_ADDRESS_LINES) errors.push(`DeceasedAddress/Line: ${address.lines.length} given, at most ${MAX_ADDRESS_LINES} allowed`);
    const postcode = read.text(addressElement, 'Postcode', 'DeceasedAddress/Postcode');
    if (postcode !== null) {
      address.postcode = normalizePostcode(postcode);
      if (address.postcode === null) errors.push(`DeceasedAddress/Postcode: ${quote(postcode)} is not a UK postcode`);
    }
  }

  const nhsNumber = readNhsNumber(read.text(fields, 'DeceasedNHSNumber'), errors);

  if (errors.length > 0 || registrationId === null || deathDate === null || birthDate === null) {
    return { registrationId, ordinal, errors, fields: fieldsByPath(fields) };
  }
  return {
    registrationId,
    ordinal,
    lockedAt,
    updatedAt,
    updateReason,
    name,
    aliases,
    maidenName,
    gender: gender as GroGender,
    deathDate,
    birthDate,
    address,
    nhsNumber,
  };
}

/** Reads single-valued children, recording an error when one is repeated. */
class FieldReader {
  constructor(private readonly errors: string[]) {}

  /** The only child of this name, or null; a repeated element is an error (the first is used). */
  one(parent: FieldElement, name: string, path: string = name): FieldElement | null {
    const found = children(parent, name);
    if (found.length > 1) this.errors.push(`${path}: appears ${found.length} times, at most once allowed`);
    return found[0] ?? null;
  }

  /** The normalised text of the only child of this name; null when absent or empty. */
  text(parent: FieldElement, name: string, path: string = name): string | null {
    const element = this.one(parent, name, path);
    return element === null ? null : nonEmpty(normalizedText(element));
  }

  /** A GRO person-name structure (DeceasedName, DeceasedAliasName). */
  name(element: FieldElement, path: string): GroName {
    return {
      title: this.text(element, 'PersonNameTitle', `${path}/PersonNameTitle`),
      givenNames: children(element, 'PersonGivenName').map(normalizedText).filter((given) => given !== ''),
      familyName: this.text(element, 'PersonFamilyName', `${path}/PersonFamilyName`),
      suffix: this.text(element, 'PersonNameSuffix', `${path}/PersonNameSuffix`),
    };
  }
}

// GRO puts PersonDeathDate/VerificationLevel inside DeceasedDeathDate but the partial and free-text forms beside
// it, directly in DeathRegistration (LEP's GroJsonRecord); message-formats.md §1.2 sketches them inside. Both are read.
function readGroDate(record: FieldElement, read: FieldReader, of: 'Death' | 'Birth', errors: string[]): GroDate | null {
  const container = `Deceased${of}Date`;
  const wrapper = read.one(record, container);
  const scopes: Array<{ element: FieldElement; prefix: string }> = [{ element: record, prefix: '' }];
  if (wrapper !== null) scopes.push({ element: wrapper, prefix: `${container}/` });
  const find = (name: string): { text: string; path: string } | null => {
    const hits = scopes.flatMap(({ element, prefix }) =>
      children(element, name).map((el) => ({ text: normalizedText(el), path: prefix + name })).filter((hit) => hit.text !== ''),
    );
    if (hits.length > 1) errors.push(`${[...new Set(hits.map((hit) => hit.path))].join(' and ')}: appears ${hits.length} times, at most once allowed`);
    return hits[0] ?? null;
  };
  const full = find(`Person${of}Date`);
  const month = find(`PartialMonthOf${of}`);
  const year = find(`PartialYearOf${of}`);
  const free = find(`FreeFormat${of}Date`);
  // GRO's own fixtures give a partial date with free text explaining it ("about 1930"): the partial
  // date is what can be compared, the text adds nothing a trace can use. A full date beside either
  // other form contradicts itself and is refused.
  const forms = [full && 'full', (month ?? year) && 'partial', free && !(full === null && (month ?? year)) && 'free text'].filter((form) => form !== null && form !== false);
  if (forms.length !== 1) {
    errors.push(forms.length === 0
      ? `${container}: no date given (full, partial or free text)`
      : `${container}: ${forms.join(' and ')} given, exactly one form allowed`);
    return null;
  }
  if (full !== null) {
    const date = parseFullDate(full.text);
    if (date === null) errors.push(`${full.path}: ${quote(full.text)} is not a real YYYY-MM-DD date`);
    const level = wrapper === null ? null : read.text(wrapper, 'VerificationLevel', `${container}/VerificationLevel`);
    if (level === null) errors.push(`${container}/VerificationLevel: missing beside a full date`);
    else if (!/^0[0-3]$/.test(level)) errors.push(`${container}/VerificationLevel: ${quote(level)} is not 00 to 03`);
    return date === null || level === null ? null : { kind: 'full', date, verificationLevel: level };
  }
  if (year !== null) {
    const monthValue = month === null ? null : /^(?:0?[1-9]|1[0-2])$/.test(month.text) ? Number(month.text) : undefined;
    if (monthValue === undefined) errors.push(`${month?.path}: ${quote(month?.text ?? '')} is not a month 1 to 12`);
    const yearOk = /^[1-9]\d{3}$/.test(year.text);
    if (!yearOk) errors.push(`${year.path}: ${quote(year.text)} is not a 4-digit year`);
    return !yearOk || monthValue === undefined ? null : { kind: 'partial', date: { year: Number(year.text), month: monthValue, day: null } };
  }
  if (month !== null) {
    errors.push(`PartialYearOf${of}: missing beside ${month.path}`);
    return null;
  }
  return { kind: 'free', text: free?.text ?? '' };
}

function readUpdateReason(text: string | null, isUpdate: boolean, errors: string[]): UpdateReason | null {
  if (!isUpdate) {
    if (text !== null) errors.push('RecordUpdateReason: given on a record that is not an update (no RecordUpdateDateTime)');
    return null;
  }
  if (text === null) errors.push('RecordUpdateReason: missing on an update (RecordUpdateDateTime given)');
  else if (!/^[1-5]$/.test(text)) errors.push(`RecordUpdateReason: ${quote(text)} is not 1 to 5`);
  else return Number(text) as UpdateReason;
  return null;
}

function readNhsNumber(text: string | null, errors: string[]): string | null {
  if (text === null) return null;
  const digits = normalizeNhsNumber(text);
  if (digits === null) errors.push(`DeceasedNHSNumber: ${quote(text)} is not 10 digits`);
  else if (!isValidNhsNumber(digits)) errors.push(`DeceasedNHSNumber: ${quote(text)} fails the Modulus 11 check`);
  else return digits;
  return null;
}

function dateOfTimestamp(text: string, path: string, errors: string[]): PartialDate | null {
  const m = DATE_TIME.exec(text);
  const date = m === null ? null : parseFullDate(m[1] ?? '');
  const inRange = m !== null && Number(m[2]) <= 23 && Number(m[3]) <= 59 && Number(m[4] ?? 0) <= 59 && Number(m[5] ?? 0) <= 14 && Number(m[6] ?? 0) <= 59;
  if (date === null || !inRange) {
    errors.push(`${path}: ${quote(text)} is not an ISO date-time (YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh:mm])`);
    return null;
  }
  return date;
}

/** A real calendar date from YYYY-MM-DD, or null. */
function parseFullDate(text: string): (PartialDate & { month: number; day: number }) | null {
  const m = DATE.exec(text);
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return { year, month, day };
}

/**
 * Birth ≤ death ≤ registration ≤ today, each pair compared at the precision both know (a partial date by
 * year, then month). Every pair is checked, since partial dates make the order non-transitive, but a pair is
 * reported only when no date between them is already out of order with one of its ends.
 */
function checkDateOrder(dates: Array<{ label: string; date: PartialDate | null }>, errors: string[]): void {
  const after = (i: number, j: number): boolean => {
    const a = dates[i]?.date;
    const b = dates[j]?.date;
    return a != null && b != null && comparePartial(a, b) > 0;
  };
  for (let j = 1; j < dates.length; j++) {
    for (let i = 0; i < j; i++) {
      if (!after(i, j)) continue;
      let explained = false;
      for (let k = i + 1; k < j; k++) explained ||= after(i, k) || after(k, j);
      if (!explained) errors.push(`${dates[i]?.label} ${formatPartial(dates[i]?.date)} is after ${dates[j]?.label} ${formatPartial(dates[j]?.date)}`);
    }
  }
}

function comparePartial(a: PartialDate, b: PartialDate): number {
  if (a.year !== b.year) return a.year - b.year;
  if (a.month === null || b.month === null || a.month !== b.month) return a.month === null || b.month === null ? 0 : a.month - b.month;
  return a.day === null || b.day === null ? 0 : a.day - b.day;
}

function formatPartial(date: PartialDate | null | undefined): string {
  if (date == null) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return [String(date.year), date.month === null ? null : pad(date.month), date.day === null ? null : pad(date.day)].filter((p) => p !== null).join('-');
}

/** Text of every leaf (and of any container holding text) by path, repeats numbered from the second: "DeceasedAddress/Line[2]". */
function fieldsByPath(record: FieldElement): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (element: FieldElement, prefix: string): void => {
    const seen = new Map<string, number>();
    for (const child of element.children) {
      const n = (seen.get(child.name) ?? 0) + 1;
      seen.set(child.name, n);
      const path = `${prefix}${n === 1 ? child.name : `${child.name}[${n}]`}`;
      const text = child.text.trim();
      if (child.children.length === 0 || text !== '') out[path] = text;
      walk(child, `${path}/`);
    }
  };
  walk(record, '');
  return out;
}

function children(parent: FieldElement, name: string): FieldElement[] {
  return parent.children.filter((child) => child.name === name);
}

function normalizedText(element: FieldElement): string {
  return element.text.replace(/\s+/g, ' ').trim();
}

function nonEmpty(text: string): string | null {
  return text === '' ? null : text;
}

function indexedPath(name: string, i: number): string {
  return i === 0 ? name : `${name}[${i + 1}]`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

function emptyName(): GroName {
  return { title: null, givenNames: [], familyName: null, suffix: null };
}

function emptyElement(): FieldElement {
  return { name: '', text: '', children: [] };
}
