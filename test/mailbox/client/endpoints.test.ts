import t from 'tap';
import { MeshApiError, MeshClient } from '../../../mailbox/client/index.js';
import { CREDS, json, startFakeServer, type FakeServer } from './fixtures/fake-mesh-server.js';

const ID = '20200601122152994285_D59900';

/** Answers each known path with a canned v2 body, everything else 404. */
async function cannedServer(t: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  return startFakeServer(t, (req, res) => {
    const p = req.path;
    if (p === '/messageexchange/_ping') return json(res, 200, { status: 'running', outcome: 'Yes' });
    if (p === '/messageexchange/X26ABC1' && req.method === 'POST') {
      res.writeHead(200);
      res.end();
      return;
    }
    if (p === '/messageexchange/X26ABC1/count') return json(res, 200, { count: 7 });
    if (p === `/messageexchange/X26ABC1/inbox/${ID}/status/acknowledged`) {
      res.writeHead(200);
      res.end();
      return;
    }
    if (p === '/messageexchange/X26ABC1/outbox/tracking') {
      return json(res, 200, { message_id: req.query.get('messageID'), status: 'accepted' });
    }
    if (p.startsWith('/messageexchange/X26ABC1/outbox/tracking/')) {
      const localId = decodeURIComponent(p.split('/').pop() ?? '');
      return json(res, 200, { messageId: ID, localId, status: 'Accepted' });
    }
    if (p.startsWith('/messageexchange/endpointlookup/')) {
      return json(res, 200, { results: [{ mailbox_id: 'X26ABC2', mailbox_name: 'Two' }] });
    }
    if (p.startsWith('/messageexchange/workflowsearch/')) {
      return json(res, 200, { results: [{ mailbox_id: 'X26ABC3', mailbox_name: 'Three' }] });
    }
    return json(res, 404, { detail: [{ event: 'X', code: '404', msg: `no route ${req.method} ${p}` }] });
  });
}

t.test('acknowledge, tracking and lookup hit the right method and path', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());

  await mesh.acknowledge(ID);
  const tracked = await mesh.trackMessage(ID);
  const byLocal = await mesh.trackByLocalId('my local/id');
  const lookup = await mesh.lookupEndpoint('X26', 'SPINE_GP_TO_GP');
  const search = await mesh.workflowSearch('WF ACK');

  t.same(
    server.requests.map((r) => `${r.method} ${r.url}`),
    [
      `PUT /messageexchange/X26ABC1/inbox/${ID}/status/acknowledged`,
      `GET /messageexchange/X26ABC1/outbox/tracking?messageID=${ID}`,
      'GET /messageexchange/X26ABC1/outbox/tracking/my%20local%2Fid',
      'GET /messageexchange/endpointlookup/X26/SPINE_GP_TO_GP',
      'GET /messageexchange/workflowsearch/WF%20ACK',
    ],
  );
  t.equal(server.requests[0]?.headers['content-length'], '0', 'PUT without a body says so');
  t.same(tracked, { message_id: ID, status: 'accepted' });
  t.equal(byLocal['localId'], 'my local/id', 'local ID round-trips through the encoded path');
  t.same(lookup.results, [{ mailbox_id: 'X26ABC2', mailbox_name: 'Two' }]);
  t.same(search.results, [{ mailbox_id: 'X26ABC3', mailbox_name: 'Three' }]);
  for (const req of server.requests) {
    t.equal(req.headers['accept'], 'application/vnd.mesh.v2+json');
    t.equal(req.headers['accept-encoding'], 'gzip');
    t.ok(req.headers['user-agent'], 'User-Agent present');
  }
});

t.test('acknowledge of an unknown message rejects with 404', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  await t.rejects(mesh.acknowledge('UNKNOWN_00000000000000000000'), { name: 'MeshApiError', status: 404 });
});

t.test('ping sends no token; handshake sends the telemetry headers', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  t.same(await mesh.ping(), { status: 'running', outcome: 'Yes' });
  await mesh.handshake();
  const [ping, handshake] = server.requests;
  t.equal(ping?.method, 'GET');
  t.equal(ping?.headers['authorization'], undefined);
  t.equal(handshake?.method, 'POST');
  t.equal(handshake?.path, '/messageexchange/X26ABC1');
  t.match(handshake?.headers['authorization'], /^NHSMESH X26ABC1:[0-9a-f-]{36}:0:\d{12}:[0-9a-f]{64}$/, 'first token has count 0');
  t.match(handshake?.headers['mex-clientversion'], /^mesh-broker-client==\d+\.\d+\.\d+$/);
  t.ok(handshake?.headers['mex-osname'], 'mex-OSName');
  t.ok(handshake?.headers['mex-osversion'], 'mex-OSVersion');
  t.ok(handshake?.headers['mex-osarchitecture'], 'mex-OSArchitecture');
  t.equal(handshake?.headers['mex-javaversion'], 'N/A');
  t.equal(handshake?.headers['content-length'], '0');
});

t.test('count reads the count field', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  t.equal(await mesh.count(), 7);
  t.equal(server.requests[0]?.path, '/messageexchange/X26ABC1/count');
});

t.test('keep-alive reuses one connection; close() drops it', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  for (let i = 0; i < 5; i += 1) await mesh.count();
  t.equal(new Set(server.requests.map((r) => r.remotePort)).size, 1, 'five requests, one socket');
  mesh.close();
  const fresh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS, keepAlive: false });
  t.teardown(() => fresh.close());
  await fresh.count();
  await fresh.count();
  t.equal(new Set(server.requests.slice(5).map((r) => r.remotePort)).size, 2, 'keepAlive false opens a socket per request');
});

t.test('request() is a raw escape hatch that keeps the standard headers', async (t) => {
  const server = await cannedServer(t);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const res = await mesh.request({ method: 'GET', path: '/messageexchange/X26ABC1/nowhere', headers: { 'x-probe': '1' } });
  t.equal(res.status, 404, 'no rejection for non-2xx');
  res.body.resume();
  t.equal(server.requests[0]?.headers['x-probe'], '1');
  t.match(server.requests[0]?.headers['authorization'], /^NHSMESH /);
  const anonymous = await mesh.request({ method: 'GET', path: '/messageexchange/_ping', auth: false });
  anonymous.body.resume();
  t.equal(server.requests[1]?.headers['authorization'], undefined);
  await t.rejects(mesh.request({ method: 'GET', path: '/x', headers: { 'mex-Subject': 'bad\nvalue' } }), { code: 'ERR_INVALID_CHAR' });
});

t.test('non-object JSON where an object is expected is rejected', async (t) => {
  const server = await startFakeServer(t, (_req, res) => json(res, 200, ['not', 'an', 'object']));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  await t.rejects(mesh.trackMessage(ID), { name: 'MeshError', message: /expected a JSON object/ });
  await t.rejects(mesh.count(), { name: 'MeshError' });
  const err = await mesh.count().then(() => undefined, (e: unknown) => e);
  t.notOk(err instanceof MeshApiError, 'a malformed success is not an API error');
});
