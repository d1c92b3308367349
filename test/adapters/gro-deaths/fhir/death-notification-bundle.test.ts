import t from 'tap';
import { deathNotificationBundle, URLS, type DeathNotificationInput } from '../../../../adapters/gro-deaths/fhir/death-notification-bundle.js';
import { NEMS_MAX_BUNDLE_BYTES, validateDeathNotificationBundle } from '../../../../adapters/gro-deaths/fhir/death-notification-validator.js';
import type { FhirBundle } from '../../../../adapters/gro-deaths/fhir/fhir-types.js';
import type { IndexedPerson } from '../../../../adapters/pds/person.js';

const PERSON: IndexedPerson = {
  nhsNumber: '9434765919',
  givenNames: ['Jack', 'Edward'],
  familyName: 'Jones',
  previousFamilyNames: [],
  dateOfBirth: '1931-04-02',
  gender: 'male',
  addressLines: ['4 Sandmoor Drive', 'Leeds'],
  postcode: 'LS17 7DF',
  gpPracticeOds: 'B86041',
  deathStatus: 2,
  dateOfDeath: '2024-11-01',
  deathRegistrationId: '31989013',
};

const INPUT: DeathNotificationInput = {
  bundleId: '4f67281a-e1b8-41e8-9f32-f2801f1b9fd1',
  messageHeaderId: '4399a596-d1ee-41e8-a8d5-f2801f1b9fd1',
  person: PERSON,
  deathStatus: '2',
  dateOfDeath: '2024-11-01',
  registrationId: '31989013',
  lastUpdated: '2024-11-03T15:00:33+00:00',
  senderOds: 'X26',
  recipientOds: 'B86041',
};

type AnyResource = Record<string, any>;
const resources = (b: FhirBundle, type: string): AnyResource[] => b.entry.map((e) => e.resource as AnyResource).filter((r) => r.resourceType === type);
const one = (b: FhirBundle, type: string): AnyResource => {
  const found = resources(b, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
};
const ext = (node: AnyResource, url: string): AnyResource | undefined => node.extension?.find((e: AnyResource) => e.url === url);
const byRef = (b: FhirBundle, ref: { reference: string }): AnyResource | undefined => b.entry.find((e) => e.fullUrl === ref.reference)?.resource as AnyResource | undefined;

t.test('a formal death (status 2): NEMS pds-death-notification-1 shape, carrying the NHS number', async (t) => {
  const bundle = deathNotificationBundle(INPUT);
  t.same(validateDeathNotificationBundle(bundle), [], 'passes every NEMS rule');
  t.equal(bundle.type, 'message');
  t.equal(bundle.id, INPUT.bundleId);

  const header = bundle.entry[0]!.resource as AnyResource;
  t.equal(header.resourceType, 'MessageHeader', 'MessageHeader first');
  t.equal(header.id, INPUT.messageHeaderId);
  t.same(header.meta.profile, [URLS.messageHeaderProfile]);
  t.equal(header.meta.lastUpdated, INPUT.lastUpdated);
  t.same(header.event, { system: 'https://fhir.nhs.uk/STU3/CodeSystem/EventType-1', code: 'pds-death-notification-1', display: 'PDS Death Notification' });
  t.equal(ext(header, URLS.messageEventType)!.valueCodeableConcept.coding[0].code, 'new');
  const routing = ext(header, URLS.routingDemographics)!;
  t.same(
    routing.extension.map((e: AnyResource) => e.url),
    ['nhsNumber', 'name', 'birthDateTime'],
  );
  t.same(ext(routing, 'nhsNumber')!.valueIdentifier, { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' });
  t.same(ext(routing, 'name')!.valueHumanName, { use: 'official', family: 'Jones', given: ['Jack', 'Edward'] });
  t.equal(ext(routing, 'birthDateTime')!.valueDateTime, '1931-04-02');
  t.same(Object.keys(header), ['resourceType', 'id', 'meta', 'extension', 'event', 'receiver', 'timestamp', 'source', 'responsible', 'focus'], 'STU3 schema order');

  const publisher = byRef(bundle, header.responsible)!;
  t.equal(publisher.resourceType, 'Organization');
  t.same(publisher.identifier, [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'X26' }]);
  const communication = byRef(bundle, header.focus[0])!;
  t.equal(communication.resourceType, 'Communication', 'focus → Communication');
  t.equal(communication.status, 'completed');
  t.same(communication.identifier, [{ system: URLS.groRegistrationId, value: '31989013' }], 'the registration, to link a later cancellation');
  t.same(communication.sender, header.responsible);
  const patient = byRef(bundle, communication.subject)!;
  t.equal(patient.resourceType, 'Patient', 'Communication.subject → Patient');
  t.same(communication.payload[0].contentReference, communication.subject, 'payload points at the Patient as well');

  t.same(patient.meta.profile, [URLS.patientProfile]);
  t.equal(patient.identifier[0].system, 'https://fhir.nhs.uk/Id/nhs-number');
  t.equal(patient.identifier[0].value, '9434765919');
  t.equal(ext(patient.identifier[0], URLS.nhsNumberVerification)!.valueCodeableConcept.coding[0].code, '01');
  t.same(patient.name, [{ use: 'official', family: 'Jones', given: ['Jack', 'Edward'] }]);
  t.equal(patient.gender, 'male');
  t.equal(patient.birthDate, '1931-04-02');
  t.equal(patient.deceasedDateTime, '2024-11-01');
  t.same(patient.address, [{ use: 'home', text: '4 Sandmoor Drive, Leeds, LS17 7DF', line: ['4 Sandmoor Drive', 'Leeds'], postalCode: 'LS17 7DF' }]);
  const status = ext(patient, URLS.deathNotificationStatus)!;
  t.same(ext(status, 'deathNotificationStatus')!.valueCodeableConcept.coding[0], {
    system: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-DeathNotificationStatus-1',
    code: '2',
    display: 'Formal - death notice received from Registrar of Deaths',
  });
  t.equal(ext(status, 'systemEffectiveDate')!.valueDateTime, INPUT.lastUpdated);
  t.same(Object.keys(patient), ['resourceType', 'id', 'meta', 'extension', 'identifier', 'name', 'gender', 'birthDate', 'deceasedDateTime', 'address', 'generalPractitioner'], 'STU3 schema order');

  const gp = byRef(bundle, patient.generalPractitioner[0])!;
  t.same(gp.identifier, [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'B86041' }], 'generalPractitioner → the practice by ODS code');
  t.same(header.receiver, patient.generalPractitioner[0], 'addressed to that practice, which appears once');
  t.equal(resources(bundle, 'Organization').length, 2, 'publisher and practice');
  const service = one(bundle, 'HealthcareService');
  t.same(service.providedBy, header.responsible);
  t.equal(service.type[0].coding[0].code, 'PDS');

  for (const entry of bundle.entry) t.equal(entry.fullUrl, `urn:uuid:${entry.resource.id}`, `${entry.resource.resourceType} fullUrl is its urn:uuid`);
  t.equal(new Set(bundle.entry.map((e) => e.fullUrl)).size, bundle.entry.length, 'entry IDs are distinct');
  t.same(deathNotificationBundle(INPUT), bundle, 'the same input gives the same bundle (replays emit identical bytes)');
  const other = deathNotificationBundle({ ...INPUT, messageHeaderId: '11111111-2222-4333-8444-555555555555' });
  t.not(other.entry[2]!.fullUrl, bundle.entry[2]!.fullUrl, 'another event gets other entry IDs');
});

t.test('a cancelled registration (status U): no deceasedDateTime, status removed, same registration identifier', async (t) => {
  const bundle = deathNotificationBundle({ ...INPUT, deathStatus: 'U', dateOfDeath: null, versionId: '7' });
  t.same(validateDeathNotificationBundle(bundle), []);
  const patient = one(bundle, 'Patient');
  t.notOk('deceasedDateTime' in patient, 'NEMS omits deceasedDateTime when removed');
  t.equal(ext(ext(patient, URLS.deathNotificationStatus)!, 'deathNotificationStatus')!.valueCodeableConcept.coding[0].code, 'U');
  t.equal(patient.meta.versionId, '7');
  t.equal((bundle.entry[0]!.resource as AnyResource).meta.versionId, '7', 'the sequence number on the header as well');
  t.same(one(bundle, 'Communication').identifier, [{ system: URLS.groRegistrationId, value: '31989013' }]);
  t.equal(ext(bundle.entry[0]!.resource as AnyResource, URLS.messageEventType)!.valueCodeableConcept.coding[0].code, 'new', 'still new: NEMS has no update for this event');
});

t.test('a person without a registered practice: no generalPractitioner, no practice Organization', async (t) => {
  const person = { ...PERSON, gpPracticeOds: null, addressLines: [], postcode: null };
  const bundle = deathNotificationBundle({ ...INPUT, person, recipientOds: 'X26' });
  t.same(validateDeathNotificationBundle(bundle), []);
  const patient = one(bundle, 'Patient');
  t.notOk('generalPractitioner' in patient);
  t.notOk('address' in patient, 'no address element when nothing is known');
  t.equal(resources(bundle, 'Organization').length, 1, 'only the publisher, which is also the receiver');
});

t.test('other recipients, names and options', async (t) => {
  const bundle = deathNotificationBundle({
    ...INPUT,
    person: { ...PERSON, givenNames: [], postcode: null },
    recipientOds: 'Y01234',
    organizationNames: { X26: 'NHS England', B86041: 'Sandmoor Surgery' },
    timestamp: '2024-11-03T16:00:00+01:00',
    source: { contact: { system: 'email', value: 'deaths@example.org' } },
  });
  t.same(validateDeathNotificationBundle(bundle), []);
  const header = bundle.entry[0]!.resource as AnyResource;
  t.equal(header.timestamp, '2024-11-03T16:00:00+01:00');
  t.same(header.source.contact, { system: 'email', value: 'deaths@example.org' });
  t.equal(byRef(bundle, header.receiver)!.identifier[0].value, 'Y01234', 'a recipient other than the practice gets its own Organization');
  t.equal(resources(bundle, 'Organization').length, 3);
  t.equal(byRef(bundle, header.responsible)!.name, 'NHS England');
  t.same(one(bundle, 'Patient').name, [{ use: 'official', family: 'Jones' }], 'no given element when there are no given names');
  t.same(one(bundle, 'Patient').address[0].line, ['4 Sandmoor Drive', 'Leeds'], 'address without a postcode');
});

t.test('input the caller must never pass is refused', async (t) => {
  t.throws(() => deathNotificationBundle({ ...INPUT, bundleId: 'not-a-uuid' }), /bundleId is not a UUID/);
  t.throws(() => deathNotificationBundle({ ...INPUT, dateOfDeath: null }), /status 2 needs dateOfDeath/);
  t.throws(() => deathNotificationBundle({ ...INPUT, lastUpdated: '2024-11-03T15:00:33' }), /lastUpdated must be an ISO date-time with an offset/);
  t.throws(() => deathNotificationBundle({ ...INPUT, registrationId: '' }), /registrationId is required/);
});

t.test('the validator catches each broken NEMS rule', async (t) => {
  const valid = deathNotificationBundle(INPUT);
  // Each case breaks one rule on a fresh copy and names the message it must produce.
  const cases: Array<[string, (b: any) => void, RegExp]> = [
    ['Bundle.type', (b) => (b.type = 'collection'), /Bundle\.type must be "message"/],
    ['MessageHeader first', (b) => b.entry.push(b.entry.shift()), /first entry must be the MessageHeader/],
    ['routing nhsNumber missing', (b) => (b.entry[0].resource.extension[0].extension = b.entry[0].resource.extension[0].extension.filter((e: any) => e.url !== 'nhsNumber')), /RoutingDemographics nhsNumber is missing/],
    ['routing name missing', (b) => b.entry[0].resource.extension[0].extension.splice(1, 1), /official name with a family name/],
    ['routing birthDateTime missing', (b) => b.entry[0].resource.extension[0].extension.splice(2, 1), /birthDateTime is missing/],
    ['routing extension missing', (b) => b.entry[0].resource.extension.splice(0, 1), /no RoutingDemographics extension/],
    ['routing number differs', (b) => (b.entry[0].resource.extension[0].extension[0].valueIdentifier.value = '9434765927'), /nhsNumber differs from the Patient/],
    ['routing name differs', (b) => (b.entry[0].resource.extension[0].extension[1].valueHumanName = { use: 'official', family: 'Dawkins', given: ['Jack'] }), /name differs/],
    ['routing birth date differs', (b) => (b.entry[0].resource.extension[0].extension[2].valueDateTime = '1931-04-03'), /birthDateTime differs from Patient\.birthDate/],
    ['routing number mod-11', (b) => (b.entry[0].resource.extension[0].extension[0].valueIdentifier.value = '9434765918'), /RoutingDemographics nhsNumber 9434765918 fails the Modulus 11/],
    ['Patient number mod-11', (b) => (b.entry[2].resource.identifier[0].value = '6101231234'), /Patient NHS number 6101231234 fails the Modulus 11/],
    ['unknown event code', (b) => (b.entry[0].resource.event.code = 'pds-death-1'), /"pds-death-1" is not a NEMS event/],
    ['another known event', (b) => (b.entry[0].resource.event.code = 'pds-change-of-gp-1'), /is pds-change-of-gp-1, not pds-death-notification-1/],
    ['messageEventType outside new/update/delete', (b) => (b.entry[0].resource.extension[1].valueCodeableConcept.coding[0].code = 'amend'), /must be one of new, update, delete/],
    ['messageEventType not new for deaths', (b) => (b.entry[0].resource.extension[1].valueCodeableConcept.coding[0].code = 'update'), /must be "new" for pds-death-notification-1/],
    ['instant without offset', (b) => (b.entry[0].resource.meta.lastUpdated = '2024-11-03T15:00:33'), /entry\[0\]\.resource\.meta\.lastUpdated must be a date-time with a timezone offset/],
    ['timestamp that is a bare date', (b) => (b.entry[0].resource.timestamp = '2024-11-03'), /timestamp must be a date-time with a timezone offset/],
    ['dateTime with a time but no offset', (b) => (b.entry[2].resource.deceasedDateTime = '2024-11-01T10:00:00'), /deceasedDateTime must be a date, or a date-time with a timezone offset/],
    ['systemEffectiveDate without offset', (b) => (b.entry[2].resource.extension[0].extension[1].valueDateTime = '2024-11-03T15:00'), /valueDateTime must be a date, or a date-time/],
    ['over 3 MB', (b) => (b.entry[2].resource.address[0].text = 'x'.repeat(NEMS_MAX_BUNDLE_BYTES)), /over the 3000000-byte limit/],
    ['status U with deceasedDateTime', (b) => (b.entry[2].resource.extension[0].extension[0].valueCodeableConcept.coding[0].code = 'U'), /must be absent when the status is U/],
    ['status 2 without deceasedDateTime', (b) => delete b.entry[2].resource.deceasedDateTime, /deceasedDateTime is required when the status is 2/],
    ['unknown death status', (b) => (b.entry[2].resource.extension[0].extension[0].valueCodeableConcept.coding[0].code = '3'), /deathNotificationStatus must be one of 1, 2, U/],
    ['dangling reference', (b) => (b.entry[2].resource.generalPractitioner[0].reference = 'urn:uuid:00000000-0000-4000-8000-000000000000'), /matches no entry/],
    ['focus not the Communication', (b) => (b.entry[0].resource.focus = [{ reference: b.entry[2].fullUrl }]), /focus must reference the Communication/],
    ['subject not the Patient', (b) => (b.entry[1].resource.subject = { reference: b.entry[3].fullUrl }), /subject must reference the Patient/],
    ['repeated fullUrl', (b) => (b.entry[4].fullUrl = b.entry[3].fullUrl), /is repeated/],
    ['header id', (b) => (b.entry[0].resource.id = '42'), /MessageHeader\.id must be a UUID/],
  ];
  for (const [rule, breakIt, expected] of cases) {
    const broken = structuredClone(valid);
    breakIt(broken);
    const errors = validateDeathNotificationBundle(broken);
    t.ok(errors.some((e) => expected.test(e)), `${rule}: ${JSON.stringify(errors).slice(0, 300)}`);
  }
  t.same(validateDeathNotificationBundle('not json'), ['bundle is not a JSON object']);
  t.ok(validateDeathNotificationBundle({ resourceType: 'Bundle', type: 'message', entry: [] }).includes('Bundle.entry is empty'));
  t.same(validateDeathNotificationBundle(valid, { maxBytes: 100 }).length, 1, 'the size limit is configurable');
});
