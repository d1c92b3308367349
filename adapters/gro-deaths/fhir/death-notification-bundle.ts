import { createHash } from 'node:crypto';
import { isValidNhsNumber } from '../../pds/nhs-number.js';
import type { IndexedPerson } from '../../pds/person.js';
import type {
  BundleEntry,
  Communication,
  ContactPoint,
  Extension,
  FhirBundle,
  HealthcareService,
  HumanName,
  MessageHeader,
  Organization,
  Patient,
  Reference,
} from './fhir-types.js';

// Profiles and code systems of NEMS's pds-death-notification-1 as published today (EMS
// pages/messages/messages/pds_death_notification_1.md). The beta names EMS-MessageHeader-1 and
// EMS-Communication-1 (PDS004 era) were superseded by Event-MessageHeader-1 and
// CareConnect-Communication-1; receivers built to the current page check these.
export const DEATH_NOTIFICATION_EVENT = 'pds-death-notification-1';
export const URLS = {
  bundleProfile: 'http://hl7.org/fhir/STU3/StructureDefinition/Bundle',
  messageHeaderProfile: 'https://fhir.nhs.uk/STU3/StructureDefinition/Event-MessageHeader-1',
  communicationProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Communication-1',
  patientProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1',
  organizationProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Organization-1',
  healthcareServiceProfile: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-HealthcareService-1',
  routingDemographics: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1',
  messageEventType: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1',
  messageEventTypeSystem: 'https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1',
  eventTypeSystem: 'https://fhir.nhs.uk/STU3/CodeSystem/EventType-1',
  deathNotificationStatus: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-DeathNotificationStatus-1',
  deathNotificationStatusSystem: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-DeathNotificationStatus-1',
  nhsNumberVerification: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1',
  // The NEMS examples print this without "CodeSystem/"; the CareConnect code system URL has it.
  nhsNumberVerificationSystem: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1',
  healthcareServiceTypeSystem: 'https://fhir.nhs.uk/STU3/CodeSystem/EMS-HealthcareServiceType-1',
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  odsCode: 'https://fhir.nhs.uk/Id/ods-organization-code',
  // GRO publishes no identifier system for RegistrationIDs; this names ours.
  groRegistrationId: 'urn:mesh-broker:id:gro-death-registration',
} as const;

/** What one death notification says: the person as the index now holds them, and the change. */
export interface DeathNotificationInput {
  /** UUID of the Bundle. */
  bundleId: string;
  /** UUID of the MessageHeader: unique per event, never reused (receivers de-duplicate on it). */
  messageHeaderId: string;
  person: IndexedPerson;
  /** 2 formal death; U removed (a cancelled registration). */
  deathStatus: '2' | 'U';
  /** YYYY-MM-DD; required for status 2, ignored for U. */
  dateOfDeath: string | null;
  /** The GRO RegistrationID the change came from; the Communication's identifier. */
  registrationId: string;
  /** When the index recorded the change, ISO 8601 with an offset: receivers order events by it. */
  lastUpdated: string;
  /** Per-patient sequence number of this change, if the caller keeps one. */
  versionId?: string;
  /** ODS code of the publisher (the organisation running this exchange, e.g. X26). */
  senderOds: string;
  /** ODS code of the organisation the notification is addressed to (normally the GP practice). */
  recipientOds: string;
  /** Organisation names by ODS code, where known (CareConnect-Organization-1 name). */
  organizationNames?: Readonly<Record<string, string>>;
  /** When the message was built; defaults to lastUpdated so the same input gives the same bytes. */
  timestamp?: string;
  /** MessageHeader.source; NEMS wants a contact (email or phone) for feedback on events. */
  source?: { name?: string; endpoint?: string; contact?: ContactPoint };
}

const DEFAULT_SOURCE = { name: 'mesh-broker demographic index (GRO death registrations)', endpoint: 'urn:mesh-broker:adapter:gro-deaths' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const STATUS_DISPLAY = { '2': 'Formal - death notice received from Registrar of Deaths', U: 'Removed' } as const;

/**
 * A FHIR STU3 message Bundle shaped like NEMS's `pds-death-notification-1`: MessageHeader first,
 * then Communication → Patient, the publishing Organization, the GP practice and the PDS service.
 * Pure: the same input gives the same bundle (entry IDs derive from messageHeaderId), so a
 * replayed registration emits identical bytes. Throws TypeError on input the caller should never
 * pass (a programming error, not bad GRO data: that is validated before it gets here).
 */
export function deathNotificationBundle(input: DeathNotificationInput): FhirBundle {
  checkInput(input);
  const { person } = input;
  const entryId = (role: string): string => uuidV5(input.messageHeaderId, role);
  const urn = (id: string): string => `urn:uuid:${id}`;

  // One Organization entry per distinct ODS code: the GP practice is usually also the recipient.
  const organizations = new Map<string, Organization>();
  const organizationRef = (ods: string): Reference => {
    const code = ods.toUpperCase();
    let org = organizations.get(code);
    if (!org) {
      org = organization(entryId(`organization/${code}`), code, input.organizationNames?.[ods] ?? input.organizationNames?.[code]);
      organizations.set(code, org);
    }
    return { reference: urn(org.id) };
  };
  const publisher = organizationRef(input.senderOds);
  const practice = person.gpPracticeOds ? organizationRef(person.gpPracticeOds) : null;
  const recipient = organizationRef(input.recipientOds);

  const patientId = entryId('patient');
  const communicationId = entryId('communication');
  const serviceId = entryId('healthcare-service');
  const officialName = humanName(person);

  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id: input.messageHeaderId,
    meta: {
      ...(input.versionId !== undefined ? { versionId: input.versionId } : {}),
      lastUpdated: input.lastUpdated,
      profile: [URLS.messageHeaderProfile],
    },
    extension: [
      // NEMS matches subscriptions on these three; they must equal the Patient's.
      {
        url: URLS.routingDemographics,
        extension: [
          { url: 'nhsNumber', valueIdentifier: { system: URLS.nhsNumber, value: person.nhsNumber } },
          { url: 'name', valueHumanName: officialName },
          // A date without a time: FHIR needs an offset only when a time is given, and inventing
          // a time of birth (midnight in which zone?) can move the date for a naive reader.
          { url: 'birthDateTime', valueDateTime: person.dateOfBirth },
        ],
      },
      // Always `new` for this event (EMS): a later status is a new event, not an update.
      {
        url: URLS.messageEventType,
        valueCodeableConcept: { coding: [{ system: URLS.messageEventTypeSystem, code: 'new', display: 'New event message' }] },
      },
    ],
    event: { system: URLS.eventTypeSystem, code: DEATH_NOTIFICATION_EVENT, display: 'PDS Death Notification' },
    // Not in NEMS's fan-out examples; we address one practice, so say which.
    receiver: recipient,
    timestamp: input.timestamp ?? input.lastUpdated,
    source: {
      name: input.source?.name ?? DEFAULT_SOURCE.name,
      ...(input.source?.contact ? { contact: input.source.contact } : {}),
      endpoint: input.source?.endpoint ?? DEFAULT_SOURCE.endpoint,
    },
    responsible: publisher,
    focus: [{ reference: urn(communicationId) }],
  };

  const communication: Communication = {
    resourceType: 'Communication',
    id: communicationId,
    meta: { profile: [URLS.communicationProfile] },
    // NEMS links later events to earlier ones by resource identifiers, never by MessageHeader.id:
    // a cancellation (U) carries the same registration identifier as the death it withdraws.
    identifier: [{ system: URLS.groRegistrationId, value: input.registrationId }],
    status: 'completed',
    subject: { reference: urn(patientId) },
    sent: input.lastUpdated,
    sender: publisher,
    // The beta EMS-Communication-1 pointed at the event resource through payload; kept so
    // receivers written against it still find the Patient. Current receivers read subject.
    payload: [{ contentReference: { reference: urn(patientId) } }],
  };

  const patient: Patient = {
    resourceType: 'Patient',
    id: patientId,
    meta: { ...(input.versionId !== undefined ? { versionId: input.versionId } : {}), profile: [URLS.patientProfile] },
    extension: [deathStatusExtension(input.deathStatus, input.lastUpdated)],
    identifier: [
      {
        // "01 present and verified": the number comes from our index, the PDS-like source of truth.
        extension: [
          {
            url: URLS.nhsNumberVerification,
            valueCodeableConcept: { coding: [{ system: URLS.nhsNumberVerificationSystem, code: '01', display: 'Number present and verified' }] },
          },
        ],
        system: URLS.nhsNumber,
        value: person.nhsNumber,
      },
    ],
    name: [officialName],
    gender: person.gender,
    birthDate: person.dateOfBirth,
    // Status U means "not dead after all": NEMS leaves deceasedDateTime out. A bare date, as
    // GRO gives it: PDS accepts yyyy-mm-dd, and no time of death is known.
    ...(input.deathStatus === '2' ? { deceasedDateTime: input.dateOfDeath! } : {}),
    ...addressOf(person),
    // The PRM consumer reads the practice from here (generalPractitioner → Organization ODS).
    ...(practice ? { generalPractitioner: [practice] } : {}),
  };

  // PDS events carry the service that raised them (EMS §2.2); ours plays PDS's part.
  const service: HealthcareService = {
    resourceType: 'HealthcareService',
    id: serviceId,
    meta: { profile: [URLS.healthcareServiceProfile] },
    identifier: [{ system: URLS.healthcareServiceTypeSystem, value: 'PDS' }],
    providedBy: publisher,
    type: [{ coding: [{ system: URLS.healthcareServiceTypeSystem, code: 'PDS', display: 'Personal Demographics Service' }] }],
  };

  const entries: BundleEntry[] = [header, communication, patient, ...organizations.values(), service].map((resource) => ({
    fullUrl: urn(resource.id),
    resource,
  }));
  return { resourceType: 'Bundle', id: input.bundleId, meta: { profile: [URLS.bundleProfile] }, type: 'message', entry: entries };
}

function humanName(person: IndexedPerson): HumanName {
  return { use: 'official', family: person.familyName, ...(person.givenNames.length > 0 ? { given: [...person.givenNames] } : {}) };
}

function deathStatusExtension(status: '2' | 'U', effective: string): Extension {
  return {
    url: URLS.deathNotificationStatus,
    extension: [
      {
        url: 'deathNotificationStatus',
        valueCodeableConcept: { coding: [{ system: URLS.deathNotificationStatusSystem, code: status, display: STATUS_DISPLAY[status] }] },
      },
      { url: 'systemEffectiveDate', valueDateTime: effective },
    ],
  };
}

function addressOf(person: IndexedPerson): Pick<Patient, 'address'> {
  const lines = person.addressLines.filter((l) => l.trim() !== '');
  if (lines.length === 0 && person.postcode === null) return {};
  // text as well as line/postalCode: the first NEMS spec made text mandatory, the current one prefers structure.
  const text = [...lines, ...(person.postcode ? [person.postcode] : [])].join(', ');
  return {
    address: [
      {
        use: 'home',
        text,
        ...(lines.length > 0 ? { line: lines } : {}),
        ...(person.postcode ? { postalCode: person.postcode } : {}),
      },
    ],
  };
}

function organization(id: string, ods: string, name: string | undefined): Organization {
  return {
    resourceType: 'Organization',
    id,
    meta: { profile: [URLS.organizationProfile] },
    identifier: [{ system: URLS.odsCode, value: ods }],
    ...(name ? { name } : {}),
  };
}

function checkInput(input: DeathNotificationInput): void {
  const problems: string[] = [];
  if (!UUID.test(input.bundleId)) problems.push('bundleId is not a UUID');
  if (!UUID.test(input.messageHeaderId)) problems.push('messageHeaderId is not a UUID');
  if (input.deathStatus !== '2' && input.deathStatus !== 'U') problems.push(`deathStatus must be '2' or 'U'`);
  if (input.deathStatus === '2' && (input.dateOfDeath === null || !DATE.test(input.dateOfDeath))) problems.push('status 2 needs dateOfDeath as YYYY-MM-DD');
  if (!INSTANT_WITH_OFFSET.test(input.lastUpdated)) problems.push('lastUpdated must be an ISO date-time with an offset');
  if (input.timestamp !== undefined && !INSTANT_WITH_OFFSET.test(input.timestamp)) problems.push('timestamp must be an ISO date-time with an offset');
  if (!DATE.test(input.person.dateOfBirth)) problems.push('person.dateOfBirth must be YYYY-MM-DD');
  if (input.registrationId.trim() === '') problems.push('registrationId is required');
  if (input.senderOds.trim() === '' || input.recipientOds.trim() === '') problems.push('senderOds and recipientOds are required');
  if (problems.length > 0) throw new TypeError(`deathNotificationBundle: ${problems.join('; ')}`);
}

/** A name-based (version 5, SHA-1) UUID of `name` within the namespace UUID `namespace`. */
function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
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
