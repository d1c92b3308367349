import t from 'tap';
import { authFor, mailbox, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

const MAILBOXES = [mailbox('MB1'), mailbox('MB2', { odsCode: 'Y12345', mailboxName: 'Lab results' }), mailbox('MB3', { odsCode: 'Y12345' }), mailbox('MB4', { odsCode: 'Y12345', active: false })];
const WORKFLOWS = [{ workflowId: 'PATH_MEDRPT_V3', senders: ['MB1'], receivers: ['MB2', 'MB4'] }];

t.test('tracking by message ID: v1 and v2 shapes, sender only, status follows the lifecycle', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS });
  const sent = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'PATH_MEDRPT_V3', 'mex-localid': 'my-ref-1', 'mex-filename': 'r.txt' }, 'result');
  const id = sent.json().message_id as string;
  const track = (mb: string, accept = V2) => raw(meshd.url, 'GET', `/messageexchange/${mb}/outbox/tracking?messageID=${id}`, { authorization: authFor(mb), accept });

  const v2 = (await track('MB1')).json();
  t.equal(v2.message_id, id);
  t.equal(v2.status, 'accepted');
  t.equal(v2.status_success, true);
  t.equal(v2.local_id, 'my-ref-1');
  t.equal(v2.workflow_id, 'PATH_MEDRPT_V3');
  t.equal(v2.filename, 'r.txt');
  t.equal(v2.recipient, 'MB2');
  t.equal(v2.recipient_name, 'Lab results');
  t.equal(v2.recipient_ods_code, 'Y12345');
  t.match(v2.upload_timestamp, /^\d{14}$/);
  t.match(v2.expiry_time, /^\d{14}$/);
  t.ok(Number(v2.expiry_time) > Number(v2.upload_timestamp), 'expires after upload');
  t.match(v2.status_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

  const v1 = (await track('MB1', V1)).json();
  t.equal(v1.messageId, id);
  t.equal(v1.dtsId, id);
  t.equal(v1.status, 'Accepted', 'v1 Title-case status');
  t.equal(v1.statusSuccess, 'SUCCESS');
  t.equal(v1.version, '1.0');
  t.equal(v1.sender, 'MB1');
  t.equal(v1.fileSize, 6);
  t.match(v1.uploadTimestamp, /^\d{14}$/);

  t.equal((await track('MB2')).status, 404, 'the recipient cannot track (404, matching Spine)');
  t.equal((await track('MB3')).status, 404, 'nor can a stranger');
  const none = await raw(meshd.url, 'GET', '/messageexchange/MB1/outbox/tracking', { authorization: authFor('MB1'), accept: V2 });
  t.equal(none.status, 400, 'messageID is required');

  await raw(meshd.url, 'PUT', `/messageexchange/MB2/inbox/${id}/status/acknowledged`, { authorization: authFor('MB2'), accept: V2 });
  t.equal((await track('MB1')).json().status, 'acknowledged');
  t.match((await track('MB1', V1)).json().downloadTimestamp, /^\d{14}$/);
});

t.test('deprecated tracking by local ID: 404 for none, 300 for several, v1 shape', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES });
  const send = (local: string) => raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'W', 'mex-localid': local }, 'x');
  const id = (await send('once')).json().message_id as string;
  await send('twice');
  await send('twice');
  const byLocal = (local: string, mb = 'MB1') => raw(meshd.url, 'GET', `/messageexchange/${mb}/outbox/tracking/${local}`, { authorization: authFor(mb), accept: V2 });
  const one = await byLocal('once');
  t.equal(one.status, 200);
  t.equal(one.json().messageId, id, 'v1 shape even when v2 is asked for');
  t.equal(one.json().status, 'Accepted');
  t.equal((await byLocal('twice')).status, 300);
  t.equal((await byLocal('never')).status, 404);
  t.equal((await byLocal('once', 'MB2')).status, 404, "another mailbox's local IDs are invisible");
});

t.test('endpointlookup and workflowsearch: no auth, v1 and v2 shapes, empty results', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS });
  const v2 = await raw(meshd.url, 'GET', '/messageexchange/endpointlookup/Y12345/PATH_MEDRPT_V3', { accept: V2 });
  t.equal(v2.status, 200);
  t.same(v2.json(), { results: [{ mailbox_id: 'MB2', mailbox_name: 'Lab results' }] }, 'receivers with that ODS code; inactive MB4 and non-receiver MB3 left out');
  const v1 = (await raw(meshd.url, 'GET', '/messageexchange/endpointlookup/y12345/PATH_MEDRPT_V3', { accept: V1 })).json();
  t.same(v1.results, [{ address: 'MB2', description: 'Lab results', endpoint_type: 'MESH' }], 'v1 shape, ODS code case-insensitive');
  t.type(v1.query_id, 'string');
  const empty = await raw(meshd.url, 'GET', '/messageexchange/endpointlookup/Z99999/PATH_MEDRPT_V3', { accept: V2 });
  t.same(empty.json(), { results: [] }, 'no match is 200 with an empty list');
  const blank = await raw(meshd.url, 'GET', '/messageexchange/endpointlookup/%20/PATH_MEDRPT_V3', { accept: V2 });
  t.equal(blank.status, 400, 'blank ODS code');
  const search = await raw(meshd.url, 'GET', '/messageexchange/workflowsearch/PATH_MEDRPT_V3', { accept: V1 });
  t.same(search.json(), { results: [{ mailbox_id: 'MB2', mailbox_name: 'Lab results' }] }, 'workflowsearch is always the v2 shape');
  t.same((await raw(meshd.url, 'GET', '/messageexchange/workflowsearch/NOPE', {})).json(), { results: [] });
});

t.test('ping and health answer without auth', async (t) => {
  const meshd = await startTestMeshd(t);
  for (const path of ['/_ping', '/messageexchange/_ping', '/health', '/healthz']) {
    const r = await raw(meshd.url, 'GET', path);
    t.equal(r.status, 200, path);
    t.equal(r.json().status, 'running');
    t.equal(r.json().outcome, 'Yes');
    t.equal(r.json().env, 'test');
  }
  const unknown = await raw(meshd.url, 'GET', '/nothing/here', { accept: V2 });
  t.equal(unknown.status, 404);
  t.type(unknown.json().detail, Array, 'unknown routes get a JSON error body');
});
