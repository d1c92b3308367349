import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { TEST_CLIENT_CN, makeTestPki } from './tls-certs.js';
import type { TestPki } from './tls-certs.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';

const dir = await mkdtemp(join(tmpdir(), 'mesh-pki-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const started = Date.now();
const pki: TestPki = await makeTestPki(dir);
t.comment(`makeTestPki took ${Date.now() - started} ms`);

const cert = async (path: string) => new X509Certificate(await readFile(path));

t.test('the server certificate is issued by the CA for localhost', async (t) => {
  const ca = await cert(pki.caCert);
  const server = await cert(pki.serverCert);
  t.ok(ca.ca, 'CA certificate is marked as a CA');
  t.ok(server.checkIssued(ca), 'issued by the CA');
  t.ok(server.verify(ca.publicKey), 'signature verifies with the CA key');
  t.notOk(server.ca, 'server certificate is not a CA');
  t.match(server.subject, /CN=localhost/);
  t.match(server.subjectAltName ?? '', /DNS:localhost/);
  t.match(server.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  t.equal(server.checkHost('localhost'), 'localhost', 'valid for the name localhost');
  t.equal(server.checkIP('127.0.0.1'), '127.0.0.1', 'valid for the address 127.0.0.1');
  t.ok(server.keyUsage?.includes(SERVER_AUTH_OID), 'extended key usage serverAuth');
  t.ok(server.checkPrivateKey(createPrivateKey(await readFile(pki.serverKey))), 'key matches cert');
});

t.test('the client certificate verifies against the CA and carries the MESH CN', async (t) => {
  const ca = await cert(pki.caCert);
  const client = await cert(pki.clientCert);
  t.ok(client.checkIssued(ca), 'issued by the CA');
  t.ok(client.verify(ca.publicKey), 'signature verifies with the CA key');
  t.match(client.subject, new RegExp(`CN=${TEST_CLIENT_CN.replace(/\./g, '\\.')}`));
  t.ok(client.keyUsage?.includes(CLIENT_AUTH_OID), 'extended key usage clientAuth');
  t.ok(client.checkPrivateKey(createPrivateKey(await readFile(pki.clientKey))), 'key matches cert');
  const now = Date.now();
  t.ok(Date.parse(client.validFrom) <= now && now < Date.parse(client.validTo), 'valid now');
});

t.test('the other client certificate does not verify against the CA', async (t) => {
  const ca = await cert(pki.caCert);
  const otherCa = await cert(pki.otherCaCert);
  const other = await cert(pki.otherClientCert);
  t.notOk(other.checkIssued(ca), 'not issued by the CA');
  t.notOk(other.verify(ca.publicKey), 'signature does not verify with the CA key');
  t.ok(other.checkIssued(otherCa), 'issued by the other CA');
  t.ok(other.verify(otherCa.publicKey), 'signature verifies with the other CA key');
  t.not(ca.fingerprint256, otherCa.fingerprint256, 'the two CAs are distinct');
});

/** Outcome of one client connection to a server that requires a CA-signed client certificate. */
interface Attempt {
  serverSawPeerCn: string | undefined;
  /** Why the server's certificate check failed, when it lets unauthorized peers connect. */
  authorizationError: string | undefined;
  serverError: string | undefined;
  clientError: string | undefined;
}

/** Connects with the given client certificate to a mutual-TLS server trusting only pki.caCert. */
async function attempt(certPath: string, keyPath: string, rejectUnauthorized: boolean): Promise<Attempt> {
  const server = createServer({
    cert: await readFile(pki.serverCert),
    key: await readFile(pki.serverKey),
    ca: await readFile(pki.caCert),
    requestCert: true,
    rejectUnauthorized,
  });
  const result: Attempt = {
    serverSawPeerCn: undefined,
    authorizationError: undefined,
    serverError: undefined,
    clientError: undefined,
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized) result.serverSawPeerCn = socket.getPeerX509Certificate()?.subject.replace(/^CN=/, '');
    else result.authorizationError = String(socket.authorizationError);
    socket.end('hello');
  });
  server.on('tlsClientError', (err) => {
    result.serverError = err.message;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'localhost',
      ca: await readFile(pki.caCert),
      cert: await readFile(certPath),
      key: await readFile(keyPath),
    });
    socket.on('error', (err) => {
      result.clientError = err.message;
    });
    // In TLS 1.3 the client may finish its side before the server refuses it; wait for the close.
    socket.resume();
    await new Promise((resolve) => socket.on('close', resolve));
    return result;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

t.test('a TLS server trusting the CA accepts the client and refuses the other', async (t) => {
  const good = await attempt(pki.clientCert, pki.clientKey, true);
  t.equal(good.serverSawPeerCn, TEST_CLIENT_CN, 'server authenticated the client by its CN');
  t.equal(good.serverError, undefined, 'no handshake error on the server');
  t.equal(good.clientError, undefined, 'client trusted the server certificate for localhost');

  const bad = await attempt(pki.otherClientCert, pki.otherClientKey, true);
  t.equal(bad.serverSawPeerCn, undefined, 'server never accepted the other client');
  // Node completes the handshake and then destroys the socket, so the error is a hang-up, not a reason.
  t.type(bad.serverError, 'string', `server dropped it: ${bad.serverError}`);
});

t.test('a server that inspects the client certificate sees why the other one fails', async (t) => {
  const good = await attempt(pki.clientCert, pki.clientKey, false);
  t.equal(good.serverSawPeerCn, TEST_CLIENT_CN, 'trusted client is authorized');
  t.equal(good.authorizationError, undefined);
  const bad = await attempt(pki.otherClientCert, pki.otherClientKey, false);
  t.equal(bad.serverSawPeerCn, undefined, 'other client is not authorized');
  t.match(bad.authorizationError, /UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE/, 'unknown issuer');
});
