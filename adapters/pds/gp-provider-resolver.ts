import type { AddressResolution, AddressResolver } from '../../broker/messages/address-resolver.js';
import type { DemographicIndex } from './demographic-index.js';
import { nameParts, normalizeName } from './names/name-keys.js';
import { isValidNhsNumber } from './nhs-number.js';

/**
 * Workflows on which MESH allows `GPPROVIDER_` addressing (message-formats.md §5: transfer of
 * care and GP documents). Their `_ACK` workflows are left out on purpose: an ack goes from the
 * practice back to the sender's mailbox, never to a patient's practice.
 */
export const GPPROVIDER_WORKFLOWS: readonly string[] = [
  'TOC_FHIR_IP_DISCH',
  'TOC_FHIR_MH_DISCH',
  'TOC_FHIR_EC_DISCH',
  'TOC_FHIR_OP_ATTEN',
  'TOC_OUTP_ATT_DMS',
  'GPFED_CONSULT_REPORT',
  'GPCONNECT_UPDATE_RECORD',
  'GPCONNECT_SEND_DOCUMENT',
];

export const DEFAULT_MAX_SURNAME_LENGTH = 100;

export interface GpProviderResolverOptions {
  /** Workflows that may use GPPROVIDER_ addressing; null allows any. Default GPPROVIDER_WORKFLOWS. */
  workflows?: readonly string[] | null;
  /** Longest surname accepted, in characters as sent (default 100); longer is EPL-152. */
  maxSurnameLength?: number;
}

/** A `GPPROVIDER_<nhs>_<yyyymmdd>_<surname>` address, checked for shape but not against the index. */
export interface GpProviderAddress {
  nhsNumber: string;
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  /** As sent, percent-decoded. */
  surname: string;
}

const PREFIX = 'GPPROVIDER_';

// MESH's own texts for these codes (EPL guidance); ours add why, but never the patient's data:
// not even what the sender sent, so demographics stay out of logs and tracking as MESH keeps
// them out of MOLES.
const TEXT = {
  invalidNhsNumber: 'Invalid NHS Number',
  notFound: 'NHS Number not found',
  mismatch: 'NHS Number supplied does not match the demographics',
  noMailbox: 'No mailbox matched',
  severalMailboxes: 'Multiple mailboxes matched',
} as const;

/**
 * Shape-checks a `mex-To`: null when it is not a GPPROVIDER_ address (prefix, any case), an
 * EPL-152 answer when it is one but malformed, else its parts.
 */
export function parseGpProviderAddress(to: string, maxSurnameLength = DEFAULT_MAX_SURNAME_LENGTH): GpProviderAddress | { error: 'EPL-152'; description: string } | null {
  if (to.slice(0, PREFIX.length).toUpperCase() !== PREFIX) return null;
  const invalid = (why: string) => ({ error: 'EPL-152' as const, description: `${TEXT.invalidNhsNumber}: ${why}` });
  const rest = to.slice(PREFIX.length);
  const first = rest.indexOf('_');
  const second = first < 0 ? -1 : rest.indexOf('_', first + 1);
  if (second < 0) return invalid('address must be GPPROVIDER_<NHS number>_<yyyymmdd>_<surname>');
  const nhsNumber = rest.slice(0, first);
  const dob = rest.slice(first + 1, second);
  const rawSurname = rest.slice(second + 1);
  if (!/^\d{10}$/.test(nhsNumber)) return invalid('the NHS number must be 10 digits');
  if (!isValidNhsNumber(nhsNumber)) return invalid('the NHS number fails the Modulus 11 check');
  const dateOfBirth = calendarDate(dob);
  if (dateOfBirth === null) return invalid('the date of birth must be a real date as yyyymmdd');
  // Bounded before decoding, so a huge header costs nothing.
  if (rawSurname.length > maxSurnameLength) return invalid(`the surname is longer than ${maxSurnameLength} characters`);
  const surname = percentDecoded(rawSurname);
  if (comparable(surname) === '') return invalid('the surname is empty');
  return { nhsNumber, dateOfBirth, surname };
}

/**
 * Resolves `mex-To: GPPROVIDER_<nhs>_<yyyymmdd>_<surname>` to the registered practice's mailbox
 * for the message's workflow, after a cross-check against the index as MESH's SMSP check does:
 * EPL-152 malformed or invalid number, EPL-153 unknown number, EPL-154 date of birth or surname
 * wrong, EPL-151 no practice or no practice mailbox for the workflow, EPL-150 several.
 */
export function gpProviderResolver(index: Pick<DemographicIndex, 'getPerson'>, opts: GpProviderResolverOptions = {}): AddressResolver {
  const workflows = opts.workflows === undefined ? GPPROVIDER_WORKFLOWS : opts.workflows;
  const maxSurnameLength = opts.maxSurnameLength ?? DEFAULT_MAX_SURNAME_LENGTH;
  return {
    name: 'gpprovider',
    async resolve(to, { workflowId, directory }): Promise<AddressResolution> {
      const address = parseGpProviderAddress(to, maxSurnameLength);
      if (address === null || 'error' in address) return address;
      // EPL-151 rather than null: null would fall through to "unregistered address", yet the
      // address is understood; what is missing is a mailbox this workflow may be routed to.
      if (workflows !== null && !workflows.includes(workflowId)) {
        return { error: 'EPL-151', description: `${TEXT.noMailbox}: GPPROVIDER addressing is not enabled for workflow ${workflowId}` };
      }
      const person = await index.getPerson(address.nhsNumber);
      if (person === null) return { error: 'EPL-153', description: TEXT.notFound };
      // Exact, not fuzzy: a cross-check confirms the sender already knows who this is. Which
      // field failed is not said, or a sender could confirm a patient's details one at a time.
      const surname = comparable(address.surname);
      const familyNames = [person.familyName, ...person.previousFamilyNames].map(comparable);
      if (person.dateOfBirth !== address.dateOfBirth || !familyNames.includes(surname)) return { error: 'EPL-154', description: TEXT.mismatch };
      // A deceased patient is still routed: the documents this addressing carries (a discharge
      // after a death in hospital, a post-mortem letter) are exactly what the practice must get.
      if (person.gpPracticeOds === null) return { error: 'EPL-151', description: `${TEXT.noMailbox}: the patient has no registered practice` };
      const mailboxes = directory.lookupEndpoint(person.gpPracticeOds, workflowId);
      if (mailboxes.length === 1) return { mailbox: mailboxes[0]! };
      if (mailboxes.length > 1) return { error: 'EPL-150', description: `${TEXT.severalMailboxes}: ${mailboxes.length} mailboxes of the registered practice receive workflow ${workflowId}` };
      return { error: 'EPL-151', description: `${TEXT.noMailbox}: the registered practice has no mailbox receiving workflow ${workflowId}` };
    },
  };
}

/** YYYYMMDD → YYYY-MM-DD when it is a real calendar date, else null. */
function calendarDate(yyyymmdd: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (year < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

// Header values are ASCII, so a client with "O'Brien" or "Zoë" may percent-encode it; a literal
// "%" never occurs in a surname, so decoding is safe. Undecodable input is compared as sent.
function percentDecoded(s: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(s)) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Letters only: "O'Brien", "OBRIEN" and "o brien" are one surname; spacing and punctuation are
// formatting, and MESH addresses cannot always carry them. Letters must all be equal.
function comparable(name: string): string {
  return nameParts(normalizeName(name)).join('');
}
