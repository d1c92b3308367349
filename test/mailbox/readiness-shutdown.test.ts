/**
 * /readyz (the metadata store, the object store and the transport, each probed with a bound) and
 * the graceful shutdown behind it: draining answers 503, an upload in flight finishes, and the
 * deadline cuts off what does not, saying what it cut.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { authFor, clientFor, raw, readAll, sha256, startTestMeshd, V2 } from '../helpers/meshd.js';

const PG_URL = process.env.MESH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A pino logger whose records land in `lines`. */
function capture(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({ write(line: Buffer, _e, done) { lines.push(JSON.parse(line.toString())); done(); } });
  return pino({ level: 'info' }, sink);
}

t.test('/readyz: ready when every dependency answers; /healthz touches none', async (t) => {
  const meshd = await startTestMeshd(t);
  const ready = await raw(meshd.url, 'GET', '/readyz');
  t.equal(ready.status, 200);
  t.same(ready.json(), { status: 'ready', checks: { metadata: 'ok', objects: 'ok', transport: 'ok' } });
  t.equal((await raw(meshd.url, 'GET', '/healthz')).status, 200);
});

t.test('/readyz: 503 naming the metadata store while PostgreSQL is cut, 200 once it is back', async (t) => {
  const schema = `readyz_${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const pgUrl = new URL(PG_URL);
  const proxy = await TcpProxy.start(t, { targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432) });
  const through = new URL(PG_URL);
  through.hostname = '127.0.0.1';
  through.port = String(proxy.port);
  through.searchParams.set('schema', schema);
  const lines: Array<Record<string, unknown>> = [];
  const meshd = await startTestMeshd(t, { config: { metadata: through.toString() }, logger: capture(lines) });
  t.equal((await raw(meshd.url, 'GET', '/readyz')).status, 200, 'ready on PostgreSQL');

  proxy.cut();
  const started = Date.now();
  const down = await raw(meshd.url, 'GET', '/readyz');
  t.ok(Date.now() - started < 3_000, `answered within the probe bound (${Date.now() - started} ms)`);
  t.equal(down.status, 503);
  const body = down.json();
  t.equal(body.status, 'not ready');
  t.not(body.checks.metadata, 'ok', `metadata failing: ${body.checks.metadata}`);
  t.match(body.checks, { objects: 'ok', transport: 'ok' }, 'the others still fine');
  t.match(body.reason, /^metadata: /, 'the reason names the metadata store');
  t.notMatch(body.reason, /\n/, 'one line');
  t.equal((await raw(meshd.url, 'GET', '/healthz')).status, 200, 'liveness does not depend on PostgreSQL');
  t.equal(lines.filter((l) => l.msg === 'not ready: metadata failing').length, 1, 'one log line for the change');
  await raw(meshd.url, 'GET', '/readyz');
  t.equal(lines.filter((l) => l.msg === 'not ready: metadata failing').length, 1, 'not one per probe');

  proxy.restore();
  let back = 0;
  for (let i = 0; i < 50 && back !== 200; i++) {
    back = (await raw(meshd.url, 'GET', '/readyz')).status;
    if (back !== 200) await sleep(100);
  }
  t.equal(back, 200, 'ready again without a restart');
  t.ok(lines.some((l) => l.msg === 'dependencies reachable again: ready'));
});

t.test('shutdown drains: /readyz 503 "shutting down" while still serving, then stops', async (t) => {
  const meshd = await startTestMeshd(t, { config: { shutdownDrainMs: 800 } });
  const closing = meshd.close();
  const during = await raw(meshd.url, 'GET', '/readyz');
  t.equal(during.status, 503);
  t.match(during.json(), { status: 'not ready', reason: 'shutting down', checks: { metadata: 'ok' } });
  t.equal((await raw(meshd.url, 'GET', '/healthz')).status, 200, 'still alive while draining');
  t.same(await closing, { forced: false });
  await t.rejects(raw(meshd.url, 'GET', '/healthz'), { code: 'ECONNREFUSED' }, 'no intake after close');
});

t.test('shutdown lets an upload in flight finish; new connections are refused meanwhile', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'meshd-drain-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const meshd = await startTestMeshd(t, { dataDir });
  const body = randomBytes(400_000);
  const upload = startUpload(meshd.url, body);
  await upload.firstHalfRead;
  const closing = meshd.close();
  await sleep(300);
  await t.rejects(raw(meshd.url, 'GET', '/healthz'), { code: 'ECONNREFUSED' }, 'the listener closed first');
  upload.finish();
  const res = await upload.response;
  t.equal(res.status, 202, 'the upload in flight was accepted');
  t.same(await closing, { forced: false }, 'stopped within the deadline');
  const id = JSON.parse(res.body).message_id as string;
  const successor = await startTestMeshd(t, { dataDir });
  const inbox = await clientFor(t, successor, 'MB2').listInbox();
  t.same(inbox.messages, [id], 'the accepted upload is in the inbox after a restart');
  t.equal(sha256(await readAll((await clientFor(t, successor, 'MB2').downloadMessage(id)).body)), sha256(body), 'intact');
});

t.test('shutdown deadline: a stalled upload is cut off, named in one log line, outcome forced', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const meshd = await startTestMeshd(t, { config: { shutdownTimeoutMs: 500 }, logger: capture(lines) });
  const upload = startUpload(meshd.url, randomBytes(400_000));
  await upload.firstHalfRead;
  const started = Date.now();
  const outcome = await meshd.close();
  t.same(outcome, { forced: true });
  t.ok(Date.now() - started < 3_500, `gave up in ${Date.now() - started} ms (deadline 500 ms + 2 s grace at most)`);
  const cut = lines.find((l) => String(l.msg).startsWith('shutdown deadline passed'));
  t.match(cut, { level: 50, stage: 'http requests', inFlightRequests: 1, requests: ['POST /messageexchange/MB1/outbox'] });
  await t.rejects(upload.response, 'the stalled client saw its connection cut');
  // Nothing was accepted for it.
  t.equal(lines.filter((l) => l.msg === 'meshd stopped').length, 0, 'not reported as a clean stop');
});

t.test('keep-alive connections do not hold shutdown open', async (t) => {
  const meshd = await startTestMeshd(t);
  const client = clientFor(t, meshd, 'MB1');
  await client.sendMessage({ to: 'MB2', workflowId: 'WF', body: 'hello' });
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  await new Promise<void>((resolve, reject) => http.get(`${meshd.url}/healthz`, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
  const started = Date.now();
  t.same(await meshd.close(), { forced: false });
  t.ok(Date.now() - started < 2_000, `closed in ${Date.now() - started} ms with idle keep-alive sockets open`);
});

/** POSTs `body` to MB1's outbox: the first half at once, the rest when finish() is called. */
function startUpload(baseUrl: string, body: Buffer): { firstHalfRead: Promise<void>; finish: () => void; response: Promise<{ status: number; body: string }> } {
  const req = http.request(`${baseUrl}/messageexchange/MB1/outbox`, {
    method: 'POST',
    headers: { authorization: authFor('MB1'), accept: V2, 'mex-from': 'MB1', 'mex-to': 'MB2', 'mex-workflowid': 'WF', 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  // Long enough for meshd to authenticate and start streaming the payload to the object store.
  const firstHalfRead = sleep(300);
  return { firstHalfRead, finish: () => req.end(body.subarray(half)), response };
}
