/**
 * Prometheus metrics for one meshd instance: every metric name, label and bucket lives here, so
 * instrumentation sites call typed methods and can never invent a high-cardinality label.
 *
 * Each instance owns a private prom-client Registry (never the global one): several meshd
 * instances in one process (tests, benches) would otherwise collide on registration and mix counts.
 *
 * Labels are bounded by construction: workflow IDs are capped (MAX_WORKFLOW_LABELS, then `other`),
 * adapters are the configured ones, HTTP routes are fastify's route patterns. Never message IDs,
 * never mailbox IDs.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LifecycleEvent } from '../transport/transport.js';

/** Distinct workflow label values kept before the rest are folded into `other`. */
export const MAX_WORKFLOW_LABELS = 200;
const OTHER = 'other';

/** What an adapter delivery came to. */
export type AdapterOutcome = 'processed' | 'retried' | 'parked';

/** Scrape-time probes, supplied by the composition root (the metrics module knows no store or transport). */
export interface MetricsProbes {
  /** Messages ready in each adapter's queue, by adapter name. */
  queueDepths?: () => Promise<ReadonlyMap<string, number>>;
  /** Messages in the parking lot; a success also counts as the metadata store being up. */
  parkedCount?: () => Promise<number>;
  /** Resolves when the object store answers (any answer); rejects when it does not. */
  objectStoreProbe?: () => Promise<unknown>;
  /** The transport's own view of its connection (cheap, synchronous). */
  transportConnected?: () => boolean;
}

export interface MetricsOptions {
  probes?: MetricsProbes;
  /** Bound on each scrape-time probe, so a hung dependency cannot hang the scrape. Default 2 s. */
  probeTimeoutMs?: number;
  /** Probe results are reused for this long: frequent or parallel scrapers cost one probe. Default 5 s. */
  probeCacheMs?: number;
  /** Add prom-client's process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  now?: () => number;
}

interface ProbeSample {
  queueDepths: ReadonlyMap<string, number> | null;
  parked: number | null;
  metadataUp: boolean | null;
  objectsUp: boolean | null;
  transportUp: boolean | null;
}

/** The metrics of one meshd: counters and histograms updated by the engine, gauges probed at scrape. */
export class Metrics {
  readonly registry = new Registry();
  private readonly workflows = new Set<string>();
  private readonly probes: MetricsProbes;
  private readonly probeTimeoutMs: number;
  private readonly probeCacheMs: number;
  private readonly now: () => number;
  private sample: { at: number; value: Promise<ProbeSample> } | null = null;

  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly messageEvents: Counter<'event' | 'workflow'>;
  private readonly bytesIn: Counter<'workflow'>;
  private readonly bytesOut: Counter<'workflow'>;
  private readonly adapterDeliveries: Counter<'adapter' | 'outcome'>;
  private readonly adapterDuration: Histogram<'adapter'>;

  constructor(options: MetricsOptions = {}) {
    this.probes = options.probes ?? {};
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    this.probeCacheMs = options.probeCacheMs ?? 5_000;
    this.now = options.now ?? Date.now;
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.httpRequests = new Counter({
      name: 'mesh_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern (never the raw URL) and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'mesh_http_request_duration_seconds',
      help: 'Time from request received to response sent, by method and route pattern.',
      labelNames: ['method', 'route'],
      // From a cached inbox read (~1 ms) to a 100 MB chunk on a slow link.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.messageEvents = new Counter({
      name: 'mesh_message_events_total',
      help: 'Message lifecycle events (accepted, delivered, acknowledged, reported, expired, parked) by workflow.',
      labelNames: ['event', 'workflow'],
      registers,
    });
    this.bytesIn = new Counter({
      name: 'mesh_payload_received_bytes_total',
      help: 'Payload bytes received from senders and stored, by workflow.',
      labelNames: ['workflow'],
      registers,
    });
    this.bytesOut = new Counter({
      name: 'mesh_payload_sent_bytes_total',
      help: 'Payload bytes served to recipients (as stored; a chunk decompressed for the client counts its stored size), by workflow.',
      labelNames: ['workflow'],
      registers,
    });
    this.adapterDeliveries = new Counter({
      name: 'mesh_adapter_deliveries_total',
      help: 'Adapter deliveries by outcome: processed (results committed), retried (failed, will be retried), parked.',
      labelNames: ['adapter', 'outcome'],
      registers,
    });
    this.adapterDuration = new Histogram({
      name: 'mesh_adapter_processing_duration_seconds',
      help: 'Time an adapter took over one delivery, whatever the outcome.',
      labelNames: ['adapter'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });

    // Gauges below are filled at scrape time from the probes (collect() runs inside registry.metrics()).
    const probe = (): Promise<ProbeSample> => this.probe();
    new Gauge({
      name: 'mesh_adapter_queue_messages',
      help: 'Messages ready in each adapter queue (RabbitMQ: ready, not unacknowledged; embedded: queued in-process).',
      labelNames: ['adapter'],
      registers,
      async collect() {
        const { queueDepths } = await probe();
        this.reset();
        for (const [adapter, depth] of queueDepths ?? []) this.set({ adapter }, depth);
      },
    });
    new Gauge({
      name: 'mesh_parked_messages',
      help: 'Messages in the parking lot, waiting for an operator to replay or discard them.',
      registers,
      async collect() {
        const { parked } = await probe();
        // An unlabelled gauge is always exposed; when the store does not answer, the last known
        // count beats a false 0 (mesh_dependency_up says the store is down).
        if (parked !== null) this.set(parked);
      },
    });
    new Gauge({
      name: 'mesh_dependency_up',
      help: 'Whether a dependency answered a cheap probe within the timeout (1) or not (0).',
      labelNames: ['dependency'],
      registers,
      async collect() {
        const s = await probe();
        this.reset();
        const up: Array<[string, boolean | null]> = [['metadata_store', s.metadataUp], ['object_store', s.objectsUp], ['transport', s.transportUp]];
        for (const [dependency, value] of up) if (value !== null) this.set({ dependency }, value ? 1 : 0);
      },
    });
  }

  /** Content-Type of render()'s output (Prometheus text exposition format). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole registry in Prometheus text format, probing dependencies (cached) first. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** One answered HTTP request; `route` must be a route pattern, or null for an unmatched URL. */
  httpRequest(method: string, route: string | null, status: number, seconds: number): void {
    // Unmatched URLs are client-chosen: one label value for all of them keeps cardinality bounded.
    const r = route ?? 'unmatched';
    this.httpRequests.inc({ method, route: r, status: String(status) });
    this.httpDuration.observe({ method, route: r }, seconds);
  }

  /** One lifecycle event of one message. */
  messageEvent(event: LifecycleEvent['event'], workflowId: string): void {
    this.messageEvents.inc({ event, workflow: this.workflowLabel(workflowId) });
  }

  /** Payload bytes received and stored for a message (or one of its chunks). */
  payloadReceived(workflowId: string, bytes: number): void {
    this.bytesIn.inc({ workflow: this.workflowLabel(workflowId) }, bytes);
  }

  /** Payload bytes served to a recipient. */
  payloadSent(workflowId: string, bytes: number): void {
    this.bytesOut.inc({ workflow: this.workflowLabel(workflowId) }, bytes);
  }

  /** One adapter delivery's outcome. */
  adapterOutcome(adapter: string, outcome: AdapterOutcome): void {
    this.adapterDeliveries.inc({ adapter, outcome });
  }

  /** Time one adapter delivery took. */
  adapterProcessing(adapter: string, seconds: number): void {
    this.adapterDuration.observe({ adapter }, seconds);
  }

  /** Workflow IDs are configuration, but senders choose them: past the cap they share `other`. */
  private workflowLabel(workflowId: string): string {
    if (this.workflows.has(workflowId)) return workflowId;
    if (this.workflows.size >= MAX_WORKFLOW_LABELS) return OTHER;
    this.workflows.add(workflowId);
    return workflowId;
  }

  /** All probes at once, reused for probeCacheMs (the three gauges of one scrape share one sample). */
  private probe(): Promise<ProbeSample> {
    const at = this.now();
    if (this.sample && at - this.sample.at < this.probeCacheMs) return this.sample.value;
    const value = this.runProbes();
    this.sample = { at, value };
    return value;
  }

  private async runProbes(): Promise<ProbeSample> {
    const p = this.probes;
    const [queueDepths, parked, objects] = await Promise.all([
      p.queueDepths ? this.bounded(p.queueDepths()) : Promise.resolve(undefined),
      p.parkedCount ? this.bounded(p.parkedCount()) : Promise.resolve(undefined),
      p.objectStoreProbe ? this.bounded(p.objectStoreProbe()) : Promise.resolve(undefined),
    ]);
    return {
      queueDepths: queueDepths?.ok ? queueDepths.value : null,
      parked: parked?.ok ? parked.value : null,
      metadataUp: parked ? parked.ok : null,
      objectsUp: objects ? objects.ok : null,
      transportUp: p.transportConnected ? safely(p.transportConnected) : null,
    };
  }

  /** A probe's result, or not-ok if it failed or took longer than the timeout. */
  private async bounded<T>(probe: Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false }), this.probeTimeoutMs);
    });
    try {
      return await Promise.race([probe.then((value) => ({ ok: true as const, value }), () => ({ ok: false as const })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function safely(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
