import { gzipSync } from 'node:zlib';
import t from 'tap';
import { authFor, mailbox, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

const MAILBOXES = [mailbox('MB1'), mailbox('MB2'), mailbox('MB3'), mailbox('OFF1', { active: false }), mailbox('GP1', { odsCode: 'A81001' }), mailbox('GP2', { odsCode: 'B82002' }), mailbox('GP3', { odsCode: 'B82002' })];
const WORKFLOWS = [
  { workflowId: 'RESTRICTED', senders: ['MB1'], receivers: ['MB2', 'GP2', 'GP3'] },
  { workflowId: 'GP_WF', senders: ['MB1'], receivers: ['GP1', 'GP2', 'GP3'] },
];

t.test('send validation: each bad request gets its status, code and body, and nothing is stored', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS });
  const send = (headers: Record<string, string>, body: string | Buffer = 'data', accept = V2) =>
    raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept, 'mex-to': 'MB2', 'mex-workflowid': 'WF', ...headers }, body);
  const detail = (r: { json: () => any }) => r.json().detail[0];

  let r = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-workflowid': 'WF' }, 'x');
  t.equal(r.status, 400, 'missing mex-To');
  t.same(detail(r).loc, ['header', 'mex-to']);
  r = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2' }, 'x');
  t.equal(r.status, 400, 'missing mex-WorkflowID');
  r = await send({ 'mex-to': '  ' });
  t.equal(r.status, 400);
  t.equal(detail(r).code, '08', 'blank mex-To is TO_DTS missing');
  r = await send({ 'mex-to': 'X'.repeat(101) });
  t.equal(r.status, 400, 'mex-To over 100 characters');
  r = await send({ 'mex-workflowid': 'W'.repeat(301) });
  t.equal(r.status, 400, 'workflow over 300 characters');
  r = await send({ 'mex-subject': 's'.repeat(501) });
  t.equal(r.status, 400, 'subject over 500');
  r = await send({ 'mex-localid': 'l'.repeat(301) });
  t.equal(r.status, 400, 'local ID over 300');
  r = await send({ 'mex-filename': 'f'.repeat(301) });
  t.equal(r.status, 400, 'filename over 300');
  r = await send({ 'mex-subject': 'tab\there' });
  t.equal(r.status, 400, 'control character');
  t.equal(detail(r).code, '06');
  t.same(detail(r).fields, ['mex-subject']);
  r = await send({ 'mex-to': 'https://evil.example/x' });
  t.equal(detail(r).code, '06', 'URL in mex-To is a malformed control file');
  r = await send({ 'mex-content-checksum': 'md5;abc' });
  t.equal(r.status, 400, 'checksum with a forbidden character');
  t.equal(detail(r).code, 'Invalid checksum');
  r = await send({ 'mex-content-checksum': 'md5:b10a8db164e0754105b7a99be72e3fe5' });
  t.equal(r.status, 202, 'checksum with letters, digits and colon is fine');
  r = await send({ 'content-encoding': 'br' });
  t.equal(r.status, 422, 'unsupported encoding');
  t.equal(detail(r).code, 'UnsupportedContentEncoding');
  r = await send({}, '');
  t.equal(r.status, 417, 'empty body');
  t.equal(detail(r).code, '02');
  r = await send({}, '', V1);
  t.same(r.json(), { errorEvent: 'COLLECT', errorCode: '02', errorDescription: 'Data file is missing or inaccessible' }, 'v1 error body');
  r = await send({ 'mex-to': 'NOSUCHBOX' });
  t.equal(r.status, 417, 'unknown recipient');
  t.equal(detail(r).code, '12');
  r = await send({ 'mex-to': 'OFF1' });
  t.equal(r.status, 417, 'inactive recipient');
  t.equal(detail(r).code, '14');
  r = await send({ 'mex-from': 'MB3' });
  t.equal(r.status, 417, 'mex-From differs from the authenticated mailbox');
  t.equal(detail(r).code, '07');
  r = await send({ 'mex-from': 'mb1' });
  t.equal(r.status, 202, 'mex-From equal to the sender is fine');
  r = await send({ 'mex-chunk-range': '2:3' });
  t.equal(r.status, 417, 'first request must be chunk 1');
  t.equal(detail(r).code, 'InvalidHeaderChunks');
  for (const bad of ['1', '0:2', '3:2', 'a:b', '1:0', '1:10001']) {
    r = await send({ 'mex-chunk-range': bad });
    t.equal(r.status, 417, `bad chunk range ${bad}`);
  }
  r = await send({ 'mex-content-encrypted': 'maybe' });
  t.equal(r.status, 400, 'a flag that is neither yes nor no');

  const inbox = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.equal(inbox.json().messages.length, 2, 'only the two valid sends reached the inbox');
});

t.test('workflow registration: senders and receivers enforced (17), unregistered allowed unless strict', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS });
  const send = (from: string, to: string, wf: string) =>
    raw(meshd.url, 'POST', `/messageexchange/${from}/outbox`, { authorization: authFor(from), accept: V2, 'mex-to': to, 'mex-workflowid': wf }, 'data');
  t.equal((await send('MB1', 'MB2', 'RESTRICTED')).status, 202, 'registered sender and receiver');
  const bySender = await send('MB3', 'MB2', 'RESTRICTED');
  t.equal(bySender.status, 417);
  t.equal(bySender.json().detail[0].code, '17', 'sender not registered');
  const toReceiver = await send('MB1', 'MB3', 'RESTRICTED');
  t.equal(toReceiver.json().detail[0].code, '17', 'receiver not registered');
  t.equal((await send('MB3', 'MB2', 'ANY_OTHER')).status, 202, 'unregistered workflow allowed by default');

  const strict = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS, config: { strictWorkflows: true } });
  const r = await raw(strict.url, 'POST', '/messageexchange/MB3/outbox', { authorization: authFor('MB3'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'ANY_OTHER' }, 'data');
  t.equal(r.status, 417);
  t.equal(r.json().detail[0].code, '17', 'unregistered workflow refused with --strict-workflows');
});

t.test('mex-To as an ODS code resolves through the workflow receivers (EPL-150/151)', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, workflows: WORKFLOWS });
  const send = (to: string, wf = 'GP_WF') =>
    raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': to, 'mex-workflowid': wf }, 'data');
  const one = await send('A81001');
  t.equal(one.status, 202, 'one receiver with that ODS code');
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/GP1/inbox', { authorization: authFor('GP1'), accept: V2 });
  t.same(inbox.json().messages, [one.json().message_id], 'delivered to GP1');
  const several = await send('B82002');
  t.equal(several.status, 417);
  t.equal(several.json().detail[0].code, 'EPL-150');
  const none = await send('A81001', 'RESTRICTED');
  t.equal(none.json().detail[0].code, 'EPL-151', 'ODS code known but no receiver of that workflow');
});

t.test('body limits: declared and streamed sizes over the limit are refused and leave nothing', async (t) => {
  const meshd = await startTestMeshd(t, { config: { limits: { maxRequestBytes: 100_000, maxChunks: 100, inlineChunkBytes: 1024, inboxMaxResultsDefault: 500 } } });
  const big = Buffer.alloc(150_000, 7);
  const r = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF' }, big);
  t.equal(r.status, 413);
  t.equal(r.json().detail[0].code, 'PayloadTooLarge');
  const gz = gzipSync(Buffer.alloc(1000, 1));
  const ok = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF', 'content-encoding': 'gzip' }, gz);
  t.equal(ok.status, 202, 'a gzip body under the limit');
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.equal(inbox.json().messages.length, 1, 'the refused message is nowhere');
});

t.test('a filename with path separators is stored and echoed, never used as a path', async (t) => {
  const meshd = await startTestMeshd(t);
  const name = '../../etc/passwd';
  const sent = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF', 'mex-filename': name }, 'x');
  t.equal(sent.status, 202);
  const got = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${sent.json().message_id}`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(got.headers['mex-filename'], name);
  t.equal(got.body.toString(), 'x');
});

t.test('a streamed body with no declared length is cut off at the limit', async (t) => {
  const meshd = await startTestMeshd(t, { config: { limits: { maxRequestBytes: 100_000, maxChunks: 100, inlineChunkBytes: 1024, inboxMaxResultsDefault: 500 } } });
  const r = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF', 'transfer-encoding': 'chunked' }, Buffer.alloc(150_000, 3));
  t.equal(r.status, 413);
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.same(inbox.json().messages, [], 'nothing stored');
  const leftovers = await import('node:fs/promises').then((fs) => fs.readdir(`${meshd.objects ? (meshd.objects as unknown as { rootDir: string }).rootDir : ''}/objects`, { recursive: true }).catch(() => []));
  t.same(leftovers.filter((f) => /\.\w+$/.test(String(f))), [], 'no object left in the store');
});
