import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { ConfigError } from '../../broker/config/config-error.js';
import type { MeshdConfig } from '../../broker/config/config.js';
import { isLoopback } from '../../broker/config/load-config.js';
import type { Directory } from '../../broker/directory/directory.js';
import { loadDirectory } from '../../broker/directory/load-directory.js';
import { MessageService } from '../../broker/messages/message-service.js';
import { FsObjectStore } from '../../broker/objects/fs-object-store.js';
import type { ObjectStore } from '../../broker/objects/object-store.js';
import type { MessageStore } from '../../broker/store/message-store.js';
import { SqliteMessageStore } from '../../broker/store/sqlite/sqlite-message-store.js';
import { Authenticator } from '../auth/authenticator.js';
import { buildMailboxApp, type HttpsOptions } from './build-app.js';

/** A running meshd: where it listens and how to stop it. */
export interface RunningMeshd {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8700 */
  url: string;
  port: number;
  store: MessageStore;
  objects: ObjectStore;
  directory: Directory;
  logger: Logger;
  /** Stops intake, lets in-flight requests finish, then closes the stores. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Use this directory instead of loading the configured files (tests). */
  directory?: Directory;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const NONCE_PRUNE_INTERVAL_MS = 60_000;

/** The composition root: builds stores, directory, services and the HTTP app from config, and listens. */
export async function startMeshd(config: MeshdConfig, opts: StartOptions = {}): Promise<RunningMeshd> {
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { service: 'meshd' } });
  checkSandboxAdmin(config);
  const directory = opts.directory ?? (await loadDirectory(config.mailboxFiles, config.workflowFiles, opts.env ?? process.env));
  const https = config.tls ? await readTls(config) : null;

  await mkdir(config.dataDir, { recursive: true });
  const store = await SqliteMessageStore.open(join(config.dataDir, 'meshd.sqlite'));
  const objects = await FsObjectStore.open(join(config.dataDir, 'objects'));
  const now = opts.now ?? Date.now;

  const service = new MessageService({
    store,
    objects,
    directory,
    logger,
    strictWorkflows: config.strictWorkflows,
    inlineChunkBytes: config.limits.inlineChunkBytes,
    maxRequestBytes: config.limits.maxRequestBytes,
    inboxExpiryDays: config.inboxExpiryDays,
    now,
  });
  const authenticator = new Authenticator({ directory, store, sharedKey: config.auth.sharedKey, maxClockSkewMinutes: config.auth.maxClockSkewMinutes, now });
  const app = buildMailboxApp(
    { service, store, objects, directory, authenticator, logger, limits: config.limits, environment: config.environment, sandboxAdmin: config.sandboxAdmin },
    https,
  );

  const pruner = setInterval(() => {
    store.pruneNonces(now()).catch((err: unknown) => logger.error({ err }, 'nonce pruning failed'));
  }, NONCE_PRUNE_INTERVAL_MS);
  pruner.unref();

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    clearInterval(pruner);
    await store.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `${https ? 'https' : 'http'}://${host}:${port}`;
  logger.info({ url, dataDir: config.dataDir, mailboxes: directory.listMailboxes().length, workflows: directory.listWorkflows().length, tls: !!https, mutualTls: !!https?.rejectUnauthorized, sandboxAdmin: config.sandboxAdmin }, 'meshd listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(pruner);
      await app.close();
      await store.close();
      await objects.close();
      logger.info('meshd stopped');
    })();
    return closing;
  };
  return { app, url, port, store, objects, directory, logger, close };
}

/** The sandbox admin API has no authentication: keep it to loopback unless forced. */
function checkSandboxAdmin(config: MeshdConfig): void {
  if (!config.sandboxAdmin || config.sandboxAdminForce) return;
  if (!isLoopback(config.host)) {
    throw new ConfigError('command line', '--sandbox-admin', `refused on non-loopback host ${config.host} (the admin API is unauthenticated); add --sandbox-admin-force to allow it`);
  }
}

async function readTls(config: MeshdConfig): Promise<HttpsOptions> {
  const tls = config.tls!;
  const [cert, key, ca] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile), tls.caFile ? readFile(tls.caFile) : Promise.resolve(undefined)]);
  return {
    cert,
    key,
    ...(ca ? { ca } : {}),
    // With a CA, ask for a client certificate; refuse the connection without a valid one only if required.
    requestCert: !!ca,
    rejectUnauthorized: tls.requireClientCert,
  };
}
