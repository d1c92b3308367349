import { gzipSync } from 'node:zlib';
import t from 'tap';
import { authFor, raw, readAll, sha256, startTestMeshd, V1, V2, clientFor } from '../helpers/meshd.js';

const first = (meshd: { url: string }, body: string, range: string, extra: Record<string, string> = {}) =>
  raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'CHUNKY', 'mex-chunk-range': range, 'mex-localid': 'chunked-1', ...extra }, body);
const chunk = (meshd: { url: string }, id: string, n: number, range: string, body: string | Buffer, from = 'MB1', extra: Record<string, string> = {}) =>
  raw(meshd.url, 'POST', `/messageexchange/${from}/outbox/${id}/${n}`, { authorization: authFor(from), accept: V2, 'mex-chunk-range': range, 'content-type': 'application/octet-stream', ...extra }, body);
const inbox = async (meshd: { url: string }, mb = 'MB2') => (await raw(meshd.url, 'GET', `/messageexchange/${mb}/inbox`, { authorization: authFor(mb), accept: V2 })).json().messages as string[];

t.test('chunks in any order; invisible until complete; then locked', async (t) => {
  const meshd = await startTestMeshd(t);
  const r1 = await first(meshd, 'aaa', '1:4');
  t.equal(r1.status, 202);
  const id = r1.json().message_id as string;
  t.same(await inbox(meshd), [], 'uploading is invisible to the recipient');
  const track = await raw(meshd.url, 'GET', `/messageexchange/MB1/outbox/tracking?messageID=${id}`, { authorization: authFor('MB1'), accept: V2 });
  t.equal(track.json().status, 'uploading', 'but the sender can track it');
  const direct = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(direct.status, 410, 'and the recipient cannot download it yet');

  t.equal((await chunk(meshd, id, 4, '4:4', 'ddd')).status, 202, 'chunk 4 first');
  t.equal((await chunk(meshd, id, 2, '2:4', 'XXX')).status, 202, 'chunk 2');
  t.equal((await chunk(meshd, id, 2, '2:4', 'bbb')).status, 202, 'chunk 2 again replaces it while uploading');
  t.same(await inbox(meshd), [], 'chunk 3 missing: still invisible');
  const last = await chunk(meshd, id, 3, '3:4', 'ccc');
  t.equal(last.status, 202);
  t.same(last.json(), { message_id: id }, 'chunk response body');
  t.same(await inbox(meshd), [id], 'visible once every chunk arrived');

  const statuses: number[] = [];
  let all = '';
  for (let n = 1; n <= 4; n++) {
    const r = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}${n === 1 ? '' : `/${n}`}`, { authorization: authFor('MB2'), accept: V2 });
    statuses.push(r.status);
    all += r.body.toString();
    t.equal(r.headers['mex-chunk-range'], `${n}:4`);
    t.equal(r.headers['content-type'], 'application/octet-stream', 'chunks are octet-stream');
  }
  t.same(statuses, [206, 206, 206, 200], '206 before the last chunk, 200 for it');
  t.equal(all, 'aaabbbcccddd');
  const beyond = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}/5`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(beyond.status, 404, 'chunk out of range');
  const zero = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}/0`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(zero.status, 404, 'chunk 0');

  const again = await chunk(meshd, id, 2, '2:4', 'zzz');
  t.equal(again.status, 423, 'a repeated chunk after acceptance is locked');
  const after = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}/2`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(after.body.toString(), 'bbb', 'and replaced nothing');
});

t.test('chunk errors', async (t) => {
  const meshd = await startTestMeshd(t);
  const id = (await first(meshd, 'a', '1:3')).json().message_id as string;
  let r = await chunk(meshd, id, 2, '3:3', 'b');
  t.equal(r.status, 417, 'header does not match the URL');
  t.equal(r.json().detail[0].code, 'InvalidHeaderChunks');
  t.equal(r.json().message_id, id, 'error names the message');
  r = await chunk(meshd, id, 2, '2:5', 'b');
  t.equal(r.status, 417, 'total differs from chunk 1');
  r = await chunk(meshd, id, 4, '4:3', 'b');
  t.equal(r.status, 417, 'n > N');
  r = await raw(meshd.url, 'POST', `/messageexchange/MB1/outbox/${id}/2`, { authorization: authFor('MB1'), accept: V2 }, 'b');
  t.equal(r.status, 417, 'missing mex-Chunk-Range');
  r = await chunk(meshd, id, 2, '2:3', 'b', 'MB3');
  t.equal(r.status, 403, "a chunk for someone else's message");
  r = await chunk(meshd, '20200101000000000000_ABCDEF', 2, '2:3', 'b');
  t.equal(r.status, 404, 'unknown message');
  r = await chunk(meshd, id, 2, '2:3', gzipSync('b'), 'MB1', { 'content-encoding': 'gzip' });
  t.equal(r.status, 417, 'encoding changed between chunks');
  t.match(r.json().detail[0].msg, /content encoding/);
  r = await chunk(meshd, id, 2, '2:3', '');
  t.equal(r.status, 417, 'empty chunk');
  t.equal(r.json().detail[0].code, '02');
  r = await chunk(meshd, id, 2, '2:3', 'b', 'MB1', { 'content-encoding': 'deflate' });
  t.equal(r.status, 422, 'unsupported encoding on a chunk');
  t.same(await inbox(meshd), [], 'nothing became visible');
});

t.test('download access rules, HEAD, 410 after acknowledgement, v1 and v2 content types', async (t) => {
  const meshd = await startTestMeshd(t);
  const sent = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'DL', 'content-type': 'text/csv', 'mex-subject': 'Subj', 'mex-localid': 'L1', 'mex-partnerid': 'P1', 'mex-content-checksum': 'md5:abc', 'mex-content-encrypted': 'Y' }, 'a,b\n1,2\n');
  const id = sent.json().message_id as string;
  const get = (mb: string, accept = V2, method = 'GET') => raw(meshd.url, method, `/messageexchange/${mb}/inbox/${id}`, { authorization: authFor(mb), accept });

  const v2 = await get('MB2');
  t.equal(v2.status, 200);
  t.equal(v2.headers['content-type'], 'text/csv', 'v2 single chunk keeps the stored type');
  for (const [h, v] of Object.entries({ 'mex-from': 'MB1', 'mex-to': 'MB2', 'mex-workflowid': 'DL', 'mex-messageid': id, 'mex-messagetype': 'DATA', 'mex-subject': 'Subj', 'mex-localid': 'L1', 'mex-partnerid': 'P1', 'mex-content-checksum': 'md5:abc', 'mex-content-encrypted': 'Y', 'mex-chunk-range': '1:1', 'mex-total-chunks': '1', 'mex-filename': `${id}.dat`, 'mex-statuscode': '00', 'mex-statussuccess': 'SUCCESS', 'mex-addresstype': 'ALL', 'mex-version': '1.0' })) {
    t.equal(v2.headers[h], v, h);
  }
  t.match(v2.headers['mex-statustimestamp'], /^\d{14}$/);
  t.equal(v2.headers['content-length'], '8');
  const v1 = await get('MB2', V1);
  t.equal(v1.headers['content-type'], 'application/octet-stream', 'v1 gets octet-stream');
  t.equal((await get('MB3')).status, 403, 'another mailbox cannot download');
  t.equal((await get('MB1')).status, 403, 'nor can the sender');
  const head = await get('MB2', V2, 'HEAD');
  t.equal(head.status, 200);
  t.equal(head.body.length, 0, 'HEAD has no body');
  t.equal(head.headers['mex-messageid'], id);
  t.equal((await get('MB1', V2, 'HEAD')).status, 200, 'the sender may HEAD');
  t.equal((await get('MB3', V2, 'HEAD')).status, 404, 'others get 404 on HEAD');

  const ack = (mb: string, accept = V2) => raw(meshd.url, 'PUT', `/messageexchange/${mb}/inbox/${id}/status/acknowledged`, { authorization: authFor(mb), accept });
  t.equal((await ack('MB3')).status, 403, 'only the recipient acknowledges');
  const a1 = await ack('MB2', V1);
  t.same(a1.json(), { messageId: id }, 'v1 acknowledge body');
  const a2 = await ack('MB2');
  t.equal(a2.status, 200, 'acknowledge is idempotent');
  t.equal(a2.body.length, 0, 'v2 acknowledge body is empty');
  t.equal((await get('MB2')).status, 410, 'gone after acknowledgement');
  t.equal((await get('MB2', V2, 'HEAD')).status, 200, 'HEAD still works for the recipient');
  const unknown = await raw(meshd.url, 'PUT', '/messageexchange/MB2/inbox/20200101000000000000_ABCDEF/status/acknowledged', { authorization: authFor('MB2'), accept: V2 });
  t.equal(unknown.status, 404, 'acknowledging an unknown message');
});

t.test('a client library upload of many chunks streams and reassembles', async (t) => {
  const meshd = await startTestMeshd(t);
  const data = Buffer.alloc(3_000_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const id = await clientFor(t, meshd, 'MB1').sendMessage({ to: 'MB2', workflowId: 'BIG', body: data, chunkSize: 100_000, compress: true });
  const got = await clientFor(t, meshd, 'MB2').downloadMessage(id);
  t.equal(got.totalChunks, 30);
  t.equal(sha256(await readAll(got.body)), sha256(data));
});
