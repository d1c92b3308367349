import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** File paths (PEM) of a throwaway PKI for mutual-TLS tests. */
export interface TestPki {
  /** CA that issues the server and the trusted client certificate. */
  caCert: string;
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1, issued by caCert. */
  serverCert: string;
  serverKey: string;
  /** CN=SERVER001.X26.api.mesh-client.nhs.uk, clientAuth, issued by caCert. */
  clientCert: string;
  clientKey: string;
  /** An unrelated CA, so tests can prove its certificates are refused. */
  otherCaCert: string;
  /** Same subject as clientCert, but issued by otherCaCert. */
  otherClientCert: string;
  otherClientKey: string;
}

/** The CN NHS MESH puts in client certificates; auth code may check it against the mailbox. */
export const TEST_CLIENT_CN = 'SERVER001.X26.api.mesh-client.nhs.uk';

// A private config keeps the result independent of the machine's openssl.cnf defaults.
const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

// EC P-256: key generation is near-instant, unlike RSA, which keeps the whole PKI well under a second.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
// Long enough for any test run, short enough that a leaked key is worthless.
const DAYS = '7';

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 10_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Creates a self-signed CA; returns [certPath, keyPath]. */
async function makeCa(dir: string, cnf: string, name: string, cn: string): Promise<[string, string]> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl(['req', '-x509', '-config', cnf, '-extensions', 'ca_ext', ...NEW_KEY, '-keyout', key,
    '-out', cert, '-days', DAYS, '-subj', `/CN=${cn}`]);
  return [cert, key];
}

/** Creates a key and a certificate for `cn` signed by the given CA; returns [certPath, keyPath]. */
async function makeLeaf(
  dir: string, cnf: string, name: string, cn: string, ext: string, ca: [string, string],
): Promise<[string, string]> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  await openssl(['req', '-new', '-config', cnf, ...NEW_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  // Random serials: two certificates from one CA with the same serial would be rejected by TLS peers.
  await openssl(['x509', '-req', '-in', csr, '-CA', ca[0], '-CAkey', ca[1], '-set_serial',
    `0x${randomBytes(8).toString('hex')}`, '-days', DAYS, '-extfile', cnf, '-extensions', ext, '-out', cert]);
  return [cert, key];
}

/**
 * Generates a CA, a localhost server certificate, a MESH-style client certificate and an unrelated
 * CA with its own client certificate, as PEM files in `dir` (created if missing).
 */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const cnf = join(dir, 'openssl.cnf');
  await writeFile(cnf, OPENSSL_CNF);
  const [ca, otherCa] = await Promise.all([
    makeCa(dir, cnf, 'ca', 'mesh-broker test CA'),
    makeCa(dir, cnf, 'other-ca', 'unrelated test CA'),
  ]);
  const [server, client, otherClient] = await Promise.all([
    makeLeaf(dir, cnf, 'server', 'localhost', 'server_ext', ca),
    makeLeaf(dir, cnf, 'client', TEST_CLIENT_CN, 'client_ext', ca),
    makeLeaf(dir, cnf, 'other-client', TEST_CLIENT_CN, 'client_ext', otherCa),
  ]);
  return {
    caCert: ca[0],
    serverCert: server[0],
    serverKey: server[1],
    clientCert: client[0],
    clientKey: client[1],
    otherCaCert: otherCa[0],
    otherClientCert: otherClient[0],
    otherClientKey: otherClient[1],
  };
}
