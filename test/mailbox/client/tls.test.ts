import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { MeshClient } from '../../../mailbox/client/index.js';
import { CREDS } from './fixtures/fake-mesh-server.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Makes a throwaway CA, a server cert for 127.0.0.1 and a MESH-style client cert. */
async function makePki(dir: string): Promise<Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', Buffer>> {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=SERVER001.X26.api.mesh-client.nhs.uk', '-keyout', 'client.key', '-out', 'client.csr');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'client.pem');
  const read = (f: string): Promise<Buffer> => readFile(join(dir, f));
  return {
    ca: await read('ca.pem'),
    serverCert: await read('server.pem'),
    serverKey: await read('server.key'),
    clientCert: await read('client.pem'),
    clientKey: await read('client.key'),
  };
}

t.test('mutual TLS: client presents its certificate and trusts a custom CA', { skip: hasOpenssl() ? false : 'openssl not installed' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pki = await makePki(dir);
  const peers: string[] = [];
  const server = https.createServer(
    { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      peers.push(String(cn));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ count: 1 }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mesh = new MeshClient({ baseUrl, ...CREDS, tls: { cert: pki.clientCert, key: pki.clientKey, ca: pki.ca } });
  t.teardown(() => mesh.close());
  t.equal(await mesh.count(), 1);
  t.same(peers, ['SERVER001.X26.api.mesh-client.nhs.uk'], 'server saw the client certificate');

  const noCert = new MeshClient({ baseUrl, ...CREDS, tls: { ca: pki.ca } });
  t.teardown(() => noCert.close());
  await t.rejects(noCert.count(), 'server refuses a client without a certificate');
  t.equal(peers.length, 1, 'the refused request never reached the handler');

  const untrusting = new MeshClient({ baseUrl, ...CREDS, tls: { cert: pki.clientCert, key: pki.clientKey } });
  t.teardown(() => untrusting.close());
  await t.rejects(untrusting.count(), { code: /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/ }, 'unknown CA rejected by default');

  const lax = new MeshClient({ baseUrl, ...CREDS, tls: { cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: false } });
  t.teardown(() => lax.close());
  t.equal(await lax.count(), 1, 'rejectUnauthorized false accepts the unknown CA');
});
