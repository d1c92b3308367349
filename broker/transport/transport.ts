/**
 * The transport carries small JSON envelopes (claim checks: IDs, never payloads) from the router
 * to adapter workers, at least once. Two implementations: in-process (embedded) and RabbitMQ.
 */

/** What travels on the wire for one message routed to one adapter. */
export interface Envelope {
  messageId: string;
  workflowId: string;
  /** Adapter name; the queue is `mesh.adapter.<adapter>`. */
  adapter: string;
  sender: string;
  recipient: string;
  /** Follows the message through logs of every process. */
  traceId: string;
  /** How many adapters produced this message from the original (guards against routing loops). */
  hops?: number;
  /** The adapter that emitted this message, if any (it is never routed back to it). */
  producedBy?: string;
}

/** One delivery of an envelope to a consumer. */
export interface Delivery {
  envelope: Envelope;
  /** 1 on first delivery, incremented by each retry. */
  attempt: number;
  /** True when the broker says this may have been delivered before (e.g. after a consumer died). */
  redelivered: boolean;
}

/** Retry policy as data: how many attempts in all, and the delay before each retry. */
export interface RetryPolicy {
  /** Total attempts including the first; after the last failure the envelope is parked. */
  attempts: number;
  /** Delay before retry n (index n-1); the last value repeats if there are more retries than delays. */
  delaysMs: number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, delaysMs: [1_000, 10_000, 60_000] };

/** Throw this from a handler to park at once without retrying (bad payload, not a passing fault). */
export class UnrecoverableError extends Error {
  readonly unrecoverable = true;
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

/** Lifecycle events for `mesh.events` (routing key `<event>.<workflow>`). */
export interface LifecycleEvent {
  event: 'accepted' | 'delivered' | 'acknowledged' | 'expired' | 'reported' | 'parked';
  messageId: string;
  workflowId: string;
  mailbox: string;
  at: number;
}

export interface ConsumeOptions {
  prefetch: number;
  retry: RetryPolicy;
  /**
   * Called once attempts are exhausted (or on UnrecoverableError), before the delivery is
   * acknowledged, so the parking is recorded durably first. If it throws, the delivery is retried.
   */
  onParked: (delivery: Delivery, error: Error) => Promise<void>;
}

/** A running consumer; stop() stops taking new deliveries and waits for in-flight handlers. */
export interface Consumer {
  stop(): Promise<void>;
}

export type Handler = (delivery: Delivery) => Promise<void>;

export interface Transport {
  /** Declares the topology (exchanges, queues, bindings) for these adapters; safe to repeat. */
  start(adapters: string[]): Promise<void>;
  /** Publishes and resolves once the broker has confirmed it (durably queued). */
  publish(envelope: Envelope): Promise<void>;
  /** Publishes a lifecycle event (best effort: confirmed, but a failure is only logged by callers). */
  publishEvent(event: LifecycleEvent): Promise<void>;
  /** Consumes `mesh.adapter.<adapter>`: handler resolves = ack; throws = retry with back-off, then park. */
  consume(adapter: string, handler: Handler, options: ConsumeOptions): Promise<Consumer>;
  /** True while connected (health). */
  isConnected(): boolean;
  /** Messages waiting in each adapter's queue, for metrics; rejects while the broker is unreachable. */
  queueDepths?(adapters: readonly string[]): Promise<Map<string, number>>;
  /** Stops consumers (finishing in-flight work), flushes publishes, closes connections. */
  close(): Promise<void>;
}
