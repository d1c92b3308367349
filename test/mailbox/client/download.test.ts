import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { MeshApiError, MeshClient, parseChunkRange } from '../../../mailbox/client/index.js';
import { CREDS, startFakeServer, type RecordedRequest } from './fixtures/fake-mesh-server.js';
import type http from 'node:http';

const ID = '20200601122152994285_D59900';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of stream) parts.push(piece as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface ChunkPlan {
  data: Buffer;
  gzip: boolean;
}

/** Serves `plan` as message ID's chunks, with the status and headers MESH uses. */
function chunkServer(plan: ChunkPlan[], extra: (n: number) => http.OutgoingHttpHeaders = () => ({})) {
  return (req: RecordedRequest, res: http.ServerResponse): void => {
    const match = new RegExp(`^/messageexchange/X26ABC1/inbox/${ID}(?:/(\\d+))?$`).exec(req.path);
    const n = match ? Number(match[1] ?? '1') : 0;
    const chunk = plan[n - 1];
    if (!chunk) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: [{ event: 'RECEIVE', code: '20', msg: 'Message does not exist' }] }));
      return;
    }
    const gzip = chunk.gzip && String(req.headers['accept-encoding']).includes('gzip');
    const body = gzip ? gzipSync(chunk.data) : chunk.data;
    res.writeHead(n < plan.length ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      'mex-Chunk-Range': `${n}:${plan.length}`,
      'mex-MessageID': ID,
      'mex-From': 'X26ABC2',
      'mex-WorkflowID': 'WF',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...extra(n),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

t.test('parseChunkRange', async (t) => {
  t.same(parseChunkRange('2:3'), { chunk: 2, total: 3 });
  t.same(parseChunkRange(' 1 : 10 '), { chunk: 1, total: 10 });
  t.same(parseChunkRange('1:0'), { chunk: 1, total: 0 });
  t.equal(parseChunkRange(undefined), undefined);
  t.equal(parseChunkRange('1-3'), undefined);
});

t.test('downloadMessage reassembles 3 chunks served with mixed gzip and plain encodings', async (t) => {
  const plan: ChunkPlan[] = [
    { data: randomBytes(100_000), gzip: true },
    { data: randomBytes(70_001), gzip: false },
    { data: Buffer.from('tail '.repeat(3000)), gzip: true },
  ];
  const whole = Buffer.concat(plan.map((c) => c.data));
  const server = await startFakeServer(t, chunkServer(plan));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const download = await mesh.downloadMessage(ID);
  t.equal(download.totalChunks, 3);
  t.equal(download.headers['mex-messageid'], ID, 'header names are lower-case');
  t.equal(download.headers['mex-chunk-range'], '1:3');
  const received = await readAll(download.body);
  t.equal(received.length, whole.length);
  t.equal(sha(received), sha(whole));
  t.same(server.requests.map((r) => r.path), [
    `/messageexchange/X26ABC1/inbox/${ID}`,
    `/messageexchange/X26ABC1/inbox/${ID}/2`,
    `/messageexchange/X26ABC1/inbox/${ID}/3`,
  ]);
  for (const req of server.requests) {
    t.equal(req.headers['accept-encoding'], 'gzip');
    t.match(req.headers['authorization'], /^NHSMESH X26ABC1:/);
  }
  t.equal(new Set(server.requests.map((r) => r.headers['authorization'])).size, 3, 'a fresh token per chunk');
});

t.test('downloadChunk returns the raw body; decompress and acceptGzip change that', async (t) => {
  const data = Buffer.from('hello hello hello hello');
  const server = await startFakeServer(t, chunkServer([{ data, gzip: true }, { data, gzip: true }]));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());

  const raw = await mesh.downloadChunk(ID, 1);
  t.equal(raw.status, 206);
  t.equal(raw.headers['content-encoding'], 'gzip');
  const rawBytes = await readAll(raw.body);
  t.ok(rawBytes.equals(gzipSync(data)), 'bytes exactly as sent');

  const decoded = await mesh.downloadChunk(ID, 2, { decompress: true });
  t.equal(decoded.status, 200);
  t.ok((await readAll(decoded.body)).equals(data));
  t.equal(server.requests[1]?.path, `/messageexchange/X26ABC1/inbox/${ID}/2`);

  const plain = await mesh.downloadChunk(ID, 1, { acceptGzip: false });
  t.equal(server.requests[2]?.headers['accept-encoding'], 'identity');
  t.equal(plain.headers['content-encoding'], undefined);
  t.ok((await readAll(plain.body)).equals(data));

  await t.rejects(mesh.downloadChunk(ID, 0), RangeError);
});

t.test('downloadMessage with acceptGzip false asks for identity on every chunk', async (t) => {
  const plan = [{ data: Buffer.from('one'), gzip: true }, { data: Buffer.from('two'), gzip: true }];
  const server = await startFakeServer(t, chunkServer(plan));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const download = await mesh.downloadMessage(ID, { acceptGzip: false });
  t.equal((await readAll(download.body)).toString(), 'onetwo');
  t.same(server.requests.map((r) => r.headers['accept-encoding']), ['identity', 'identity']);
});

t.test('errors: chunk 1 rejects, a later chunk errors the stream, a wrong range is caught', async (t) => {
  const plan = [{ data: Buffer.from('first'), gzip: false }, { data: Buffer.from('second'), gzip: false }];
  let failChunk2 = false;
  const serve = chunkServer(plan, (n) => (n === 2 && !failChunk2 ? { 'mex-Chunk-Range': '1:2' } : {}));
  const server = await startFakeServer(t, (req, res) => {
    if (failChunk2 && req.path.endsWith('/2')) {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorEvent: 'GET', errorCode: '20', errorDescription: 'Gone' }));
      return;
    }
    serve(req, res);
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());

  const missing = await mesh.downloadMessage('NOPE_000000000000000000000').then(() => undefined, (e: unknown) => e);
  t.type(missing, MeshApiError);
  t.equal((missing as MeshApiError).status, 404);
  t.equal((missing as MeshApiError).code, '20');

  const wrongRange = await mesh.downloadMessage(ID);
  await t.rejects(readAll(wrongRange.body), /mex-Chunk-Range 1:2, expected 2:2/);

  failChunk2 = true;
  const gone = await mesh.downloadMessage(ID);
  const err = await readAll(gone.body).then(() => undefined, (e: unknown) => e);
  t.type(err, MeshApiError);
  t.equal((err as MeshApiError).status, 410);
  t.equal((err as MeshApiError).description, 'Gone');
});

t.test('a REPORT with mex-Chunk-Range 1:0 and an empty body downloads as nothing', async (t) => {
  const server = await startFakeServer(t, (_req, res) => {
    res.writeHead(200, { 'mex-Chunk-Range': '1:0', 'mex-MessageType': 'REPORT', 'mex-StatusCode': '14', 'content-length': 0 });
    res.end();
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const report = await mesh.downloadMessage(ID);
  t.equal(report.totalChunks, 0);
  t.equal(report.headers['mex-messagetype'], 'REPORT');
  t.equal((await readAll(report.body)).length, 0);
  t.equal(server.requests.length, 1, 'no further chunks requested');
});

t.test('a message without mex-Chunk-Range is one chunk; mex-Total-Chunks is the fallback', async (t) => {
  let total: string | undefined;
  const server = await startFakeServer(t, (_req, res) => {
    res.writeHead(200, total === undefined ? {} : { 'mex-Total-Chunks': total });
    res.end('only');
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const single = await mesh.downloadMessage(ID);
  t.equal(single.totalChunks, 1);
  t.equal((await readAll(single.body)).toString(), 'only');
  total = '1';
  t.equal((await mesh.downloadMessage(ID)).totalChunks, 1);
});

t.test('destroying the download stream early frees the connection', { timeout: 10_000 }, async (t) => {
  const plan = [{ data: randomBytes(1 << 20), gzip: false }, { data: randomBytes(10), gzip: false }];
  const server = await startFakeServer(t, chunkServer(plan));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS, maxSockets: 1 });
  t.teardown(() => mesh.close());
  const download = await mesh.downloadMessage(ID);
  download.body.destroy();
  // With one socket allowed, this only completes if the abandoned download released it.
  const again = await mesh.downloadMessage(ID);
  t.equal((await readAll(again.body)).length, (1 << 20) + 10);
});

t.test('headMessage sends HEAD to /inbox/{id} and returns the headers', async (t) => {
  const server = await startFakeServer(t, chunkServer([{ data: Buffer.from('abc'), gzip: false }]));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const headers = await mesh.headMessage(ID);
  t.equal(server.requests[0]?.method, 'HEAD');
  t.equal(server.requests[0]?.path, `/messageexchange/X26ABC1/inbox/${ID}`);
  t.equal(headers['mex-from'], 'X26ABC2');
  t.equal(headers['mex-chunk-range'], '1:1');
  await t.rejects(mesh.headMessage('UNKNOWN_0000000000000000000'), { name: 'MeshApiError', status: 404 });
});
