/**
 * Readiness (`/readyz`): can this node do its work right now? Unlike liveness (`/healthz`, which
 * only says the process answers), it asks the metadata store, the object store and the transport,
 * so a load balancer or a compose `service_healthy` dependency sends traffic only to a node that
 * can accept it, and takes a node out of rotation while it shuts down.
 */
import type { ObjectStore } from '../../broker/objects/object-store.js';
import type { MessageStore } from '../../broker/store/message-store.js';
import type { Transport } from '../../broker/transport/transport.js';

/** What each dependency answered: 'ok', or a one-line reason. */
export interface ReadinessChecks {
  metadata: string;
  objects: string;
  transport: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Set when the node refuses readiness for itself (shutting down), whatever the checks say. */
  reason?: string;
  checks: ReadinessChecks;
}

export interface ReadinessOptions {
  store: MessageStore;
  objects: ObjectStore;
  transport: Transport;
  /** Bound on each check (default 2 s): a probe must answer before the prober's own timeout. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;
/** Reasons are for an operator's eyes in a probe log: one short line. */
const MAX_REASON_CHARS = 200;

/** Runs the dependency checks in parallel, each bounded in time; knows when the node is draining. */
export class Readiness {
  private draining = false;

  constructor(private readonly opts: ReadinessOptions) {}

  /** From now on the node reports itself not ready, so it is drained before its listener closes. */
  startDraining(): void {
    this.draining = true;
  }

  /** True once shutdown has begun. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Checks every dependency; never rejects. */
  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const [metadata, objects, transport] = await Promise.all([
      probe(() => this.opts.store.ping(), timeoutMs),
      probe(() => this.opts.objects.ping(), timeoutMs),
      probe(async () => {
        if (!this.opts.transport.isConnected()) throw new Error('not connected');
      }, timeoutMs),
    ]);
    const checks = { metadata, objects, transport };
    if (this.draining) return { ready: false, reason: 'shutting down', checks };
    return { ready: metadata === 'ok' && objects === 'ok' && transport === 'ok', checks };
  }
}

/** 'ok', or why not: the error's message or a timeout, as one line without credentials. */
async function probe(fn: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([fn().then(() => 'ok'), timeout]);
  } catch (err) {
    return oneLine(err);
  } finally {
    clearTimeout(timer);
  }
}

/** An error as one short line, with any `user:password@` in a URL masked. */
export function oneLine(err: unknown): string {
  const e = err as Partial<Error> & { code?: unknown; errors?: unknown[] };
  // pg reports a refused connection as an AggregateError with an empty message: use its first cause.
  if (err instanceof Error && !err.message && e.errors?.length) return oneLine(e.errors[0]);
  const text = err instanceof Error ? err.message || (typeof e.code === 'string' ? e.code : err.name) : String(err);
  const line = text.replace(/\s+/g, ' ').trim().replace(/\/\/[^/\s@]*@/g, '//***@') || 'failed';
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
}
