import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { MeshApiError, MeshClient, MeshUploadError, chunkCount } from '../../../mailbox/client/index.js';
import { CREDS, json, startFakeServer, type FakeServer, type RecordedRequest } from './fixtures/fake-mesh-server.js';

const MSG_ID = '20200601122152994285_D59900';

/** A server that accepts every chunk: 202 + message_id for chunk 1, 202 empty for the rest. */
async function acceptingServer(t: Parameters<typeof startFakeServer>[0], options: { keepBodies?: boolean; v1?: boolean } = {}): Promise<FakeServer> {
  return startFakeServer(
    t,
    (req, res) => {
      if (req.path.endsWith('/outbox')) json(res, 202, options.v1 ? { messageID: MSG_ID } : { message_id: MSG_ID });
      else {
        res.writeHead(202);
        res.end();
      }
    },
    options,
  );
}

function client(server: FakeServer, extra: Partial<ConstructorParameters<typeof MeshClient>[0]> = {}): MeshClient {
  return new MeshClient({ baseUrl: server.baseUrl, ...CREDS, ...extra });
}

function mexHeaderNames(req: RecordedRequest): string[] {
  return Object.keys(req.headers).filter((h) => h.startsWith('mex-')).sort();
}

t.test('chunk counts', async (t) => {
  t.equal(chunkCount(0, 5), 1, 'empty payload is one chunk');
  t.equal(chunkCount(1, 5), 1);
  t.equal(chunkCount(5, 5), 1, 'exact fit');
  t.equal(chunkCount(6, 5), 2);
  t.equal(chunkCount(15, 5), 3, 'exact multiple');
  t.equal(chunkCount(16, 5), 4);
  t.throws(() => chunkCount(10, 0), RangeError);
  t.throws(() => chunkCount(10, 1.5), RangeError);
});

t.test('splitting: sizes sum to the input, N and paths are right', async (t) => {
  const cases = [
    { size: 0, chunkSize: 5, sizes: [0] },
    { size: 3, chunkSize: 5, sizes: [3] },
    { size: 15, chunkSize: 5, sizes: [5, 5, 5] },
    { size: 17, chunkSize: 5, sizes: [5, 5, 5, 2] },
    { size: 7, chunkSize: 1, sizes: [1, 1, 1, 1, 1, 1, 1] },
  ];
  for (const c of cases) {
    await t.test(`${c.size} bytes in chunks of ${c.chunkSize}`, async (t) => {
      const server = await acceptingServer(t);
      const mesh = client(server, { maxChunkSize: c.chunkSize });
      t.teardown(() => mesh.close());
      const input = randomBytes(c.size);
      const id = await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: input });
      t.equal(id, MSG_ID);
      const n = c.sizes.length;
      t.same(server.requests.map((r) => r.size), c.sizes);
      t.same(server.requests.map((r) => r.headers['mex-chunk-range']), c.sizes.map((_, i) => `${i + 1}:${n}`));
      t.same(
        server.requests.map((r) => `${r.method} ${r.path}`),
        c.sizes.map((_, i) => (i === 0 ? 'POST /messageexchange/X26ABC1/outbox' : `POST /messageexchange/X26ABC1/outbox/${MSG_ID}/${i + 1}`)),
      );
      t.ok(Buffer.concat(server.requests.map((r) => r.body)).equals(input), 'bytes reassemble');
      t.same(server.requests.map((r) => r.headers['content-length']), c.sizes.map(String), 'uncompressed chunks declare their length');
    });
  }
});

t.test('per-message chunkSize overrides the client default, and string bodies are UTF-8', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server, { maxChunkSize: 1000 });
  t.teardown(() => mesh.close());
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'héllo wörld', chunkSize: 4 });
  const expected = Buffer.from('héllo wörld', 'utf8');
  t.equal(server.requests.length, Math.ceil(expected.length / 4));
  t.ok(Buffer.concat(server.requests.map((r) => r.body)).equals(expected));
  const view = new Uint8Array([1, 2, 3, 4, 5, 6]).subarray(2, 5);
  server.requests.length = 0;
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: view });
  t.same([...server.requests[0]!.body], [3, 4, 5], 'a Uint8Array view sends only its own bytes');
});

t.test('chunk 1 carries every MESH header, later chunks only the range', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server, { maxChunkSize: 4 });
  t.teardown(() => mesh.close());
  await mesh.sendMessage({
    to: 'X26ABC2',
    workflowId: 'WF_1',
    body: 'abcdefghij',
    subject: 'a subject',
    localId: 'local-1',
    partnerId: 'partner-1',
    fileName: 'data.csv',
    contentType: 'text/csv',
    checksum: 'md5:abc',
    encrypted: true,
    compressed: false,
  });
  const [first, second, third] = server.requests;
  t.same(first?.headers && {
    'content-type': first.headers['content-type'],
    'mex-chunk-range': first.headers['mex-chunk-range'],
    'mex-to': first.headers['mex-to'],
    'mex-workflowid': first.headers['mex-workflowid'],
    'mex-subject': first.headers['mex-subject'],
    'mex-localid': first.headers['mex-localid'],
    'mex-partnerid': first.headers['mex-partnerid'],
    'mex-filename': first.headers['mex-filename'],
    'mex-content-type': first.headers['mex-content-type'],
    'mex-content-checksum': first.headers['mex-content-checksum'],
    'mex-content-encrypted': first.headers['mex-content-encrypted'],
    'mex-content-compressed': first.headers['mex-content-compressed'],
  }, {
    'content-type': 'application/octet-stream',
    'mex-chunk-range': '1:3',
    'mex-to': 'X26ABC2',
    'mex-workflowid': 'WF_1',
    'mex-subject': 'a subject',
    'mex-localid': 'local-1',
    'mex-partnerid': 'partner-1',
    'mex-filename': 'data.csv',
    'mex-content-type': 'text/csv',
    'mex-content-checksum': 'md5:abc',
    'mex-content-encrypted': 'Y',
    'mex-content-compressed': 'N',
  });
  t.equal(first?.headers['content-encoding'], undefined, 'no transport encoding unless asked');
  for (const later of [second, third]) {
    t.same(later && mexHeaderNames(later), ['mex-chunk-range']);
    t.equal(later?.headers['content-type'], 'application/octet-stream');
    t.equal(later?.headers['content-encoding'], undefined);
  }
  for (const req of server.requests) {
    t.equal(req.headers['accept'], 'application/vnd.mesh.v2+json');
    t.equal(req.headers['accept-encoding'], 'gzip');
    t.match(req.headers['user-agent'], /^mesh-broker-client;\d+\.\d+\.\d+;N\/A;/);
    t.match(req.headers['authorization'], /^NHSMESH X26ABC1:/);
  }
});

t.test('optional headers are omitted when not given; contentType rules follow the Python client', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server, { userAgent: 'custom-agent/1.0' });
  t.teardown(() => mesh.close());
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x' });
  t.same(mexHeaderNames(server.requests[0]!), ['mex-chunk-range', 'mex-to', 'mex-workflowid']);
  t.equal(server.requests[0]?.headers['mex-chunk-range'], '1:1', 'range sent even for one chunk');
  t.equal(server.requests[0]?.headers['user-agent'], 'custom-agent/1.0');

  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x', contentType: 'text/plain' });
  t.equal(server.requests[1]?.headers['content-type'], 'text/plain', 'single chunk uses the real type');
  t.equal(server.requests[1]?.headers['mex-content-type'], undefined, 'not repeated when equal');

  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x', contentType: 'text/plain', mexContentType: 'application/fhir+json' });
  t.equal(server.requests[2]?.headers['mex-content-type'], 'application/fhir+json', 'explicit override wins');

  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x', encrypted: false, compressed: true });
  t.equal(server.requests[3]?.headers['mex-content-encrypted'], 'N');
  t.equal(server.requests[3]?.headers['mex-content-compressed'], 'Y');
});

t.test('compress gzips each chunk independently', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server);
  t.teardown(() => mesh.close());
  const input = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(50));
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: input, compress: true, chunkSize: 700 });
  const n = Math.ceil(input.length / 700);
  t.equal(server.requests.length, n);
  const plain: Buffer[] = [];
  for (const [i, req] of server.requests.entries()) {
    t.equal(req.headers['content-encoding'], 'gzip', `chunk ${i + 1} says gzip`);
    t.equal(req.body[0], 0x1f, `chunk ${i + 1} starts with the gzip magic`);
    t.equal(req.body[1], 0x8b);
    const expectedLength = Math.min(700, input.length - i * 700);
    const unzipped = gunzipSync(req.body);
    t.equal(unzipped.length, expectedLength, 'split before compressing');
    plain.push(unzipped);
  }
  t.ok(Buffer.concat(plain).equals(input), 'concatenated gunzipped chunks equal the input');
  t.ok(server.requests[0]!.size < 700, 'the repetitive payload actually shrank');
});

t.test('a 50 MiB file in 8 MiB chunks is streamed and arrives intact', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-client-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.dat');
  const size = 50 * 1024 * 1024;
  const sourceHash = createHash('sha256');
  const handle = await open(file, 'w');
  // Written in 1 MiB random blocks so no chunk boundary can hide a misplaced range.
  for (let written = 0; written < size; written += 1024 * 1024) {
    const block = randomBytes(1024 * 1024);
    sourceHash.update(block);
    await handle.write(block);
  }
  await handle.close();

  const server = await acceptingServer(t, { keepBodies: false });
  const received = createHash('sha256');
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  server.onData = (_req, piece) => {
    received.update(piece);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
  };
  const mesh = client(server);
  t.teardown(() => mesh.close());
  const id = await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath: file }, chunkSize: 8 * 1024 * 1024 });
  t.equal(id, MSG_ID);
  const sizes = server.requests.map((r) => r.size);
  t.same(sizes, [...Array(6).fill(8 * 1024 * 1024), 2 * 1024 * 1024]);
  t.equal(sizes.reduce((a, b) => a + b, 0), size);
  t.same(server.requests.map((r) => r.headers['mex-chunk-range']), ['1:7', '2:7', '3:7', '4:7', '5:7', '6:7', '7:7']);
  t.equal(received.digest('hex'), sourceHash.digest('hex'), 'every byte arrived in order');
  // Sampled mid-transfer while the server keeps nothing: a client holding the file would add 50 MiB.
  t.ok(peak < 40 * 1024 * 1024, `client did not hold the file in memory (peak +${Math.round(peak / 1048576)} MiB)`);
});

t.test('file bodies can be compressed too, and an empty file is one empty chunk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-client-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'small.txt');
  const content = Buffer.from('line\n'.repeat(1000));
  await writeFile(file, content);
  const empty = join(dir, 'empty.txt');
  await writeFile(empty, '');
  const server = await acceptingServer(t);
  const mesh = client(server);
  t.teardown(() => mesh.close());
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath: file }, compress: true, chunkSize: 1500 });
  t.equal(server.requests.length, 4);
  t.ok(Buffer.concat(server.requests.map((r) => gunzipSync(r.body))).equals(content));
  server.requests.length = 0;
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath: empty } });
  t.same(server.requests.map((r) => [r.size, r.headers['mex-chunk-range']]), [[0, '1:1']]);
  await t.rejects(mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath: dir } }), /not a regular file/);
  await t.rejects(mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath: join(dir, 'missing') } }), { code: 'ENOENT' });
});

t.test('every request gets a fresh, verifiable token with an increasing count', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server, { maxChunkSize: 2 });
  t.teardown(() => mesh.close());
  await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'abcdef' });
  const counts: number[] = [];
  for (const req of server.requests) {
    const [mailbox, nonce, count, ts, mac] = String(req.headers['authorization']).replace(/^NHSMESH /, '').split(':');
    t.equal(nonce, mesh.tokens.nonce);
    t.equal(mac, createHmac('sha256', CREDS.sharedKey).update(`${mailbox}:${nonce}:${count}:${CREDS.password}:${ts}`).digest('hex'));
    counts.push(Number(count));
  }
  t.same(counts, [0, 1, 2]);
});

t.test('apiVersion 1 sends Accept: application/json and reads messageID', async (t) => {
  const server = await acceptingServer(t, { v1: true });
  const mesh = client(server, { apiVersion: 1 });
  t.teardown(() => mesh.close());
  t.equal(await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x' }), MSG_ID);
  t.equal(server.requests[0]?.headers['accept'], 'application/json');
});

t.test('a failing later chunk raises MeshUploadError carrying the message ID and the server error', async (t) => {
  const server = await startFakeServer(t, (req, res) => {
    if (req.path.endsWith('/outbox')) json(res, 202, { message_id: MSG_ID });
    else if (req.path.endsWith('/2')) { res.writeHead(202); res.end(); }
    else json(res, 423, { message_id: MSG_ID, detail: [{ event: 'SEND', code: 'X', msg: 'Locked' }] });
  });
  const mesh = client(server, { maxChunkSize: 1 });
  t.teardown(() => mesh.close());
  const err = await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'abcd' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, MeshUploadError);
  const upload = err as MeshUploadError;
  t.equal(upload.messageId, MSG_ID);
  t.equal(upload.failedChunk, 3);
  t.equal(upload.totalChunks, 4);
  t.type(upload.cause, MeshApiError);
  t.equal((upload.cause as MeshApiError).status, 423);
  t.equal(server.requests.length, 3, 'stopped at the failure');
});

t.test('sendChunk posts one chunk to /outbox/{id}/{n}', async (t) => {
  const server = await acceptingServer(t);
  const mesh = client(server);
  t.teardown(() => mesh.close());
  await mesh.sendChunk(MSG_ID, 3, 5, Buffer.from('chunk-three'));
  await mesh.sendChunk(MSG_ID, 4, 5, 'chunk-four', { compress: true });
  await mesh.sendChunk(MSG_ID, 5, 5, Readable.from([Buffer.from('chunk-'), Buffer.from('five')]));
  const [three, four, five] = server.requests;
  t.equal(three?.url, `/messageexchange/X26ABC1/outbox/${MSG_ID}/3`);
  t.equal(three?.headers['mex-chunk-range'], '3:5');
  t.equal(three?.body.toString(), 'chunk-three');
  t.same(three && mexHeaderNames(three), ['mex-chunk-range']);
  t.equal(four?.headers['content-encoding'], 'gzip');
  t.equal(four && gunzipSync(four.body).toString(), 'chunk-four');
  t.equal(five?.body.toString(), 'chunk-five', 'a stream is piped through');
  t.equal(five?.headers['transfer-encoding'], 'chunked', 'unknown length goes chunked');
  await t.rejects(mesh.sendChunk(MSG_ID, 0, 5, 'x'), RangeError);
  t.equal(server.requests.length, 3, 'invalid arguments never reach the wire');
});

t.test('sendChunk can send a byte range of a file (end exclusive)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-client-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'f.txt');
  await writeFile(file, '0123456789');
  const server = await acceptingServer(t);
  const mesh = client(server);
  t.teardown(() => mesh.close());
  await mesh.sendChunk(MSG_ID, 2, 2, { filePath: file, start: 4, end: 8 });
  t.equal(server.requests[0]?.body.toString(), '4567');
  t.equal(server.requests[0]?.headers['content-length'], '4');
  await t.rejects(mesh.sendChunk(MSG_ID, 2, 2, { filePath: file, start: 8, end: 4 }), RangeError);
  t.equal(server.requests.length, 1);
});
