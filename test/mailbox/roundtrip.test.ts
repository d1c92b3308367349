import { randomBytes, randomInt } from 'node:crypto';
import t from 'tap';
import { clientFor, readAll, sha256, startTestMeshd } from '../helpers/meshd.js';

t.test('round trips of random sizes, chunk counts and gzip on/off keep every byte', async (t) => {
  const meshd = await startTestMeshd(t, { config: { limits: { maxRequestBytes: 100 * 1024 * 1024, maxChunks: 10_000, inlineChunkBytes: 4096, inboxMaxResultsDefault: 500 } } });
  const sender = clientFor(t, meshd, 'MB1');
  const recipient = clientFor(t, meshd, 'MB2');
  const cases: Array<{ size: number; chunkSize: number; compress: boolean }> = [
    { size: 1, chunkSize: 1024, compress: false },
    { size: 7, chunkSize: 1, compress: false }, // 1-byte chunks
    { size: 5, chunkSize: 1, compress: true },
    { size: 4096, chunkSize: 4096, compress: false }, // exactly the inline threshold
    { size: 4097, chunkSize: 100_000, compress: true }, // just over it: object store
    { size: 300_000, chunkSize: 65_536, compress: false }, // exact multiple + remainder
    { size: 262_144, chunkSize: 65_536, compress: true }, // exact multiple
  ];
  for (let i = 0; i < 8; i++) cases.push({ size: randomInt(1, 2_000_000), chunkSize: randomInt(1000, 600_000), compress: randomInt(2) === 1 });
  for (const c of cases) {
    const data = randomBytes(c.size);
    const id = await sender.sendMessage({ to: 'MB2', workflowId: 'RT', body: data, chunkSize: c.chunkSize, compress: c.compress, fileName: 'data.bin' });
    const chunks = Math.ceil(c.size / c.chunkSize);
    const got = await recipient.downloadMessage(id);
    const bytes = await readAll(got.body);
    t.equal(sha256(bytes), sha256(data), `size ${c.size}, ${chunks} chunks, gzip ${c.compress}`);
    t.equal(got.totalChunks, chunks, 'chunk count');
    await recipient.acknowledge(id);
  }
  t.same((await recipient.listInbox()).messages, [], 'everything acknowledged');
});

t.test('download without gzip support gets stored gzip decompressed', async (t) => {
  const meshd = await startTestMeshd(t);
  const sender = clientFor(t, meshd, 'MB1');
  const recipient = clientFor(t, meshd, 'MB2');
  const data = Buffer.from('compressible '.repeat(10_000));
  const id = await sender.sendMessage({ to: 'MB2', workflowId: 'GZ', body: data, compress: true });
  const raw = await recipient.downloadChunk(id, 1, { acceptGzip: false, decompress: false });
  t.notOk(raw.headers['content-encoding'], 'no Content-Encoding when the client does not accept gzip');
  t.equal(sha256(await readAll(raw.body)), sha256(data), 'server decompressed');
  const gz = await recipient.downloadChunk(id, 1, { acceptGzip: true, decompress: false });
  t.equal(gz.headers['content-encoding'], 'gzip');
  const stored = await readAll(gz.body);
  t.ok(stored.length < data.length / 10, 'gzip bytes as stored');
  t.equal(gz.headers['mex-content-compressed'], 'Y');
});
