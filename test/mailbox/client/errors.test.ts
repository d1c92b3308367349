import t from 'tap';
import {
  MeshApiError,
  MeshClient,
  MeshError,
  bodyLooksLikeMeshError,
  extractMeshErrorDetails,
} from '../../../mailbox/client/index.js';
import { CREDS, json, startFakeServer } from './fixtures/fake-mesh-server.js';

t.test('extractMeshErrorDetails reads v1, v2, validation and generic bodies', async (t) => {
  t.same(
    extractMeshErrorDetails({ messageID: 'M1', errorEvent: 'SEND', errorCode: '12', errorDescription: 'Unregistered to address' }),
    { messageId: 'M1', code: '12', event: 'SEND', description: 'Unregistered to address' },
    'v1',
  );
  t.same(
    extractMeshErrorDetails({ message_id: 'M2', internal_id: 'x', detail: [{ event: 'TRANSFER', code: '06', msg: 'MalformedControlFile' }] }),
    { messageId: 'M2', code: '06', event: 'TRANSFER', description: 'MalformedControlFile' },
    'v2',
  );
  t.same(
    extractMeshErrorDetails({ detail: [{ loc: ['header', 'mex-to'], msg: 'field required', type: 'value_error.missing' }] }),
    { description: 'field required' },
    'validation error has no MESH code',
  );
  t.same(extractMeshErrorDetails({ detail: 'Not Found' }), { description: 'Not Found' }, 'FastAPI string detail');
  t.same(extractMeshErrorDetails({ errorEvent: 'TRANSFER', errorCode: 6 }), { code: '6', event: 'TRANSFER' }, 'numbers become strings');
  t.same(extractMeshErrorDetails({ statusCode: 400, error: 'Bad Request', message: 'bad' }), { description: 'bad' });
  t.same(extractMeshErrorDetails({ detail: [] }), {});
  t.same(extractMeshErrorDetails('plain text'), {});
  t.same(extractMeshErrorDetails(undefined), {});
});

t.test('bodyLooksLikeMeshError mirrors the Python client check', async (t) => {
  t.ok(bodyLooksLikeMeshError({ errorDescription: 'x' }));
  t.ok(bodyLooksLikeMeshError({ detail: [] }));
  t.notOk(bodyLooksLikeMeshError({ message_id: 'x' }));
  t.notOk(bodyLooksLikeMeshError(['detail']));
  t.notOk(bodyLooksLikeMeshError(null));
});

t.test('MeshApiError message names the request, status and MESH fields', async (t) => {
  const err = new MeshApiError({ status: 417, method: 'POST', path: '/p', headers: {}, code: '12', event: 'SEND', description: 'Unregistered' });
  t.equal(err.message, 'MESH POST /p failed with HTTP 417: SEND/12 Unregistered');
  t.equal(err.name, 'MeshApiError');
  t.type(err, MeshError);
  t.equal(new MeshApiError({ status: 403, method: 'GET', path: '/q', headers: {} }).message, 'MESH GET /q failed with HTTP 403');
});

t.test('send failures become MeshApiError with the MESH fields, for v1 and v2 bodies', async (t) => {
  const replies: Array<[number, unknown]> = [
    [417, { messageID: 'X1', errorEvent: 'SEND', errorCode: '12', errorDescription: 'Unregistered to address' }],
    [400, { message_id: 'X2', detail: [{ event: 'TRANSFER', code: '06', msg: 'MalformedControlFile' }] }],
    [417, { errorEvent: 'COLLECT', errorCode: '02', errorDescription: 'Data file is missing or inaccessible' }],
    // A 2xx carrying an error body is still an error, as in the Python client.
    [202, { errorEvent: 'SEND', errorCode: '17', errorDescription: 'Workflow ID not registered' }],
    [200, { detail: [{ event: 'SEND', code: 'EPL-151', msg: 'No mailbox matched' }] }],
  ];
  const server = await startFakeServer(t, (_req, res) => {
    const [status, body] = replies[server.requests.length - 1]!;
    json(res, status, body);
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const expected = [
    { status: 417, code: '12', event: 'SEND', description: 'Unregistered to address', messageId: 'X1' },
    { status: 400, code: '06', event: 'TRANSFER', description: 'MalformedControlFile', messageId: 'X2' },
    { status: 417, code: '02', event: 'COLLECT', description: 'Data file is missing or inaccessible', messageId: undefined },
    { status: 202, code: '17', event: 'SEND', description: 'Workflow ID not registered', messageId: undefined },
    { status: 200, code: 'EPL-151', event: 'SEND', description: 'No mailbox matched', messageId: undefined },
  ];
  for (const want of expected) {
    const err = await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x' }).then(() => undefined, (e: unknown) => e);
    t.type(err, MeshApiError);
    const api = err as MeshApiError;
    t.same(
      { status: api.status, code: api.code, event: api.event, description: api.description, messageId: api.messageId },
      want,
    );
    t.equal(api.method, 'POST');
    t.equal(api.path, '/messageexchange/X26ABC1/outbox');
    t.type(api.body, 'object', 'parsed JSON kept');
  }
  t.equal(server.requests.length, 5);
});

t.test('bare and non-JSON error bodies still give a MeshApiError', async (t) => {
  const server = await startFakeServer(t, (req, res) => {
    if (req.path.endsWith('/count')) {
      res.writeHead(403);
      res.end();
    } else {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>boom</html>');
    }
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const denied = await mesh.count().then(() => undefined, (e: unknown) => e);
  t.type(denied, MeshApiError);
  t.equal((denied as MeshApiError).status, 403);
  t.equal((denied as MeshApiError).body, undefined);
  const boom = await mesh.handshake().then(() => undefined, (e: unknown) => e);
  t.equal((boom as MeshApiError).status, 500);
  t.equal((boom as MeshApiError).body, '<html>boom</html>', 'raw text kept when not JSON');
  t.equal((boom as MeshApiError).headers['content-type'], 'text/html');
});

t.test('a send response without a message ID is a protocol error', async (t) => {
  const server = await startFakeServer(t, (_req, res) => json(res, 202, { something: 'else' }));
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  await t.rejects(mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: 'x' }), { name: 'MeshError', message: /no message_id/ });
});

t.test('an early error response during a large upload wins over the broken pipe', async (t) => {
  // Answer as soon as the headers arrive, without reading the body, like a server rejecting a bad recipient.
  const http = await import('node:http');
  const early = http.createServer((req, res) => {
    res.writeHead(417, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ errorEvent: 'SEND', errorCode: '12', errorDescription: 'Unregistered to address' }));
    // Never read the body: the client's remaining writes hit a closed socket.
    res.on('finish', () => req.socket.destroy());
  });
  await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { early.closeAllConnections(); early.close(() => resolve()); }));
  const port = (early.address() as { port: number }).port;
  const mesh = new MeshClient({ baseUrl: `http://127.0.0.1:${port}`, ...CREDS });
  t.teardown(() => mesh.close());
  const err = await mesh.sendMessage({ to: 'NOBODY', workflowId: 'WF', body: Buffer.alloc(8 * 1024 * 1024) }).then(() => undefined, (e: unknown) => e);
  t.type(err, MeshApiError);
  t.equal((err as MeshApiError).code, '12');
});

t.test('timeouts and refused connections reject instead of hanging', async (t) => {
  const server = await startFakeServer(t, () => undefined);
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS, timeoutMs: 200 });
  t.teardown(() => mesh.close());
  await t.rejects(mesh.count(), /timed out after 200 ms/);
  await server.close();
  const refused = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => refused.close());
  await t.rejects(refused.count(), { code: 'ECONNREFUSED' });
});

t.test('constructor validation', async (t) => {
  t.throws(() => new MeshClient({ baseUrl: 'ftp://host', ...CREDS }), MeshError);
  t.throws(() => new MeshClient({ baseUrl: 'http://h', ...CREDS, maxChunkSize: 0 }), RangeError);
});
