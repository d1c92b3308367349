import { createHash } from 'node:crypto';
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
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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
