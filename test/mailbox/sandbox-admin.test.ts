import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { authFor, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

const send = (url: string, from: string, to: string, body = 'x') =>
  raw(url, 'POST', `/messageexchange/${from}/outbox`, { authorization: authFor(from), accept: V2, 'mex-to': to, 'mex-workflowid': 'W' }, body);
const inbox = async (url: string, mb: string) => (await raw(url, 'GET', `/messageexchange/${mb}/inbox`, { authorization: authFor(mb), accept: V2 })).json().messages as string[];

t.test('the admin API does not exist unless enabled', async (t) => {
  const meshd = await startTestMeshd(t);
  t.equal((await raw(meshd.url, 'DELETE', '/admin/reset')).status, 404);
  t.equal((await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, '{}')).status, 404);
  t.equal((await raw(meshd.url, 'GET', '/admin/mailbox/MB1')).status, 404);
});

t.test('reset: one mailbox or everything, payloads deleted too', async (t) => {
  const meshd = await startTestMeshd(t, { config: { sandboxAdmin: true, limits: { maxRequestBytes: 1e8, maxChunks: 100, inlineChunkBytes: 10, inboxMaxResultsDefault: 500 } } });
  await send(meshd.url, 'MB1', 'MB2', 'a payload big enough for the object store');
  await send(meshd.url, 'MB1', 'MB3');
  const files = async () => (await readdir(join((meshd.objects as unknown as { rootDir: string }).rootDir, 'objects'), { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).length;
  t.equal(await files(), 1, 'the large payload is in the object store');
  t.equal((await raw(meshd.url, 'DELETE', '/messageexchange/admin/reset/MB2')).status, 200);
  t.equal(await files(), 0, 'and deleted with its message');
  t.same(await inbox(meshd.url, 'MB2'), [], 'MB2 emptied');
  t.equal((await inbox(meshd.url, 'MB3')).length, 1, 'MB3 untouched');
  t.equal((await raw(meshd.url, 'DELETE', '/admin/reset/NOSUCH')).status, 404, 'unknown mailbox');
  t.equal((await raw(meshd.url, 'DELETE', '/admin/reset')).status, 200);
  t.same(await inbox(meshd.url, 'MB3'), [], 'everything emptied');
});

t.test('report: a REPORT appears in the inbox with status headers and an empty body', async (t) => {
  const meshd = await startTestMeshd(t, { config: { sandboxAdmin: true } });
  const original = (await send(meshd.url, 'MB1', 'MB2')).json().message_id as string;
  const made = await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, JSON.stringify({ mailbox_id: 'MB1', code: '14', description: 'Message not collected by recipient after 5 days', workflow_id: 'W', subject: 'S', local_id: 'L', status: 'undeliverable', linked_message_id: original }));
  t.equal(made.status, 200);
  const reportId = made.json().message_id as string;
  t.same(await inbox(meshd.url, 'MB1'), [reportId]);
  const got = await raw(meshd.url, 'GET', `/messageexchange/MB1/inbox/${reportId}`, { authorization: authFor('MB1'), accept: V2 });
  t.equal(got.status, 200);
  t.equal(got.body.length, 0, 'empty body');
  t.equal(got.headers['mex-messagetype'], 'REPORT');
  t.equal(got.headers['mex-statuscode'], '14');
  t.equal(got.headers['mex-statussuccess'], 'ERROR');
  t.equal(got.headers['mex-linkedmsgid'], original);
  t.equal(got.headers['mex-localid'], 'L');
  t.notOk(got.headers['content-encoding']);
  const bad = await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, '{"mailbox_id":"MB1"');
  t.equal(bad.status, 400, 'invalid JSON');
  const missing = await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, JSON.stringify({ mailbox_id: 'MB1' }));
  t.equal(missing.status, 400, 'missing fields');
  const status = await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, JSON.stringify({ mailbox_id: 'MB1', code: '14', description: 'd', workflow_id: 'W', status: 'weird' }));
  t.equal(status.status, 400, 'status must be undeliverable or error');
});

t.test('message event, message and mailbox views', async (t) => {
  const meshd = await startTestMeshd(t, { config: { sandboxAdmin: true } });
  const id = (await send(meshd.url, 'MB1', 'MB2')).json().message_id as string;
  const ev = await raw(meshd.url, 'POST', `/admin/message/${id}/event`, { 'content-type': 'application/json' }, JSON.stringify({ status: 'error', code: '99', event: 'TRANSFER', description: 'forced failure' }));
  t.equal(ev.status, 200);
  t.equal(ev.json().status, 'error');
  t.same(await inbox(meshd.url, 'MB2'), [], 'an errored message leaves the inbox');
  const track = (await raw(meshd.url, 'GET', `/messageexchange/MB1/outbox/tracking?messageID=${id}`, { authorization: authFor('MB1'), accept: V1 })).json();
  t.equal(track.status, 'Error');
  t.equal(track.statusCode, '99');
  const view = (await raw(meshd.url, 'GET', `/admin/message/${id}`)).json();
  t.equal(view.message_id, id);
  t.same(view.events.map((e: { status: string }) => e.status), ['error', 'accepted'], 'events newest first');
  t.equal((await raw(meshd.url, 'GET', '/admin/message/nope')).status, 404);
  t.equal((await raw(meshd.url, 'POST', `/admin/message/${id}/event`, { 'content-type': 'application/json' }, '{"status":"bogus"}')).status, 400);
  const mb = (await raw(meshd.url, 'GET', '/messageexchange/mailbox/MB2')).json();
  t.equal(mb.mailbox_id, 'MB2');
  t.notOk('password' in mb, 'never shows the password');
  t.equal((await raw(meshd.url, 'GET', '/admin/mailbox/MB1')).json().mailbox_name, 'Test mailbox MB1');
});
