/**
 * Builders of GRO death-registration XML (message-formats.md §1.2) for tests: one record from a few fields,
 * a whole file from records, and a file of any size generated as a stream, never held as one string.
 * Shapes follow LEP's fixtures: the full date inside DeceasedDeathDate/DeceasedBirthDate, the partial and
 * free-text forms beside it in DeathRegistration.
 */
import { Readable } from 'node:stream';
import type { GroRegistration, InvalidRegistration } from '../../../adapters/gro-deaths/registration.js';
import { DEFAULT_GRO_XML_LIMITS } from '../../../adapters/gro-deaths/xml/gro-xml-limits.js';
import type { GroXmlLimits } from '../../../adapters/gro-deaths/xml/gro-xml-limits.js';
import { GroXmlError, readGroRegistrations, scanGroFile } from '../../../adapters/gro-deaths/xml/gro-xml-reader.js';
import type { GroScanResult } from '../../../adapters/gro-deaths/xml/gro-xml-reader.js';

export const GRO_NS = 'http://www.ons.gov.uk/gro/OGDDeathExtractDWP';
export const GRO_PERSON_NS = 'http://www.ons.gov.uk/gro/people/GROPersonDescriptives';
export const GRO_ADDRESS_NS = 'http://www.ons.gov.uk/gro/people/GROAddressDescriptives';
export const GOVTALK_PERSON_NS = 'http://www.govtalk.gov.uk/people/PersonDescriptives';

/** A name structure; omitted parts take no element. */
export interface FixtureName {
  title?: string | null;
  givenNames?: string[];
  familyName?: string | null;
  suffix?: string | null;
}

/** One date in any of GRO's forms; `inside` puts partial/free elements inside DeceasedXDate (§1.2's sketch). */
export type FixtureDate =
  | { full: string; verificationLevel?: string | null }
  | { partialYear: string | null; partialMonth?: string | null; qualifierText?: string; inside?: boolean }
  | { free: string; qualifierText?: string; inside?: boolean }
  | { xml: string };

/** The fields of one DeathRegistration; null leaves the element out. */
export interface RegistrationFixture {
  registrationId: string | null;
  lockedAt: string | null;
  updatedAt: string | null;
  updateReason: string | null;
  name: FixtureName | null;
  aliases: Array<{ name: FixtureName; type?: string | null }>;
  maidenName: string | null;
  gender: string | null;
  deathDate: FixtureDate | null;
  birthDate: FixtureDate | null;
  address: { flat?: string | null; building?: string | null; lines?: string[]; postcode?: string | null } | null;
  nhsNumber: string | null;
  /** Put name, address and date parts in GRO's and govtalk's namespaces under prefixes, as LEP's fixtures do. */
  namespacedChildren: boolean;
  /** Raw XML appended inside DeathRegistration. */
  extraXml: string;
}

/** A valid locked registration: registered 2024-03-02, died 2024-02-28, born 1941-06-15 (tests use today 2024-06-01). */
export const VALID_REGISTRATION: Readonly<RegistrationFixture> = Object.freeze({
  registrationId: '31989013',
  lockedAt: '2024-03-02T10:15:00.000',
  updatedAt: null,
  updateReason: null,
  name: { title: 'Mr', givenNames: ['JOHN', 'WILLIAM'], familyName: 'SMITH', suffix: null },
  aliases: [],
  maidenName: null,
  gender: '1',
  deathDate: { full: '2024-02-28', verificationLevel: '02' },
  birthDate: { full: '1941-06-15', verificationLevel: '00' },
  address: { flat: null, building: null, lines: ['10 Test Street', 'Leeds'], postcode: 'LS1 4AP' },
  nhsNumber: null,
  namespacedChildren: false,
  extraXml: '',
});

/** The `today` the fixtures' dates are valid against. */
export const FIXTURE_TODAY = '2024-06-01';

/** XML text escaping for element content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One DeathRegistration element: VALID_REGISTRATION with the given fields replaced. */
export function groRegistrationXml(overrides: Partial<RegistrationFixture> = {}): string {
  const f: RegistrationFixture = { ...VALID_REGISTRATION, ...overrides };
  let prefixes = 0;
  // Each namespaced element declares its own prefix, the way LEP's generated files do.
  const el = (name: string, text: string | null | undefined, ns?: string): string => {
    if (text === null || text === undefined) return '';
    if (!f.namespacedChildren || ns === undefined) return `<${name}>${escapeXml(text)}</${name}>`;
    const p = `ns${++prefixes}`;
    return `<${p}:${name} xmlns:${p}="${ns}">${escapeXml(text)}</${p}:${name}>`;
  };
  const name = (n: FixtureName): string =>
    el('PersonNameTitle', n.title, GRO_PERSON_NS) +
    (n.givenNames ?? []).map((g) => el('PersonGivenName', g, GRO_PERSON_NS)).join('') +
    el('PersonFamilyName', n.familyName, GRO_PERSON_NS) +
    el('PersonNameSuffix', n.suffix, GRO_PERSON_NS);
  const date = (d: FixtureDate | null, of: 'Death' | 'Birth'): string => {
    if (d === null) return '';
    if ('xml' in d) return d.xml;
    if ('full' in d) {
      return `<Deceased${of}Date>${el(`Person${of}Date`, d.full, GOVTALK_PERSON_NS)}${el('VerificationLevel', d.verificationLevel, GOVTALK_PERSON_NS)}</Deceased${of}Date>`;
    }
    const parts = 'free' in d
      ? el(`FreeFormat${of}Date`, d.free)
      : el(`PartialMonthOf${of}`, d.partialMonth) + el(`PartialYearOf${of}`, d.partialYear);
    const qualified = parts + el('QualifierText', d.qualifierText);
    return d.inside === true ? `<Deceased${of}Date>${qualified}</Deceased${of}Date>` : qualified;
  };
  const address = f.address === null ? '' : '<DeceasedAddress>' +
    el('Flat', f.address.flat, GRO_ADDRESS_NS) + el('Building', f.address.building, GRO_ADDRESS_NS) +
    (f.address.lines ?? []).map((line) => el('Line', line, GRO_ADDRESS_NS)).join('') +
    el('Postcode', f.address.postcode, GRO_ADDRESS_NS) + '</DeceasedAddress>';
  return '<DeathRegistration>' +
    el('RegistrationID', f.registrationId) +
    el('RecordLockedDateTime', f.lockedAt) +
    el('RecordUpdateDateTime', f.updatedAt) +
    el('RecordUpdateReason', f.updateReason) +
    (f.name === null ? '' : `<DeceasedName>${name(f.name)}</DeceasedName>`) +
    f.aliases.map((a) => `<DeceasedAliasName>${name(a.name)}</DeceasedAliasName>`).join('') +
    f.aliases.map((a) => el('DeceasedAliasNameType', a.type)).join('') +
    el('DeceasedMaidenName', f.maidenName) +
    el('DeceasedGender', f.gender) +
    date(f.deathDate, 'Death') +
    date(f.birthDate, 'Birth') +
    address +
    el('DeceasedNHSNumber', f.nhsNumber) +
    f.extraXml +
    '</DeathRegistration>';
}

/** Options for a whole file: RecordCount (null leaves it out), the root's namespace (null: none) and name. */
export interface GroFileOptions {
  recordCount?: number | null;
  namespace?: string | null;
  root?: string;
  /** Text before the root element (an XML declaration, a DOCTYPE). */
  prolog?: string;
}

/** A whole DeathRegistrationGroup file; RecordCount defaults to the number of records. */
export function groFileXml(records: string[], opts: GroFileOptions = {}): string {
  const { open, close } = groFileEnvelope(opts);
  const count = opts.recordCount === undefined ? records.length : opts.recordCount;
  return `${open}\n${records.join('\n')}\n${count === null ? '' : `<RecordCount>${count}</RecordCount>\n`}${close}`;
}

function groFileEnvelope(opts: GroFileOptions): { open: string; close: string } {
  const root = opts.root ?? 'DeathRegistrationGroup';
  const ns = opts.namespace === undefined ? GRO_NS : opts.namespace;
  const prolog = opts.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>\n';
  return { open: `${prolog}<${root}${ns === null ? '' : ` xmlns="${ns}"`}>`, close: `</${root}>\n` };
}

/** A file streamed record by record as the reader asks; `produced()` says how many records have been generated. */
export interface GroFileStream {
  stream: Readable;
  produced: () => number;
  bytes: () => number;
}

/** A DeathRegistrationGroup of `count` records made on demand by `recordFor(ordinal)`, never held whole. */
export function groFileStream(count: number, recordFor: (ordinal: number) => string, opts: GroFileOptions = {}): GroFileStream {
  const { open, close } = groFileEnvelope(opts);
  const recordCount = opts.recordCount === undefined ? count : opts.recordCount;
  let produced = 0;
  let bytes = 0;
  let started = false;
  const stream = new Readable({
    read() {
      const parts: string[] = [];
      if (!started) {
        parts.push(open, '\n');
        started = true;
      }
      // About 16 KiB per push: one call of read() yields a few records, as a file stream's chunks would.
      let size = 0;
      while (produced < count && size < 16 * 1024) {
        const record = recordFor(++produced);
        parts.push(record, '\n');
        size += record.length;
      }
      if (produced >= count) {
        if (recordCount !== null) parts.push(`<RecordCount>${recordCount}</RecordCount>\n`);
        parts.push(close);
      }
      const chunk = Buffer.from(parts.join(''), 'utf8');
      bytes += chunk.length;
      this.push(chunk);
      if (produced >= count) this.push(null);
    },
  });
  return { stream, produced: () => produced, bytes: () => bytes };
}

/** A Readable of the given text, in chunks of `chunkSize` bytes (to exercise splits inside tokens and characters). */
export function textStream(text: string, chunkSize = 64 * 1024): Readable {
  const data = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkSize) chunks.push(data.subarray(at, at + chunkSize));
  return Readable.from(chunks);
}

/** Pass 1 over `text`, fed in chunks of `chunkSize` bytes, with default limits overridden by `limits`. */
export function scanText(text: string, limits: Partial<GroXmlLimits> = {}, chunkSize?: number): Promise<GroScanResult> {
  return scanGroFile(textStream(text, chunkSize), { ...DEFAULT_GRO_XML_LIMITS, ...limits });
}

/** Pass 2 over `text`: the records yielded and the coded error it ended with, if any. */
export async function readText(
  text: string,
  limits: Partial<GroXmlLimits> = {},
  chunkSize?: number,
): Promise<{ records: Array<GroRegistration | InvalidRegistration>; error: GroXmlError | null }> {
  const records: Array<GroRegistration | InvalidRegistration> = [];
  try {
    const stream = textStream(text, chunkSize);
    for await (const r of readGroRegistrations(stream, { ...DEFAULT_GRO_XML_LIMITS, ...limits }, { today: FIXTURE_TODAY })) records.push(r);
    return { records, error: null };
  } catch (err) {
    if (err instanceof GroXmlError) return { records, error: err };
    throw err;
  }
}
