import { isValidNhsNumber } from '../../pds/nhs-number.js';
import { DEATH_NOTIFICATION_EVENT, URLS, UUID } from './death-notification-bundle.js';

// Validation: the NEMS rules (message-formats.md §2.5) a death notification must pass, so every
// bundle we emit is one NEMS would accept from a publisher.

/** NEMS's 3 MB publish limit, read as decimal megabytes: the stricter reading. */
export const NEMS_MAX_BUNDLE_BYTES = 3_000_000;

/** The EventType-1 codes NEMS carries (EMS messages/overview_supported_events.md). */
export const NEMS_EVENT_CODES: readonly string[] = [
  'pds-birth-notification-1',
  'pds-change-of-address-1',
  'pds-change-of-gp-1',
  DEATH_NOTIFICATION_EVENT,
  'pds-record-change-1',
  'blood-spot-test-outcome-1',
  'newborn-hearing-1',
  'nipe-outcome-1',
  'professional-contacts-1',
  'vaccinations-1',
];

const MESSAGE_EVENT_TYPES = ['new', 'update', 'delete'];
const DEATH_STATUS_CODES = ['1', '2', 'U'];
// FHIR dateTime as NEMS constrains it: a year, month or date alone, or a date-time that then
// carries its offset (Z or ±hh:mm, at most 14:00).
const FHIR_DATE_TIME = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
// Instants (meta.lastUpdated, MessageHeader.timestamp) always have a time, hence an offset.
const FHIR_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;
const INSTANT_KEYS = new Set(['lastUpdated', 'timestamp']);
const DATE_TIME_KEYS = new Set(['valueDateTime', 'deceasedDateTime', 'sent', 'received']);

type Json = Record<string, unknown>;

/**
 * The NEMS rules a death notification bundle breaks, as messages naming the element; empty when
 * it is acceptable. Reads any JSON value, so tests and adapters can check what they emit.
 */
export function validateDeathNotificationBundle(bundle: unknown, opts: { maxBytes?: number } = {}): string[] {
  const errors: string[] = [];
  if (!isObject(bundle)) return ['bundle is not a JSON object'];
  if (bundle.resourceType !== 'Bundle') errors.push(`resourceType must be "Bundle" (is ${show(bundle.resourceType)})`);
  if (bundle.type !== 'message') errors.push(`Bundle.type must be "message" (is ${show(bundle.type)})`);
  const maxBytes = opts.maxBytes ?? NEMS_MAX_BUNDLE_BYTES;
  const size = Buffer.byteLength(JSON.stringify(bundle), 'utf8');
  if (size > maxBytes) errors.push(`bundle is ${size} bytes serialised, over the ${maxBytes}-byte limit`);
  checkTimestamps(bundle, 'Bundle', errors);

  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  if (entries.length === 0) return [...errors, 'Bundle.entry is empty'];
  const byUrl = new Map<string, Json>();
  entries.forEach((e, i) => {
    const resource = isObject(e) ? e.resource : undefined;
    if (!isObject(e) || !isObject(resource)) return void errors.push(`entry[${i}] has no resource`);
    if (typeof e.fullUrl !== 'string' || !e.fullUrl.startsWith('urn:uuid:')) errors.push(`entry[${i}].fullUrl must be a urn:uuid:`);
    else if (byUrl.has(e.fullUrl)) errors.push(`entry[${i}].fullUrl ${e.fullUrl} is repeated`);
    else byUrl.set(e.fullUrl, resource);
  });
  checkReferences(bundle, 'Bundle', byUrl, errors);

  const header = isObject(entries[0]) && isObject(entries[0].resource) ? entries[0].resource : null;
  if (header?.resourceType !== 'MessageHeader') return [...errors, 'the first entry must be the MessageHeader'];
  checkHeader(header, errors);
  const patient = focusedPatient(header, byUrl, errors);
  if (!patient) return errors;
  checkPatient(header, patient, errors);
  return errors;
}

function checkHeader(header: Json, errors: string[]): void {
  const event = isObject(header.event) ? header.event : {};
  if (event.system !== URLS.eventTypeSystem) errors.push(`MessageHeader.event.system must be ${URLS.eventTypeSystem}`);
  if (typeof event.code !== 'string' || !NEMS_EVENT_CODES.includes(event.code)) errors.push(`MessageHeader.event.code ${show(event.code)} is not a NEMS event`);
  else if (event.code !== DEATH_NOTIFICATION_EVENT) errors.push(`MessageHeader.event.code is ${event.code}, not ${DEATH_NOTIFICATION_EVENT}`);

  const eventType = codingOf(extension(header, URLS.messageEventType)?.valueCodeableConcept);
  if (!eventType || eventType.system !== URLS.messageEventTypeSystem || !MESSAGE_EVENT_TYPES.includes(String(eventType.code))) {
    errors.push(`MessageHeader messageEventType must be one of ${MESSAGE_EVENT_TYPES.join(', ')} (is ${show(eventType?.code)})`);
  } else if (eventType.code !== 'new') {
    errors.push(`MessageHeader messageEventType must be "new" for ${DEATH_NOTIFICATION_EVENT} (is ${eventType.code})`);
  }
  if (typeof header.id !== 'string' || !UUID.test(header.id)) errors.push('MessageHeader.id must be a UUID');
  if (!isObject(header.responsible) || typeof header.responsible.reference !== 'string') errors.push('MessageHeader.responsible is missing');

  const routing = extension(header, URLS.routingDemographics);
  if (!routing) return void errors.push('MessageHeader has no RoutingDemographics extension');
  const nhs = routingNhsNumber(routing);
  if (nhs === null) errors.push('RoutingDemographics nhsNumber is missing');
  else if (!isValidNhsNumber(nhs)) errors.push(`RoutingDemographics nhsNumber ${nhs} fails the Modulus 11 check`);
  const name = extension(routing, 'name')?.valueHumanName;
  if (!isObject(name) || name.use !== 'official' || typeof name.family !== 'string' || name.family === '') {
    errors.push('RoutingDemographics name must be an official name with a family name');
  }
  if (typeof extension(routing, 'birthDateTime')?.valueDateTime !== 'string') errors.push('RoutingDemographics birthDateTime is missing');
}

function checkPatient(header: Json, patient: Json, errors: string[]): void {
  const nhs = patientNhsNumber(patient);
  if (nhs === null) errors.push('Patient has no NHS number identifier');
  else if (!isValidNhsNumber(nhs)) errors.push(`Patient NHS number ${nhs} fails the Modulus 11 check`);
  const routing = extension(header, URLS.routingDemographics);
  if (routing) {
    const routed = routingNhsNumber(routing);
    if (routed !== null && nhs !== null && routed !== nhs) errors.push('RoutingDemographics nhsNumber differs from the Patient NHS number');
    const routedName = extension(routing, 'name')?.valueHumanName;
    const official = Array.isArray(patient.name) ? patient.name.find((n) => isObject(n) && n.use === 'official') : undefined;
    if (isObject(routedName) && !sameName(routedName, official)) errors.push("RoutingDemographics name differs from the Patient's official name");
    const routedBirth = extension(routing, 'birthDateTime')?.valueDateTime;
    if (typeof routedBirth === 'string' && routedBirth.slice(0, 10) !== patient.birthDate) errors.push('RoutingDemographics birthDateTime differs from Patient.birthDate');
  }
  const status = extension(patient, URLS.deathNotificationStatus);
  const code = codingOf(extension(status ?? {}, 'deathNotificationStatus')?.valueCodeableConcept)?.code;
  if (!status || typeof code !== 'string' || !DEATH_STATUS_CODES.includes(code)) {
    errors.push(`Patient deathNotificationStatus must be one of ${DEATH_STATUS_CODES.join(', ')} (is ${show(code)})`);
  } else {
    if (typeof extension(status, 'systemEffectiveDate')?.valueDateTime !== 'string') errors.push('Patient deathNotificationStatus has no systemEffectiveDate');
    if (code === 'U' && patient.deceasedDateTime !== undefined) errors.push('Patient.deceasedDateTime must be absent when the status is U (removed)');
    if (code !== 'U' && typeof patient.deceasedDateTime !== 'string') errors.push(`Patient.deceasedDateTime is required when the status is ${code}`);
  }
}

/** The Patient the event is about: MessageHeader.focus → Communication.subject (EMS generic rules). */
function focusedPatient(header: Json, byUrl: Map<string, Json>, errors: string[]): Json | null {
  const focus = Array.isArray(header.focus) ? header.focus[0] : undefined;
  const communication = isObject(focus) && typeof focus.reference === 'string' ? byUrl.get(focus.reference) : undefined;
  if (communication?.resourceType !== 'Communication') {
    errors.push('MessageHeader.focus must reference the Communication');
    return null;
  }
  const subject = isObject(communication.subject) && typeof communication.subject.reference === 'string' ? byUrl.get(communication.subject.reference) : undefined;
  if (subject?.resourceType !== 'Patient') {
    errors.push('Communication.subject must reference the Patient');
    return null;
  }
  return subject;
}

function checkTimestamps(node: unknown, path: string, errors: string[]): void {
  if (Array.isArray(node)) return node.forEach((v, i) => checkTimestamps(v, `${path}[${i}]`, errors));
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (INSTANT_KEYS.has(key) && (typeof value !== 'string' || !FHIR_INSTANT.test(value))) errors.push(`${at} must be a date-time with a timezone offset (is ${show(value)})`);
    else if (DATE_TIME_KEYS.has(key) && (typeof value !== 'string' || !FHIR_DATE_TIME.test(value))) errors.push(`${at} must be a date, or a date-time with a timezone offset (is ${show(value)})`);
    else checkTimestamps(value, at, errors);
  }
}

function checkReferences(node: unknown, path: string, byUrl: Map<string, Json>, errors: string[]): void {
  if (Array.isArray(node)) return node.forEach((v, i) => checkReferences(v, `${path}[${i}]`, byUrl, errors));
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'reference' && typeof value === 'string' && value.startsWith('urn:uuid:') && !byUrl.has(value)) errors.push(`${path}.reference ${value} matches no entry`);
    else checkReferences(value, `${path}.${key}`, byUrl, errors);
  }
}

function sameName(a: Json, b: unknown): boolean {
  if (!isObject(b) || a.family !== b.family) return false;
  const given = (n: Json): string => (Array.isArray(n.given) ? n.given.join(' ') : '');
  return given(a) === given(b);
}

function routingNhsNumber(routing: Json): string | null {
  const id = extension(routing, 'nhsNumber')?.valueIdentifier;
  return isObject(id) && id.system === URLS.nhsNumber && typeof id.value === 'string' && id.value !== '' ? id.value : null;
}

function patientNhsNumber(patient: Json): string | null {
  const ids = Array.isArray(patient.identifier) ? patient.identifier : [];
  const id = ids.find((i) => isObject(i) && i.system === URLS.nhsNumber);
  return isObject(id) && typeof id.value === 'string' ? id.value : null;
}

function extension(node: Json, url: string): Json | undefined {
  const list = Array.isArray(node.extension) ? node.extension : [];
  return list.find((e): e is Json => isObject(e) && e.url === url);
}

function codingOf(concept: unknown): Json | undefined {
  const coding = isObject(concept) && Array.isArray(concept.coding) ? concept.coding[0] : undefined;
  return isObject(coding) ? coding : undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'absent' : JSON.stringify(v);
}
