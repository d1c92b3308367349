import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Test } from 'tap';
import type { MeshdConfig, RoutingConfig } from '../../broker/config/config.js';
import type { AdapterRegistry } from '../../broker/adapters/adapter.js';
import type { AddressResolver } from '../../broker/messages/address-resolver.js';
import type { Transport } from '../../broker/transport/transport.js';
import { builtInAdapters, type AdapterServices } from '../../adapters/index.js';
import { Directory, type Mailbox, type Workflow } from '../../broker/directory/directory.js';
import { AuthTokenGenerator } from '../../mailbox/client/auth-token.js';
import { MeshClient } from '../../mailbox/client/index.js';
import type { MeshClientOptions } from '../../mailbox/client/types.js';
import { startMeshd, type RunningMeshd } from '../../mailbox/server/meshd.js';

export const SHARED_KEY = 'TestKey';

/** A test mailbox: ID, password 'pw-<ID>', ODS code given or 'X26'. */
export function mailbox(id: string, extra: Partial<Mailbox> = {}): Mailbox {
  return {
    mailboxId: id,
    mailboxName: `Test mailbox ${id}`,
    odsCode: 'X26',
    orgCode: 'TESTORG',
    orgName: 'Test Organisation',
    billingEntity: 'England',
    password: `pw-${id}`,
    active: true,
    ...extra,
  };
}

export const DEFAULT_MAILBOXES = ['MB1', 'MB2', 'MB3'].map((id) => mailbox(id));

export interface TestMeshdOptions {
  mailboxes?: Mailbox[];
  workflows?: Workflow[];
  config?: Partial<MeshdConfig>;
  /** conf/routes.yaml content, written to the data dir and loaded. */
  routesYaml?: string;
  /** Routing settings over the test defaults (embedded transport, 50/100 ms retries). */
  routing?: Partial<RoutingConfig>;
  adapters?: AdapterRegistry | ((services: AdapterServices) => AdapterRegistry);
  resolvers?: readonly AddressResolver[];
  transport?: Transport;
  /** Reuse this data dir (a restart); it is then not removed at teardown. */
  dataDir?: string;
  now?: () => number;
  /** Log here instead of nowhere (tests that check what an operator would read). */
  logger?: Logger;
}

/** Starts an in-process meshd on 127.0.0.1:0 with a temp data dir, stopped and removed at teardown. */
export async function startTestMeshd(t: Test, opts: TestMeshdOptions = {}): Promise<RunningMeshd> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'meshd-test-')));
  let routesFile: string | null = null;
  if (opts.routesYaml !== undefined) {
    routesFile = join(dataDir, `routes-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(routesFile, opts.routesYaml);
  }
  const config: MeshdConfig = {
    configFile: null,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    tls: null,
    auth: { sharedKey: SHARED_KEY, maxClockSkewMinutes: 120 },
    mailboxFiles: [],
    workflowFiles: [],
    strictWorkflows: false,
    sandboxAdmin: false,
    sandboxAdminForce: false,
    limits: { maxRequestBytes: 100 * 1024 * 1024, maxChunks: 10_000, inlineChunkBytes: 64 * 1024, inboxMaxResultsDefault: 500 },
    inboxExpiryDays: 5,
    environment: 'test',
    logLevel: 'silent',
    roles: { api: true, workers: true },
    routing: {
      routesFile,
      transport: 'embedded',
      queuePrefix: '',
      prefetch: 8,
      retryAttempts: 3,
      retryDelaysMs: [50, 100],
      sweepIntervalMs: 200,
      republishAfterMs: 60_000,
      ...opts.routing,
    },
    adminToken: null,
    metadata: null,
    objects: null,
    ...opts.config,
  };
  const directory = new Directory(opts.mailboxes ?? DEFAULT_MAILBOXES, opts.workflows ?? []);
  const meshd = await startMeshd(config, {
    directory,
    adapters: opts.adapters ?? builtInAdapters,
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.resolvers ? { resolvers: opts.resolvers } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  t.teardown(async () => {
    await meshd.close();
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return meshd;
}

/** Token generators per mailbox, so raw requests get fresh tokens like a real client. */
const generators = new Map<string, AuthTokenGenerator>();

/** A fresh valid Authorization header for a test mailbox. */
export function authFor(mailboxId: string, password = `pw-${mailboxId}`): string {
  const key = `${mailboxId}:${password}`;
  let g = generators.get(key);
  if (!g) {
    g = new AuthTokenGenerator({ sharedKey: SHARED_KEY, mailboxId, password });
    generators.set(key, g);
  }
  return g.next();
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: () => any;
}

/** One HTTP request with full control of method, headers and body (for error-path tests). */
export function raw(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    // A test that sets transfer-encoding gets a streamed (chunked) body with no declared length.
    const length = body !== undefined && !headers['transfer-encoding'] ? { 'content-length': String(Buffer.byteLength(body)) } : {};
    const req = httpRequest(url, { method, headers: { ...headers, ...length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: () => JSON.parse(buf.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export const V2 = 'application/vnd.mesh.v2+json';
export const V1 = 'application/vnd.mesh.v1+json';

/** A client library instance for a test mailbox, closed at teardown. */
export function clientFor(t: Test, meshd: RunningMeshd, mailboxId: string, opts: Partial<MeshClientOptions> = {}): MeshClient {
  const client = new MeshClient({ baseUrl: meshd.url, mailboxId, password: `pw-${mailboxId}`, sharedKey: SHARED_KEY, ...opts });
  t.teardown(() => client.close());
  return client;
}

/** Reads a stream to one Buffer (tests only; product code never does this with payloads). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(parts);
}

/** Lower-case hex SHA-256. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
