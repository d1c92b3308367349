/**
 * meshd over HTTPS: mutual TLS (client certificate required), optional client certificates,
 * server-only TLS verified by a private CA, and refusal of TLS versions below 1.2.
 * Every case runs a real meshd (startMeshd via startTestMeshd) with a throwaway PKI.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import t, { type Test } from 'tap';
import type { TlsConfig } from '../../broker/config/config.js';
import type { MeshClient } from '../../mailbox/client/index.js';
import type { RunningMeshd } from '../../mailbox/server/meshd.js';
import { clientFor, readAll, sha256, startTestMeshd } from '../helpers/meshd.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certs.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasOpenssl() ? false : 'openssl not installed (needed to make the test PKI)';

/** PEM contents of the test PKI, as MeshClient and tls.connect take them. */
interface Pem {
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  otherCa: Buffer;
  otherClientCert: Buffer;
  otherClientKey: Buffer;
}

async function makePki(t: Test): Promise<{ pki: TestPki; pem: Pem }> {
  const dir = await mkdtemp(join(tmpdir(), 'meshd-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await makeTestPki(dir);
  const [ca, clientCert, clientKey, otherCa, otherClientCert, otherClientKey] = await Promise.all(
    [pki.caCert, pki.clientCert, pki.clientKey, pki.otherCaCert, pki.otherClientCert, pki.otherClientKey].map((f) => readFile(f)),
  );
  return { pki, pem: { ca: ca!, clientCert: clientCert!, clientKey: clientKey!, otherCa: otherCa!, otherClientCert: otherClientCert!, otherClientKey: otherClientKey! } };
}

function tlsConfig(pki: TestPki, ca: boolean, requireClientCert: boolean): TlsConfig {
  return { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: ca ? pki.caCert : null, requireClientCert };
}

/** Sends `payload` from `sender` to MB2 and downloads it with `recipient`; returns the downloaded bytes. */
async function roundTrip(sender: MeshClient, recipient: MeshClient, payload: Buffer): Promise<Buffer> {
  await sender.handshake();
  await recipient.handshake();
  const messageId = await sender.sendMessage({ to: 'MB2', workflowId: 'TLS_TEST', body: payload, fileName: 'tls.bin' });
  const inbox = await recipient.listInbox();
  if (!inbox.messages.includes(messageId)) throw new Error(`message ${messageId} not in MB2's inbox: ${inbox.messages.join(',')}`);
  const download = await recipient.downloadMessage(messageId);
  const body = await readAll(download.body);
  await recipient.acknowledge(messageId);
  return body;
}

/** MB2's inbox as seen by the server itself, bypassing TLS. */
async function serverSideInbox(meshd: RunningMeshd, t: Test, pem: Pem): Promise<string[]> {
  const client = clientFor(t, meshd, 'MB2', { tls: { cert: pem.clientCert, key: pem.clientKey, ca: pem.ca } });
  return (await client.listInbox()).messages;
}

t.test('mutual TLS: client certificate required', { skip }, async (t) => {
  const { pki, pem } = await makePki(t);
  const meshd = await startTestMeshd(t, { config: { tls: tlsConfig(pki, true, true) } });
  t.match(meshd.url, /^https:\/\/127\.0\.0\.1:\d+$/, 'meshd reports an https URL');

  await t.test('clients with a certificate from the trusted CA send and download', async (t) => {
    const withCert = { cert: pem.clientCert, key: pem.clientKey, ca: pem.ca };
    const sender = clientFor(t, meshd, 'MB1', { tls: withCert });
    const recipient = clientFor(t, meshd, 'MB2', { tls: withCert });
    const payload = randomBytes(200_000);
    const got = await roundTrip(sender, recipient, payload);
    t.equal(got.length, payload.length, 'same length');
    t.equal(sha256(got), sha256(payload), 'SHA-256 of the download equals the upload');
  });

  await t.test('a client without a certificate cannot connect', async (t) => {
    const before = await serverSideInbox(meshd, t, pem);
    const noCert = clientFor(t, meshd, 'MB1', { tls: { ca: pem.ca } });
    await t.rejects(noCert.handshake(), 'handshake refused');
    await t.rejects(noCert.sendMessage({ to: 'MB2', workflowId: 'TLS_TEST', body: 'no cert' }), 'send refused');
    t.same(await serverSideInbox(meshd, t, pem), before, 'nothing reached MB2');
  });

  await t.test('a client with a certificate from another CA cannot connect', async (t) => {
    const before = await serverSideInbox(meshd, t, pem);
    const otherCert = clientFor(t, meshd, 'MB1', { tls: { cert: pem.otherClientCert, key: pem.otherClientKey, ca: pem.ca } });
    await t.rejects(otherCert.handshake(), 'handshake refused');
    await t.rejects(otherCert.sendMessage({ to: 'MB2', workflowId: 'TLS_TEST', body: 'wrong CA' }), 'send refused');
    t.same(await serverSideInbox(meshd, t, pem), before, 'nothing reached MB2');
  });

  await t.test('at TLS level: no certificate or a foreign one is refused, the trusted one accepted', async (t) => {
    const { port } = new URL(meshd.url);
    const base = { host: '127.0.0.1', port: Number(port), ca: pem.ca, servername: 'localhost' };
    t.match(await tlsProbe({ ...base, cert: pem.clientCert, key: pem.clientKey }), /^ok:/, 'trusted client certificate');
    t.match(await tlsProbe(base), /^error:/, 'no client certificate');
    t.match(await tlsProbe({ ...base, cert: pem.otherClientCert, key: pem.otherClientKey }), /^error:/, 'certificate from another CA');
  });
});

t.test('TLS with a CA but client certificates optional', { skip }, async (t) => {
  const { pki, pem } = await makePki(t);
  const meshd = await startTestMeshd(t, { config: { tls: tlsConfig(pki, true, false) } });

  const sender = clientFor(t, meshd, 'MB1', { tls: { ca: pem.ca } });
  const recipient = clientFor(t, meshd, 'MB2', { tls: { cert: pem.clientCert, key: pem.clientKey, ca: pem.ca } });
  const payload = randomBytes(10_000);
  const got = await roundTrip(sender, recipient, payload);
  t.equal(sha256(got), sha256(payload), 'a client without a certificate sends; one with a certificate downloads');
  const foreign = clientFor(t, meshd, 'MB1', { tls: { cert: pem.otherClientCert, key: pem.otherClientKey, ca: pem.ca } });
  const refused = await foreign.handshake().then(() => null, (err: unknown) => err as { status?: number });
  t.equal(refused?.status, 403, 'but a certificate from an untrusted CA is refused');
});

t.test('server-only TLS (no CA): the client verifies the server with the test CA', { skip }, async (t) => {
  const { pki, pem } = await makePki(t);
  const meshd = await startTestMeshd(t, { config: { tls: tlsConfig(pki, false, false) } });
  const { port } = new URL(meshd.url);

  for (const host of ['127.0.0.1', 'localhost']) {
    await t.test(`by ${host}`, async (t) => {
      const baseUrl = `https://${host}:${port}`;
      const sender = clientFor(t, meshd, 'MB1', { baseUrl, tls: { ca: pem.ca } });
      const recipient = clientFor(t, meshd, 'MB2', { baseUrl, tls: { ca: pem.ca } });
      const ping = await sender.ping();
      t.equal(ping['status'], 'running', '_ping over HTTPS');
      const payload = randomBytes(5_000);
      const got = await roundTrip(sender, recipient, payload);
      t.equal(sha256(got), sha256(payload), 'round trip over HTTPS');
    });
  }

  await t.test('without the CA the server certificate is not trusted', async (t) => {
    const untrusting = clientFor(t, meshd, 'MB1');
    await t.rejects(untrusting.handshake(), { code: /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/ });
    const wrongCa = clientFor(t, meshd, 'MB1', { tls: { ca: pem.otherCa } });
    await t.rejects(wrongCa.handshake(), { code: /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/ });
  });

  await t.test('a name the certificate does not cover is refused', async (t) => {
    const result = await tlsProbe({ host: '127.0.0.1', port: Number(port), ca: pem.ca, servername: 'mesh.example.org' });
    t.match(result, /ERR_TLS_CERT_ALTNAME_INVALID/, 'hostname check applies');
  });
});

t.test('TLS versions below 1.2 are refused', { skip }, async (t) => {
  const { pki } = await makePki(t);
  const serverCert = await readFile(pki.serverCert);
  const serverKey = await readFile(pki.serverKey);
  const ca = await readFile(pki.caCert);

  // Old protocol versions need OpenSSL security level 0 on both ends; this client offers only 1.0/1.1.
  const legacyClient = { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const, ciphers: 'DEFAULT@SECLEVEL=0', ca, servername: 'localhost' };

  // Control: prove this Node/OpenSSL can negotiate TLS 1.1 at all, against a server that allows it.
  const control = tls.createServer({ cert: serverCert, key: serverKey, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => {
    s.once('data', () => s.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlResult = await tlsProbe({ ...legacyClient, host: '127.0.0.1', port: (control.address() as AddressInfo).port });
  await new Promise<void>((resolve) => control.close(() => resolve()));
  const legacySkip = controlResult === 'ok:TLSv1.1' ? false : `this Node/OpenSSL cannot offer TLS 1.1 (${controlResult}), so refusal cannot be shown`;

  await t.test('meshd refuses TLS 1.1 and accepts 1.2 and 1.3', { skip: legacySkip }, async (t) => {
    const meshd = await startTestMeshd(t, { config: { tls: tlsConfig(pki, false, false) } });
    const port = Number(new URL(meshd.url).port);
    const result = await tlsProbe({ ...legacyClient, host: '127.0.0.1', port });
    t.not(result, 'ok:TLSv1.1', 'meshd refuses a TLS 1.1 handshake');
    // A protocol_version alert (not, say, internal_error from a cipher mismatch) shows the server's
    // version floor is what refused it.
    t.match(result, /^error:ERR_SSL_(TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL)$/, 'refused for its protocol version');
    t.equal(await tlsProbe({ host: '127.0.0.1', port, ca, servername: 'localhost', maxVersion: 'TLSv1.2' }), 'ok:TLSv1.2', 'TLS 1.2 is accepted');
    t.equal(await tlsProbe({ host: '127.0.0.1', port, ca, servername: 'localhost' }), 'ok:TLSv1.3', 'TLS 1.3 is negotiated by default');
  });
});

/**
 * Opens a TLS connection and makes one HTTP request over it, so that a server refusing the
 * client's certificate after a TLS 1.3 handshake (which the client only learns on reading) is
 * seen as a failure. Resolves 'ok:<protocol>' on an HTTP response, else 'error:<code or message>'.
 */
function tlsProbe(opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(v);
    };
    const socket = tls.connect(opts, () => {
      socket.write('GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (/^HTTP\/1\.1 \d{3}/.test(data)) done(`ok:${socket.getProtocol() ?? '?'}`);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done(`error:${err.code ?? err.message}`));
    socket.on('end', () => done(`error:ended without a response${data ? `: ${data.slice(0, 40)}` : ''}`));
    socket.on('close', () => done(`error:closed without a response${data ? `: ${data.slice(0, 40)}` : ''}`));
  });
}
