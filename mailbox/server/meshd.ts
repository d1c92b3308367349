import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { ConfigError } from '../../broker/config/config-error.js';
import type { MeshdConfig } from '../../broker/config/config.js';
import { isLoopback } from '../../broker/config/load-config.js';
import type { Directory } from '../../broker/directory/directory.js';
import { loadDirectory } from '../../broker/directory/load-directory.js';
import { ClusterJob } from '../../broker/jobs/cluster-job.js';
import { DEFAULT_JOBS } from '../../broker/config/jobs-config.js';
import { Housekeeping } from '../../broker/jobs/housekeeping.js';
import { MessageService } from '../../broker/messages/message-service.js';
import { engineMetrics } from '../../broker/metrics/engine-metrics.js';
import type { Metrics } from '../../broker/metrics/metrics.js';
import { openObjectStore } from '../../broker/objects/open-object-store.js';
import type { ObjectStore } from '../../broker/objects/object-store.js';
import type { MessageStore } from '../../broker/store/message-store.js';
import { openMessageStore } from '../../broker/store/open-store.js';
import type { AdapterRegistry } from '../../broker/adapters/adapter.js';
import { odsCodeResolver, type AddressResolver } from '../../broker/messages/address-resolver.js';
import type { AdapterServices } from '../../adapters/index.js';
import type { DemographicIndex } from '../../adapters/pds/demographic-index.js';
import { gpProviderResolver } from '../../adapters/pds/gp-provider-resolver.js';
import { openDemographicIndex } from '../../adapters/pds/store/open-demographic-index.js';
import { AdapterRuntime } from '../../broker/adapters/adapter-runtime.js';
import { emptyRoutes, loadRoutes } from '../../broker/routing/load-routes.js';
import { LifecycleEvents } from '../../broker/routing/lifecycle-events.js';
import { OutboxPublisher } from '../../broker/routing/outbox-publisher.js';
import { Router } from '../../broker/routing/router.js';
import type { Routes } from '../../broker/routing/routes.js';
import { createTransport } from '../../broker/transport/create-transport.js';
import type { Transport } from '../../broker/transport/transport.js';
import { Authenticator } from '../auth/authenticator.js';
import { buildMailboxApp, type HttpsOptions } from './build-app.js';
import { Readiness } from './readiness.js';
import { gracefulShutdown, InFlightRequests, type ShutdownOutcome } from './shutdown.js';

/** A running meshd: where it listens and how to stop it. */
export interface RunningMeshd {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8700 */
  url: string;
  port: number;
  store: MessageStore;
  /** The demographic index (PDS-like) in the same metadata store. */
  demographics: DemographicIndex;
  objects: ObjectStore;
  directory: Directory;
  logger: Logger;
  transport: Transport;
  publisher: OutboxPublisher;
  /** The scheduled jobs (inbox expiry, purge, abandoned uploads, statistics); tests tick them directly. */
  housekeeping: Housekeeping;
  /** The metrics served at /metrics; null when `metrics: false`. */
  metrics: Metrics | null;
  /** What /readyz asks; draining once close() has begun. */
  readiness: Readiness;
  /**
   * Drains, stops intake, lets in-flight requests and adapter work finish, then closes the stores,
   * within config.shutdownTimeoutMs; `forced` if it had to cut them off. Idempotent.
   */
  close(): Promise<ShutdownOutcome>;
}

export interface StartOptions {
  logger?: Logger;
  /** Use this directory instead of loading the configured files (tests). */
  directory?: Directory;
  /**
   * Adapters by name, or a function building them from the services meshd opens (bin/meshd.ts
   * passes adapters/index.ts's builtInAdapters).
   */
  adapters?: AdapterRegistry | ((services: AdapterServices) => AdapterRegistry);
  /**
   * Address resolvers for `mex-To` values that are not mailbox IDs, tried in order (default:
   * GPPROVIDER_ demographic addressing against the index, then ODS codes).
   */
  resolvers?: readonly AddressResolver[];
  /** Use this transport instead of building one from config.routing.transport (tests). */
  transport?: Transport;
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
  // The demographic index lives in the metadata store; adapters and GPPROVIDER_ addressing use it.
  const demographics = await openDemographicIndex(config.metadata, config.dataDir);
  let router: Router;
  let adapters: AdapterRegistry;
  try {
    adapters = typeof opts.adapters === 'function' ? opts.adapters({ demographics }) : (opts.adapters ?? new Map());
    router = new Router(await loadRoutesFor(config, adapters));
  } catch (err) {
    await demographics.close();
    throw err;
  }
  const store = await openMessageStore(config.metadata, config.dataDir);
  const objects = await openObjectStore(config.objects, config.dataDir);
  const now = opts.now ?? Date.now;

  const transport = opts.transport ?? createTransport(config.routing, logger);
  await transport.start(router.adapters());
  if (config.routing.transport === 'embedded' && !opts.transport) {
    // The in-process queue died with the last process: everything it held must be published again.
    await store.resetOutboxPublished();
  }
  const publisher = new OutboxPublisher({
    store,
    transport,
    logger,
    now,
    sweepIntervalMs: config.routing.sweepIntervalMs,
    republishAfterMs: config.routing.republishAfterMs,
  });
  // On unless `metrics: false`: then nothing is counted and /metrics is not served.
  const metrics = config.metrics === false ? null : engineMetrics({ store, objects, transport, adapters: router.adapters() });
  const lifecycle = new LifecycleEvents(transport, logger, now, metrics);
  const runtime = config.roles.workers
    ? new AdapterRuntime({
        store,
        objects,
        directory,
        transport,
        router,
        adapters,
        publisher,
        logger,
        retry: { attempts: config.routing.retryAttempts, delaysMs: config.routing.retryDelaysMs },
        prefetch: config.routing.prefetch,
        inlineChunkBytes: config.limits.inlineChunkBytes,
        maxRequestBytes: config.limits.maxRequestBytes,
        inboxExpiryDays: config.inboxExpiryDays,
        events: lifecycle,
        metrics,
        now,
      })
    : null;
  await runtime?.start();
  publisher.start();
  publisher.sweep().catch((err: unknown) => logger.error({ err }, 'first outbox sweep failed'));

  const service = new MessageService({
    store,
    objects,
    directory,
    logger,
    strictWorkflows: config.strictWorkflows,
    inlineChunkBytes: config.limits.inlineChunkBytes,
    maxRequestBytes: config.limits.maxRequestBytes,
    inboxExpiryDays: config.inboxExpiryDays,
    router,
    publisher,
    events: lifecycle,
    metrics,
    resolvers: opts.resolvers ?? [gpProviderResolver(demographics), odsCodeResolver],
    now,
  });
  const readiness = new Readiness({ store, objects, transport });
  const housekeeping = new Housekeeping({
    store,
    objects,
    logger,
    events: lifecycle,
    now,
    config: config.jobs ?? { ...DEFAULT_JOBS, inboxExpiry: { ...DEFAULT_JOBS.inboxExpiry, days: config.inboxExpiryDays } },
  });
  const authenticator = new Authenticator({ directory, store, sharedKey: config.auth.sharedKey, maxClockSkewMinutes: config.auth.maxClockSkewMinutes, now });
  const app = buildMailboxApp(
    { service, store, objects, directory, authenticator, logger, limits: config.limits, environment: config.environment, sandboxAdmin: config.sandboxAdmin, metrics, readiness },
    https,
    { mailboxApi: config.roles.api, operatorAdmin: config.adminToken ? { adminToken: config.adminToken, publisher, housekeeping, now } : null },
  );

  // The nonces are in the shared store: one node prunes them for the whole cluster.
  const pruner = new ClusterJob({
    name: 'nonce-prune',
    intervalMs: NONCE_PRUNE_INTERVAL_MS,
    store,
    logger,
    now,
    run: async () => {
      await store.pruneNonces(now());
    },
  });
  pruner.start();
  housekeeping.showIntervalJob(publisher.sweepJob, config.routing.sweepIntervalMs);
  housekeeping.showIntervalJob(pruner, NONCE_PRUNE_INTERVAL_MS);
  housekeeping.start();
  // Counted from the start, so a shutdown that runs out of time can say which requests held it.
  const inFlight = new InFlightRequests(app.server);

  const stopEngine = async (stage: (name: string) => void = () => undefined): Promise<void> => {
    stage('cluster jobs');
    await pruner.stop();
    await housekeeping.stop();
    stage('adapter work');
    await runtime?.stop();
    stage('outbox publishes');
    await publisher.stop();
    stage('transport');
    await transport.close();
    stage('stores');
    await store.close();
    await demographics.close();
    await objects.close();
  };
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await stopEngine();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `${https ? 'https' : 'http'}://${host}:${port}`;
  logger.info(
    {
      url,
      dataDir: config.dataDir,
      roles: Object.entries(config.roles).filter(([, on]) => on).map(([r]) => r),
      transport: config.routing.transport === 'embedded' ? 'embedded' : redactUrl(config.routing.transport),
      adapters: router.adapters(),
      mailboxes: directory.listMailboxes().length,
      workflows: directory.listWorkflows().length,
      tls: !!https,
      mutualTls: !!https?.rejectUnauthorized,
      sandboxAdmin: config.sandboxAdmin,
    },
    'meshd listening',
  );

  let closing: Promise<ShutdownOutcome> | null = null;
  const close = (): Promise<ShutdownOutcome> => {
    // Order matters: drain, stop intake, let adapters finish, flush publishes, then close connections and stores.
    closing ??= gracefulShutdown({
      app,
      readiness,
      inFlight,
      stopEngine,
      logger,
      ...(config.shutdownTimeoutMs !== undefined ? { timeoutMs: config.shutdownTimeoutMs } : {}),
      ...(config.shutdownDrainMs !== undefined ? { drainMs: config.shutdownDrainMs } : {}),
    });
    return closing;
  };
  return { app, url, port, store, demographics, objects, directory, logger, transport, publisher, housekeeping, metrics, readiness, close };
}

/** Routes from the configured file, with every adapter rule's settings checked by its adapter. */
async function loadRoutesFor(config: MeshdConfig, adapters: AdapterRegistry): Promise<Routes> {
  if (!config.routing.routesFile) return emptyRoutes();
  const routes = await loadRoutes(config.routing.routesFile, new Set(adapters.keys()));
  for (const rule of routes.rules) {
    if (rule.target.kind !== 'adapter') continue;
    const reason = adapters.get(rule.target.adapter)?.validateSettings?.(rule.target.settings);
    if (reason) throw new ConfigError(rule.source, '/target/settings', reason);
  }
  return routes;
}

/** An AMQP URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'amqp://(unparsable)';
  }
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
