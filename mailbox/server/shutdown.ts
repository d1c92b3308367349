/**
 * Graceful shutdown, bounded: drain (readiness 503), stop intake and let in-flight requests
 * finish, stop the engine (adapters, outbox, transport, stores), all within one deadline counted
 * from the signal. Past it, connections are forced closed and the outcome says so, so the process
 * can exit non-zero: nothing acknowledged is lost by forcing (a request cut before its 202 was
 * never accepted; an adapter delivery not yet acknowledged is delivered again), but an operator
 * should see that work was cut short.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Readiness } from './readiness.js';

/** Default deadline: under the 30 s that compose (stop_grace_period) and Kubernetes give before SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
/** After forcing connections closed, how long the engine gets to finish closing before we give up on it. */
const FORCE_GRACE_MS = 2_000;
/** The most in-flight requests named in the deadline log line (the count stays exact). */
const MAX_LISTED = 20;

/** How a shutdown ended. */
export interface ShutdownOutcome {
  /** True when the deadline passed and connections or the engine were cut off. */
  forced: boolean;
}

/** HTTP requests being served right now, for the deadline log line. */
export class InFlightRequests {
  private readonly requests = new Set<IncomingMessage>();

  /** Starts counting `server`'s requests (call before it listens). */
  constructor(server: Server) {
    server.on('request', (req: IncomingMessage, res) => {
      this.requests.add(req);
      res.once('close', () => this.requests.delete(req));
    });
  }

  get size(): number {
    return this.requests.size;
  }

  /** `METHOD /path` of each, capped; paths carry mailbox and message IDs, never credentials. */
  describe(): string[] {
    return [...this.requests].slice(0, MAX_LISTED).map((r) => `${r.method ?? '?'} ${(r.url ?? '').split('?')[0]}`);
  }
}

export interface ShutdownOptions {
  app: FastifyInstance;
  readiness: Readiness;
  inFlight: InFlightRequests;
  /** Stops everything behind the HTTP layer; reports which part it is stopping via `stage`. */
  stopEngine(stage: (name: string) => void): Promise<void>;
  logger: Logger;
  timeoutMs?: number;
  drainMs?: number;
}

/** Runs the shutdown sequence; resolves with whether it had to force, rejects if a step failed. */
export async function gracefulShutdown(opts: ShutdownOptions): Promise<ShutdownOutcome> {
  const { app, logger, inFlight } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const drainMs = Math.min(opts.drainMs ?? 0, timeoutMs);
  const startedAt = Date.now();
  opts.readiness.startDraining();
  logger.info({ drainMs, timeoutMs, inFlightRequests: inFlight.size }, 'draining: /readyz answers 503');
  if (drainMs > 0) await sleep(drainMs);

  let stage = 'http requests';
  const work = (async () => {
    // Stops listening, closes idle keep-alive sockets, answers 503 to requests on busy ones
    // (return503OnClosing), and waits for the requests already running.
    await app.close();
    await opts.stopEngine((name) => (stage = name));
  })();
  // A rejection after we stopped waiting must not crash the process as unhandled.
  work.catch(() => undefined);

  if (await settlesWithin(work, timeoutMs - (Date.now() - startedAt))) {
    logger.info({ ms: Date.now() - startedAt }, 'meshd stopped');
    return { forced: false };
  }
  logger.error(
    { timeoutMs, stage, inFlightRequests: inFlight.size, requests: inFlight.describe() },
    `shutdown deadline passed while stopping ${stage}; forcing connections closed`,
  );
  app.server.closeAllConnections();
  if (!(await settlesWithin(work, FORCE_GRACE_MS))) {
    logger.error({ stage, graceMs: FORCE_GRACE_MS }, `still stopping ${stage} after forcing; exiting anyway`);
  }
  return { forced: true };
}

/** True if `p` resolves within `ms`; rethrows its rejection; false on timeout. */
async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
