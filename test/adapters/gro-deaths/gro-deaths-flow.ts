/**
 * The gro-deaths adapter end to end through meshd, as a GRO sender, a GP practice and the
 * manual-resolution team see it; run on SQLite and on PostgreSQL by the .test.ts files beside it.
 */
import type { Test } from 'tap';
import type { MeshdConfig } from '../../../broker/config/config.js';
import type { Person } from '../../../adapters/pds/person.js';
import { validateDeathNotificationBundle } from '../../../adapters/gro-deaths/fhir/death-notification-validator.js';
import type { RunningMeshd } from '../../../mailbox/server/meshd.js';
import { eventually, inboxOf } from '../../broker/routing/routing-suite.js';
import { authFor, clientFor, mailbox, raw, readAll, startTestMeshd, V2 } from '../../helpers/meshd.js';
import { groFileXml, groRegistrationXml } from './gro-xml-fixture.js';

const ROUTES = `
routes:
  - name: gro
    match: { workflow: GRO_DEATH_REGISTRATION }
    target: { adapter: gro-deaths, settings: { manualResolutionMailbox: NBO1, batchSize: 2 } }
`;

/** People of the index: the fixture's default registration is John William Smith's. */
export const PEOPLE: Person[] = [
  { nhsNumber: '9434765919', givenNames: ['JOHN', 'WILLIAM'], familyName: 'SMITH', previousFamilyNames: [], dateOfBirth: '1941-06-15', gender: 'male', addressLines: ['10 Test Street', 'Leeds'], postcode: 'LS1 4AP', gpPracticeOds: 'A81001' },
  { nhsNumber: '9434765927', givenNames: ['MARY'], familyName: 'JONES', previousFamilyNames: ['BROWN'], dateOfBirth: '1950-02-03', gender: 'female', addressLines: ['2 Oak Road', 'York'], postcode: 'YO1 7HH', gpPracticeOds: 'B82002' },
  { nhsNumber: '9434765935', givenNames: ['AHMED'], familyName: 'KHAN', previousFamilyNames: [], dateOfBirth: '1939-05-05', gender: 'male', addressLines: ['7 Station Road', 'Hull'], postcode: 'HU1 1AA', gpPracticeOds: null },
];

const P1 = PEOPLE[0]!;
const P2 = PEOPLE[1]!;
const P3 = PEOPLE[2]!;

/** A registration of P2 under her maiden name, with her date of birth day/month transposed. */
const maryUnderMaidenName = groRegistrationXml({
  registrationId: '5002',
  name: { givenNames: ['MARY'], familyName: 'BROWN' },
  gender: '2',
  birthDate: { full: '1950-03-02', verificationLevel: '00' },
  address: { lines: ['2 Oak Road', 'York'], postcode: 'YO1 7HH' },
});
const notInIndex = groRegistrationXml({ registrationId: '5003', name: { givenNames: ['DOROTHY'], familyName: 'PEMBERTON' }, gender: '2', birthDate: { full: '1929-01-17', verificationLevel: '00' }, address: { lines: ['1 High Street'], postcode: 'HG1 1AA' } });
const invalidGender = groRegistrationXml({ registrationId: '5004', gender: '3' });
const ahmedWithoutGp = groRegistrationXml({ registrationId: '5005', name: { givenNames: ['AHMED'], familyName: 'KHAN' }, birthDate: { full: '1939-05-05', verificationLevel: '00' }, address: { lines: ['7 Station Road'], postcode: 'HU1 1AA' } });

async function start(t: Test, config: Partial<MeshdConfig>): Promise<RunningMeshd> {
  const meshd = await startTestMeshd(t, {
    mailboxes: [mailbox('GRO1'), mailbox('NBO1'), mailbox('GPA', { odsCode: 'A81001' }), mailbox('GPB', { odsCode: 'B82002' })],
    workflows: [{ workflowId: 'DEATHNOTIFICATION_1', senders: ['GRO1'], receivers: ['GPA', 'GPB'] }],
    routesYaml: ROUTES,
    config,
  });
  await meshd.demographics.upsertPeople(PEOPLE);
  return meshd;
}

/** Sends a GRO file as GRO1 and waits until its processing has finished (processed or errored). */
async function sendFile(t: Test, meshd: RunningMeshd, xml: string, localId: string): Promise<{ id: string; tracking: Record<string, unknown> }> {
  const id = await clientFor(t, meshd, 'GRO1').sendMessage({ to: 'NBO1', workflowId: 'GRO_DEATH_REGISTRATION', body: xml, localId });
  const tracking = await eventually(async () => {
    const m = await meshd.store.getMessage(id);
    if (m?.status !== 'processed' && m?.status !== 'error') return null;
    return (await raw(meshd.url, 'GET', `/messageexchange/GRO1/outbox/tracking?messageID=${id}`, { authorization: authFor('GRO1'), accept: V2 })).json() as Record<string, unknown>;
  }, `GRO file ${localId} processed`);
  return { id, tracking };
}

/** Downloads (and acknowledges) every message in a mailbox's inbox, with its headers. */
async function collect(t: Test, meshd: RunningMeshd, mb: string): Promise<Array<{ headers: Record<string, string>; body: string }>> {
  const client = clientFor(t, meshd, mb);
  const out = [];
  for (const id of await inboxOf(meshd.url, mb)) {
    const got = await client.downloadMessage(id);
    out.push({ headers: got.headers as Record<string, string>, body: (await readAll(got.body)).toString() });
    await client.acknowledge(id);
  }
  return out;
}

/** The NHS number and death status in a notification bundle. */
function patientOf(bundle: Record<string, any>): { nhsNumber: string; deceased: unknown; status: string } {
  const patient = bundle.entry.map((e: any) => e.resource).find((r: any) => r.resourceType === 'Patient');
  const nhsNumber = patient.identifier.find((i: any) => i.system === 'https://fhir.nhs.uk/Id/nhs-number').value;
  const statusExt = patient.extension.find((x: any) => String(x.url).includes('DeathNotificationStatus'));
  const status = JSON.stringify(statusExt).match(/"code":"(\w)"/)?.[1] ?? '';
  return { nhsNumber, deceased: patient.deceasedDateTime, status };
}

/** The whole flow on one metadata store. */
export function groDeathsFlow(t: Test, config: (t: Test) => Partial<MeshdConfig>): void {
  t.test('a file: matches notify the GP, the rest go to manual resolution, the sender gets a summary', async (t) => {
    const meshd = await start(t, config(t));
    const xml = groFileXml([groRegistrationXml(), maryUnderMaidenName, notInIndex, invalidGender, ahmedWithoutGp]);
    const { id, tracking } = await sendFile(t, meshd, xml, 'weekly-1');
    t.match(tracking.status_description, /Processed by adapter gro-deaths/, "the file's tracking shows it processed");

    const gpa = await collect(t, meshd, 'GPA');
    t.equal(gpa.length, 1, 'one notification to P1\'s practice');
    t.equal(gpa[0]!.headers['mex-workflowid'], 'DEATHNOTIFICATION_1');
    t.equal(gpa[0]!.headers['mex-localid'], 'GRO-31989013', 'traceable to its registration');
    t.equal(gpa[0]!.headers['mex-linkedmsgid'], id, 'and to the file');
    const bundle = JSON.parse(gpa[0]!.body);
    t.same(validateDeathNotificationBundle(bundle), [], 'a valid NEMS-shaped bundle');
    t.same(patientOf(bundle), { nhsNumber: P1.nhsNumber, deceased: '2024-02-28', status: '2' });
    const gpb = await collect(t, meshd, 'GPB');
    t.same(gpb.map((m) => patientOf(JSON.parse(m.body)).nhsNumber), [P2.nhsNumber], 'maiden name and transposed birth date still find P2');

    const manual = await collect(t, meshd, 'NBO1');
    const byId = new Map(manual.map((m) => [m.headers['mex-localid'], JSON.parse(m.body)]));
    t.same([...byId.keys()].sort(), ['GRO-5003', 'GRO-5004', 'GRO-5005']);
    t.equal(byId.get('GRO-5003').reason, 'no-match');
    t.equal(byId.get('GRO-5003').registrationId, '5003');
    t.equal(byId.get('GRO-5004').reason, 'invalid');
    t.match(JSON.stringify(byId.get('GRO-5004').errors), /DeceasedGender/, 'the invalid record says what is wrong');
    t.equal(byId.get('GRO-5005').reason, 'no-endpoint', 'a confident match without a practice cannot be notified');
    t.same(byId.get('GRO-5005').candidates.map((c: any) => c.nhsNumber), [P3.nhsNumber]);

    for (const [p, reg, date] of [[P1, '31989013', '2024-02-28'], [P2, '5002', '2024-02-28'], [P3, '5005', '2024-02-28']] as const) {
      const got = await meshd.demographics.getPerson(p.nhsNumber);
      t.same({ status: got?.deathStatus, date: got?.dateOfDeath, reg: got?.deathRegistrationId }, { status: 2, date, reg }, `${p.familyName}: formal death recorded`);
    }

    const [summary] = await collect(t, meshd, 'GRO1');
    t.equal(summary!.headers['mex-workflowid'], 'GRO_DEATH_REGISTRATION_ACK');
    t.equal(summary!.headers['mex-localid'], 'weekly-1', "the summary carries the file's local ID");
    t.match(JSON.parse(summary!.body), { records: 5, matched: 3, notified: 2, manual: 3, invalid: 1, manualByReason: { 'no-match': 1, invalid: 1, 'no-endpoint': 1 } });
  });

  t.test('amendments: a cancellation reverts the death and tells the GP; its removal restores it', async (t) => {
    const meshd = await start(t, config(t));
    await sendFile(t, meshd, groFileXml([groRegistrationXml()]), 'original');
    await collect(t, meshd, 'GPA');
    const cancel = groRegistrationXml({ lockedAt: null, updatedAt: '2024-03-10T09:00:00.000', updateReason: '4' });
    await sendFile(t, meshd, groFileXml([cancel]), 'cancel');
    const [removed] = await collect(t, meshd, 'GPA');
    t.equal(removed?.headers['mex-localid'], 'GRO-31989013');
    t.same(patientOf(JSON.parse(removed!.body)), { nhsNumber: P1.nhsNumber, deceased: undefined, status: 'U' }, 'status U, no date of death');
    let p1 = await meshd.demographics.getPerson(P1.nhsNumber);
    t.same([p1?.deathStatus, p1?.dateOfDeath], [0, null], 'the formal death is reverted');

    await sendFile(t, meshd, groFileXml([cancel]), 'cancel-again');
    t.same(await inboxOf(meshd.url, 'GPA'), [], 'the same cancellation again sends nothing');

    const restore = groRegistrationXml({ lockedAt: null, updatedAt: '2024-03-11T09:00:00.000', updateReason: '5' });
    await sendFile(t, meshd, groFileXml([restore]), 'restore');
    const [restored] = await collect(t, meshd, 'GPA');
    t.equal(patientOf(JSON.parse(restored!.body)).status, '2');
    p1 = await meshd.demographics.getPerson(P1.nhsNumber);
    t.same([p1?.deathStatus, p1?.dateOfDeath], [2, '2024-02-28'], 'restored');

    await sendFile(t, meshd, groFileXml([groRegistrationXml({ registrationId: '777' })]), 'second-registration');
    const [dup] = await collect(t, meshd, 'NBO1');
    t.equal(JSON.parse(dup!.body).reason, 'ambiguous', 'another registration for a person already dead goes to a person');
    t.same(await inboxOf(meshd.url, 'GPA'), [], 'and the GP hears nothing');
  });

  t.test('a bad file is rejected whole: a REPORT to the sender, nothing applied', async (t) => {
    const meshd = await start(t, config(t));
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<DeathRegistrationGroup xmlns="http://www.ons.gov.uk/gro/OGDDeathExtractDWP">&lol2;<RecordCount>0</RecordCount></DeathRegistrationGroup>`;
    // The count is wrong only at the end: the first record (a real match) must not be applied.
    const wrongCount = groFileXml([groRegistrationXml(), maryUnderMaidenName], { recordCount: 3 });
    for (const [xml, reason] of [[laughs, /doctype/i], [wrongCount, /record-count|RecordCount/]] as const) {
      const { id, tracking } = await sendFile(t, meshd, xml, 'bad');
      t.equal(tracking.status, 'error');
      t.equal(tracking.status_code, '15');
      const [report] = await collect(t, meshd, 'GRO1');
      t.equal(report?.headers['mex-messagetype'], 'REPORT');
      t.equal(report?.headers['mex-linkedmsgid'], id);
      t.match(report?.headers['mex-statusdescription'], reason);
    }
    t.same(await inboxOf(meshd.url, 'GPA'), [], 'no notification');
    t.same(await inboxOf(meshd.url, 'NBO1'), [], 'no manual resolution');
    for (const p of PEOPLE) t.equal((await meshd.demographics.getPerson(p.nhsNumber))?.deathStatus, 0, `${p.familyName} untouched`);
  });
}
