import t from 'tap';
import { odsCodeResolver } from '../../broker/messages/address-resolver.js';
import { gpProviderResolver } from '../../adapters/pds/gp-provider-resolver.js';
import type { IndexedPerson } from '../../adapters/pds/person.js';
import { authFor, mailbox, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

const WF = 'TOC_FHIR_IP_DISCH';

function person(nhsNumber: string, gpPracticeOds: string | null): IndexedPerson {
  return {
    nhsNumber,
    givenNames: ['Mary'],
    familyName: 'Smith-Jones',
    previousFamilyNames: ['Taylor'],
    dateOfBirth: '1970-01-31',
    gender: 'female',
    addressLines: [],
    postcode: null,
    gpPracticeOds,
    deathStatus: 0,
    dateOfDeath: null,
    deathRegistrationId: null,
  };
}

// A fake index: the real one is exercised end to end once it exists.
const people = new Map([person('9434765919', 'A81001'), person('9434765927', null)].map((p) => [p.nhsNumber, p]));
const index = { getPerson: async (nhs: string) => people.get(nhs) ?? null };

t.test('GPPROVIDER_ addressing over HTTP: delivered to the practice, or a 417 with the EPL code', async (t) => {
  const meshd = await startTestMeshd(t, {
    mailboxes: [mailbox('SENDER1'), mailbox('GP1', { odsCode: 'A81001' }), mailbox('OTHER1', { odsCode: 'B82002' })],
    workflows: [
      { workflowId: WF, senders: ['SENDER1'], receivers: ['GP1'] },
      { workflowId: 'PATH_MEDRPT_V3', senders: ['SENDER1'], receivers: ['GP1'] },
    ],
    resolvers: [gpProviderResolver(index), odsCodeResolver],
  });
  const send = (to: string, workflowId = WF, accept = V2) =>
    raw(meshd.url, 'POST', '/messageexchange/SENDER1/outbox', { authorization: authFor('SENDER1'), accept, 'mex-to': to, 'mex-workflowid': workflowId }, 'discharge summary');

  const ok = await send('GPPROVIDER_9434765919_19700131_SMITH-JONES');
  t.equal(ok.status, 202);
  const id = ok.json().message_id;
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/GP1/inbox', { authorization: authFor('GP1'), accept: V2 });
  t.same(inbox.json().messages, [id], 'in the practice inbox');
  const tracking = await raw(meshd.url, 'GET', `/messageexchange/SENDER1/outbox/tracking?messageID=${id}`, { authorization: authFor('SENDER1'), accept: V2 });
  t.equal(tracking.json().recipient, 'GP1', 'the mailbox ID replaces the demographics');
  t.equal((await send('gpprovider_9434765919_19700131_taylor')).status, 202, 'previous family name, any case');

  const cases: Array<[string, string, string, string | RegExp]> = [
    ['bad check digit', 'GPPROVIDER_9434765918_19700131_SMITH-JONES', 'EPL-152', /^Invalid NHS Number/],
    ['impossible date', 'GPPROVIDER_9434765919_19700231_SMITH-JONES', 'EPL-152', /real date/],
    ['unknown patient', 'GPPROVIDER_9434765935_19700131_SMITH-JONES', 'EPL-153', 'NHS Number not found'],
    ['wrong surname', 'GPPROVIDER_9434765919_19700131_SMITH', 'EPL-154', 'NHS Number supplied does not match the demographics'],
    ['wrong date of birth', 'GPPROVIDER_9434765919_19710131_SMITH-JONES', 'EPL-154', 'NHS Number supplied does not match the demographics'],
    ['no registered practice', 'GPPROVIDER_9434765927_19700131_SMITH-JONES', 'EPL-151', 'No mailbox matched'],
  ];
  for (const [what, to, code, msg] of cases) {
    const r = await send(to);
    t.equal(r.status, 417, `${what}: 417`);
    const detail = r.json().detail[0];
    t.equal(detail.code, code, `${what}: ${code}`);
    t.match(detail.msg, msg);
    t.notMatch(detail.msg, /A81001|Mary|GP1/, `${what}: no GP or name in the reply`);
  }
  const v1 = await send('GPPROVIDER_9434765919_19700131_SMITH', WF, V1);
  t.equal(v1.json().errorCode, 'EPL-154', 'v1 error body');
  const wrongWorkflow = await send('GPPROVIDER_9434765919_19700131_SMITH-JONES', 'PATH_MEDRPT_V3');
  t.equal(wrongWorkflow.status, 417);
  t.equal(wrongWorkflow.json().detail[0].code, 'EPL-151', 'GPPROVIDER is not allowed on a pathology workflow');
  t.same((await raw(meshd.url, 'GET', '/messageexchange/GP1/inbox', { authorization: authFor('GP1'), accept: V2 })).json().messages.length, 2, 'nothing else was delivered');
  t.equal((await send('A81001')).status, 202, 'an ODS code still falls through to the next resolver');
});

t.test("meshd's default resolvers: GPPROVIDER_ against the real demographic index, then ODS codes", async (t) => {
  const meshd = await startTestMeshd(t, {
    mailboxes: [mailbox('SENDER1'), mailbox('GP1', { odsCode: 'A81001' })],
    workflows: [{ workflowId: WF, senders: ['SENDER1'], receivers: ['GP1'] }],
  });
  const { deathStatus: _s, dateOfDeath: _d, deathRegistrationId: _r, ...mary } = person('9434765919', 'A81001');
  await meshd.demographics.upsertPeople([mary]);
  const send = (to: string) => raw(meshd.url, 'POST', '/messageexchange/SENDER1/outbox', { authorization: authFor('SENDER1'), accept: V2, 'mex-to': to, 'mex-workflowid': WF }, 'letter');
  const ok = await send('GPPROVIDER_9434765919_19700131_TAYLOR');
  t.equal(ok.status, 202, 'a previous surname cross-checks');
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/GP1/inbox', { authorization: authFor('GP1'), accept: V2 });
  t.same(inbox.json().messages, [ok.json().message_id], "delivered to the practice the index names");
  const unknown = await send('GPPROVIDER_9434765927_19700131_TAYLOR');
  t.equal(unknown.json().detail[0].code, 'EPL-153', 'not in the index');
  t.equal((await send('A81001')).status, 202, 'ODS codes still resolve after it');
});
