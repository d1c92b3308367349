import t from 'tap';
import type { AddressResolution, ResolveContext } from '../../../broker/messages/address-resolver.js';
import { Directory, type Mailbox } from '../../../broker/directory/directory.js';
import { GPPROVIDER_WORKFLOWS, gpProviderResolver, parseGpProviderAddress } from '../../../adapters/pds/gp-provider-resolver.js';
import type { IndexedPerson } from '../../../adapters/pds/person.js';

const WF = 'TOC_FHIR_IP_DISCH';

// As test/helpers/meshd.ts mailbox() builds them, without loading the server this unit test does not need.
function mailbox(mailboxId: string, extra: Partial<Mailbox> = {}): Mailbox {
  return { mailboxId, mailboxName: mailboxId, odsCode: 'X26', orgCode: 'TESTORG', orgName: 'Test', billingEntity: 'England', password: 'pw', active: true, ...extra };
}

function person(nhsNumber: string, extra: Partial<IndexedPerson> = {}): IndexedPerson {
  return {
    nhsNumber,
    givenNames: ['Mary'],
    familyName: "O'Brien-Smyth",
    previousFamilyNames: ['Jones'],
    dateOfBirth: '1970-01-31',
    gender: 'female',
    addressLines: ['1 High Street'],
    postcode: 'LS1 4AP',
    gpPracticeOds: 'A81001',
    deathStatus: 0,
    dateOfDeath: null,
    deathRegistrationId: null,
    ...extra,
  };
}

// 9434765919 registered at A81001 (one mailbox); 9434765927 at B82002 (two); 9434765935 at a
// practice with no mailbox; 9434765943 not registered; 9434765951 formally dead; 9434765978 unknown.
const PEOPLE = new Map<string, IndexedPerson>(
  [
    person('9434765919'),
    person('9434765927', { gpPracticeOds: 'B82002' }),
    person('9434765935', { gpPracticeOds: 'C83003' }),
    person('9434765943', { gpPracticeOds: null }),
    person('9434765951', { deathStatus: 2, dateOfDeath: '2024-10-01', deathRegistrationId: '1' }),
  ].map((p) => [p.nhsNumber, p]),
);
const lookedUp: string[] = [];
const index = {
  async getPerson(nhs: string) {
    lookedUp.push(nhs);
    return PEOPLE.get(nhs) ?? null;
  },
};

const directory = new Directory(
  [
    mailbox('SENDER1'),
    mailbox('GP1', { odsCode: 'A81001' }),
    mailbox('GP2', { odsCode: 'B82002' }),
    mailbox('GP3', { odsCode: 'B82002' }),
    mailbox('GP4', { odsCode: 'C83003' }),
  ],
  [
    { workflowId: WF, senders: ['SENDER1'], receivers: ['GP1', 'GP2', 'GP3'] },
    { workflowId: 'OTHER_WF', senders: ['SENDER1'], receivers: ['GP1'] },
  ],
);
const ctx = (workflowId = WF): ResolveContext => ({ workflowId, sender: directory.getMailbox('SENDER1')!, directory });
const resolver = gpProviderResolver(index);
const resolve = (to: string, workflowId = WF): Promise<AddressResolution> => resolver.resolve(to, ctx(workflowId));
const code = (a: AddressResolution | ReturnType<typeof parseGpProviderAddress>): string | null => (a && 'error' in a ? a.error : null);

t.test('success: the registered practice mailbox for the workflow', async (t) => {
  t.same(await resolve('GPPROVIDER_9434765919_19700131_OBRIEN-SMYTH'), { mailbox: directory.getMailbox('GP1') });
  t.same(await resolve('gpprovider_9434765919_19700131_obrien-smyth'), { mailbox: directory.getMailbox('GP1') }, 'prefix and surname in any case');
  t.same(await resolve("GPPROVIDER_9434765919_19700131_O'Brien Smyth"), { mailbox: directory.getMailbox('GP1') }, 'punctuation and spacing are formatting');
  t.same(await resolve('GPPROVIDER_9434765919_19700131_O%27Brien%20Smyth'), { mailbox: directory.getMailbox('GP1') }, 'percent-encoded surname');
  t.same(await resolve('GPPROVIDER_9434765919_19700131_Jones'), { mailbox: directory.getMailbox('GP1') }, 'a previous family name cross-checks too');
  t.same(await resolve('GPPROVIDER_9434765951_19700131_Jones'), { mailbox: directory.getMailbox('GP1') }, 'a formally dead patient is still routed');
});

t.test('not a GPPROVIDER address: null, and the index is not touched', async (t) => {
  lookedUp.length = 0;
  for (const to of ['GP1', 'A81001', 'GPPROVIDER9434765919_19700131_JONES', 'XGPPROVIDER_9434765919_19700131_JONES', '']) {
    t.equal(await resolve(to), null, JSON.stringify(to));
  }
  t.same(lookedUp, []);
});

t.test('EPL-152: malformed address, bad NHS number, impossible date, with no demographics echoed', async (t) => {
  lookedUp.length = 0;
  const cases: Array<[string, RegExp]> = [
    ['GPPROVIDER_9434765919', /GPPROVIDER_<NHS number>_<yyyymmdd>_<surname>/],
    ['GPPROVIDER_9434765919_19700131', /GPPROVIDER_<NHS number>_<yyyymmdd>_<surname>/],
    ['GPPROVIDER_943476591_19700131_JONES', /10 digits/],
    ['GPPROVIDER_94347659190_19700131_JONES', /10 digits/],
    ['GPPROVIDER_943 476 5919_19700131_JONES', /10 digits/],
    ['GPPROVIDER_9434765918_19700131_JONES', /Modulus 11/],
    ['GPPROVIDER_9434765919_19700231_JONES', /real date/],
    ['GPPROVIDER_9434765919_19701301_JONES', /real date/],
    ['GPPROVIDER_9434765919_31011970_JONES', /real date/],
    ['GPPROVIDER_9434765919_1970131_JONES', /real date/],
    ['GPPROVIDER_9434765919_19700131_', /surname is empty/],
    ['GPPROVIDER_9434765919_19700131_-_', /surname is empty/],
    [`GPPROVIDER_9434765919_19700131_${'A'.repeat(101)}`, /longer than 100/],
  ];
  for (const [to, why] of cases) {
    const answer = await resolve(to);
    t.equal(code(answer), 'EPL-152', to);
    const description = answer && 'error' in answer ? answer.description : '';
    t.match(description, /^Invalid NHS Number: /);
    t.match(description, why);
    t.notMatch(description, /9434765919|1970|JONES/i, 'the description does not repeat the address');
  }
  t.same(lookedUp, [], 'shape errors never reach the index');
  t.equal(code(await gpProviderResolver(index, { maxSurnameLength: 5 }).resolve('GPPROVIDER_9434765919_19700131_JONESY', ctx())), 'EPL-152', 'the surname limit is configurable');
});

t.test('EPL-153: NHS number not in the index', async (t) => {
  t.same(await resolve('GPPROVIDER_9434765978_19700131_JONES'), { error: 'EPL-153', description: 'NHS Number not found' });
});

t.test('EPL-154: date of birth or surname does not match, exactly', async (t) => {
  const mismatch = { error: 'EPL-154', description: 'NHS Number supplied does not match the demographics' };
  t.same(await resolve('GPPROVIDER_9434765919_19700130_JONES'), mismatch, 'date of birth one day out');
  t.same(await resolve('GPPROVIDER_9434765919_19700131_SMITH'), mismatch, 'surname is neither current nor previous');
  t.same(await resolve('GPPROVIDER_9434765919_19700131_OBRIAN-SMYTH'), mismatch, 'no typo tolerance: a cross-check is exact');
  t.same(await resolve('GPPROVIDER_9434765919_19700131_SMYTH'), mismatch, 'one half of a double-barrelled name is not the name');
  t.same(await resolve('GPPROVIDER_9434765919_19700113_JONES'), mismatch, 'no day/month transposition');
});

t.test('EPL-151: no registered practice, or no practice mailbox for the workflow', async (t) => {
  const none = await resolve('GPPROVIDER_9434765943_19700131_JONES');
  t.equal(code(none), 'EPL-151', 'not registered with a practice');
  const noMailbox = await resolve('GPPROVIDER_9434765935_19700131_JONES');
  t.equal(code(noMailbox), 'EPL-151', 'the practice has a mailbox, but not one receiving this workflow');
  for (const a of [none, noMailbox]) t.notMatch(a && 'error' in a ? a.description : '', /C83003|A81001|Brien|Mary/, 'no GP or name in the text');
});

t.test('EPL-150: several practice mailboxes receive the workflow', async (t) => {
  const answer = await resolve('GPPROVIDER_9434765927_19700131_JONES');
  t.equal(code(answer), 'EPL-150');
  t.notMatch(answer && 'error' in answer ? answer.description : '', /B82002/, 'the practice is not named');
});

t.test('workflows: GPPROVIDER only where allowed', async (t) => {
  t.ok(GPPROVIDER_WORKFLOWS.includes('GPCONNECT_SEND_DOCUMENT'));
  t.notOk(GPPROVIDER_WORKFLOWS.some((w) => w.endsWith('_ACK')), 'acks go back to the sender, not to a practice');
  lookedUp.length = 0;
  const refused = await resolve('GPPROVIDER_9434765919_19700131_JONES', 'OTHER_WF');
  t.equal(code(refused), 'EPL-151', 'default list: OTHER_WF is not a GPPROVIDER workflow');
  t.match(refused && 'error' in refused ? refused.description : '', /not enabled for workflow OTHER_WF/);
  t.same(lookedUp, [], 'refused before the index is asked');
  const anyWorkflow = gpProviderResolver(index, { workflows: null });
  t.same(await anyWorkflow.resolve('GPPROVIDER_9434765919_19700131_JONES', ctx('OTHER_WF')), { mailbox: directory.getMailbox('GP1') }, 'null allows any workflow');
  const onlyOther = gpProviderResolver(index, { workflows: ['OTHER_WF'] });
  t.equal(code(await onlyOther.resolve('GPPROVIDER_9434765919_19700131_JONES', ctx(WF))), 'EPL-151', 'an explicit list replaces the default');
});

t.test('parseGpProviderAddress', async (t) => {
  t.same(parseGpProviderAddress('GPPROVIDER_9434765919_20000229_Zo%C3%AB_Smith'), { nhsNumber: '9434765919', dateOfBirth: '2000-02-29', surname: 'Zoë_Smith' }, 'leap day; the surname is the rest, decoded');
  t.same(parseGpProviderAddress('GPPROVIDER_9434765919_20000229_100%_X'), { nhsNumber: '9434765919', dateOfBirth: '2000-02-29', surname: '100%_X' }, 'undecodable: kept as sent');
  t.equal(code(parseGpProviderAddress('GPPROVIDER_9434765919_19000229_X')), 'EPL-152', '1900 was not a leap year');
});
