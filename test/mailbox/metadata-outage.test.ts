import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import type { FsObjectStore } from '../../broker/objects/fs-object-store.js';
import { freshSchema, metadataUrl, PG_URL } from '../helpers/postgres.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { authFor, clientFor, raw, readAll, sha256, startTestMeshd, V2 } from '../helpers/meshd.js';

/** Every file under `dir`, recursively (the object store's payload files). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

// PostgreSQL unreachable (the network to it cut): the API answers 503 with a retry hint, leaves
// nothing behind, logs the outage clearly, and recovers by itself once the database is back.
t.test('metadata store outage: 503, nothing half-written, recovery without a restart', async (t) => {
  const schema = freshSchema(t, 'outage');
  const pgUrl = new URL(PG_URL);
  const proxy = await TcpProxy.start(t, { targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432) });
  const through = new URL(metadataUrl(schema));
  through.hostname = '127.0.0.1';
  through.port = String(proxy.port);

  const logLines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(line: Buffer, _e, done) { logLines.push(JSON.parse(line.toString())); done(); } });
  const meshd = await startTestMeshd(t, { config: { metadata: through.toString() }, logger: pino({ level: 'info' }, sink) });
  const sender = clientFor(t, meshd, 'MB1');
  const recipient = clientFor(t, meshd, 'MB2');
  const before = await sender.sendMessage({ to: 'MB2', workflowId: 'WF', body: 'before the outage' });

  // Cut the database mid-upload: authentication has passed and the payload is streaming to the
  // object store when the commit that would make it a message fails.
  const big = randomBytes(300_000); // past the inline limit, so it goes to the object store
  const send = await streamedSend(meshd.url, big, () => proxy.cut());
  t.equal(send.status, 503, 'a send whose commit fails is refused as unavailable');
  t.equal(send.headers['retry-after'], '2', 'with a retry hint');
  t.match(JSON.parse(send.body), { detail: [{ event: 'SERVICE', code: '503' }] });
  const inbox = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.equal(inbox.status, 503, 'reads are refused as unavailable too');
  t.same(await filesUnder(join((meshd.objects as FsObjectStore).rootDir, 'objects')), [], 'the refused payload was removed from the object store');
  const outageLog = logLines.filter((l) => l.msg === 'metadata store unavailable');
  t.ok(outageLog.length >= 2, 'each refused request logs one line naming the store');
  t.match(outageLog[0], { level: 50, dependency: 'metadata store', url: '/messageexchange/MB1/outbox' });

  proxy.restore();
  const after = await sender.sendMessage({ to: 'MB2', workflowId: 'WF', body: big });
  const listed = (await recipient.listInbox()).messages;
  t.same(listed.sort(), [before, after].sort(), 'the inbox holds exactly the accepted messages');
  t.equal(sha256(await readAll((await recipient.downloadMessage(after)).body)), sha256(big), 'the store is usable again without a restart');
});


/**
 * POSTs `body` to MB1's outbox in two halves, calling `between` once the first half has been
 * read by meshd (so the request is past authentication), then sending the rest.
 */
function streamedSend(baseUrl: string, body: Buffer, between: () => void): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}/messageexchange/MB1/outbox`, {
      method: 'POST',
      headers: { authorization: authFor('MB1'), accept: V2, 'mex-from': 'MB1', 'mex-to': 'MB2', 'mex-workflowid': 'WF', 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    setTimeout(() => {
      between();
      req.end(body.subarray(half));
    }, 300);
  });
}
