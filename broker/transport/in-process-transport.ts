/**
 * The embedded-mode transport: the same contract as RabbitMQ (at-least-once, prefetch-bounded
 * concurrency, delayed retries that never block the queue, parking) with in-memory queues.
 *
 * Nothing here survives the process. Envelopes still queued, in flight when the process dies, or
 * waiting in a retry timer when close() runs are simply dropped: the metadata store is the source
 * of truth, and the caller's outbox/sweeper re-publishes anything not processed after a restart.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { transportNames } from './names.js';
import type { TransportNames } from './names.js';
import { retryDelayMs, shouldRetry, toError, validateRetryPolicy, withJitter } from './retry-policy.js';
import { transportError } from './transport-error.js';
import type { ConsumeOptions, Consumer, Delivery, Envelope, Handler, LifecycleEvent, Transport } from './transport.js';

export interface InProcessTransportOptions {
  logger?: Logger;
  /** Names are only used for validation and logs here; a prefix keeps logs comparable with RabbitMQ. */
  prefix?: string;
  /** Fraction of each retry delay that is randomised (shortened); 0 = exact delays. */
  jitter?: number;
  /** Wait before redelivering an envelope whose onParked threw (it holds a prefetch slot meanwhile). */
  parkFailureDelayMs?: number;
}

/** Receives every lifecycle event with the routing key it would have on `mesh.events`. */
export type EventSubscriber = (event: LifecycleEvent, routingKey: string) => void;

interface QueuedItem {
  envelope: Envelope;
  attempt: number;
  redelivered: boolean;
}

interface LocalQueue {
  readonly adapter: string;
  readonly items: QueuedItem[];
  readonly consumers: LocalConsumer[];
  /** Round-robin cursor over consumers, as RabbitMQ spreads deliveries. */
  next: number;
}

/** In-memory Transport for embedded mode and tests. */
export class InProcessTransport implements Transport {
  private readonly names: TransportNames;
  private readonly logger: Logger;
  private readonly jitter: number;
  private readonly parkFailureDelayMs: number;
  private readonly queues = new Map<string, LocalQueue>();
  private readonly consumers = new Set<LocalConsumer>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly subscribers = new Set<EventSubscriber>();
  private closing: Promise<void> | null = null;

  constructor(options: InProcessTransportOptions = {}) {
    this.names = transportNames(options.prefix ?? '');
    this.logger = options.logger ?? pino({ enabled: false });
    this.jitter = options.jitter ?? 0;
    this.parkFailureDelayMs = options.parkFailureDelayMs ?? 1_000;
  }

  async start(adapters: string[]): Promise<void> {
    this.assertOpen();
    for (const adapter of adapters) {
      this.names.adapterQueue(adapter); // validates the name exactly as RabbitMQ topology would
      if (!this.queues.has(adapter)) this.queues.set(adapter, { adapter, items: [], consumers: [], next: 0 });
    }
  }

  async publish(envelope: Envelope): Promise<void> {
    this.assertOpen();
    const queue = this.queues.get(envelope.adapter);
    if (!queue) throw transportError('not_routable', `no queue for adapter ${envelope.adapter}`);
    // A copy, so later mutation by the publisher cannot reach the consumer (RabbitMQ serialises).
    this.enqueue(queue, { envelope: structuredClone(envelope), attempt: 1, redelivered: false });
  }

  async publishEvent(event: LifecycleEvent): Promise<void> {
    this.assertOpen();
    const key = this.names.eventRoutingKey(event.event, event.workflowId);
    for (const subscriber of this.subscribers) {
      try {
        subscriber(structuredClone(event), key);
      } catch (err) {
        // One faulty subscriber (metrics, audit) must not fail the publisher or starve the others.
        this.logger.warn({ err, routingKey: key }, 'event subscriber threw');
      }
    }
  }

  /** Registers an event subscriber (metrics, tests); returns a function that unregisters it. */
  subscribeEvents(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }

  async consume(adapter: string, handler: Handler, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    validateRetryPolicy(options.retry);
    if (!Number.isSafeInteger(options.prefetch) || options.prefetch < 1) {
      throw new TypeError(`prefetch must be an integer >= 1, got ${options.prefetch}`);
    }
    const queue = this.queues.get(adapter);
    if (!queue) throw transportError('not_routable', `no queue for adapter ${adapter}; call start() with it first`);
    const consumer = new LocalConsumer(this, queue, handler, options);
    queue.consumers.push(consumer);
    this.consumers.add(consumer);
    this.dispatch(queue);
    return consumer;
  }

  isConnected(): boolean {
    return this.closing === null;
  }

  /** Envelopes queued and not yet handed to a consumer (in flight and retry timers are not counted). */
  async queueDepths(adapters: readonly string[]): Promise<Map<string, number>> {
    return new Map(adapters.map((a) => [a, this.queues.get(a)?.items.length ?? 0]));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    // Dropped on purpose: see the module comment (the outbox re-publishes after a restart).
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values()) queue.items.length = 0;
    this.subscribers.clear();
  }

  /** @internal Appends to the queue's tail (as a dead-lettered retry re-enters RabbitMQ) and dispatches. */
  enqueue(queue: LocalQueue, item: QueuedItem): void {
    if (this.closing) return;
    queue.items.push(item);
    this.dispatch(queue);
  }

  /** @internal Runs `fn` after `delayMs` unless the transport closes first. */
  later(delayMs: number, fn: () => void): void {
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }

  /** @internal Hands queued items to consumers with free prefetch slots, round-robin. */
  dispatch(queue: LocalQueue): void {
    while (queue.items.length > 0) {
      const consumer = this.pickConsumer(queue);
      if (!consumer) return;
      const item = queue.items.shift();
      if (item) consumer.run(item);
    }
  }

  /** @internal */
  forget(consumer: LocalConsumer, queue: LocalQueue): void {
    const i = queue.consumers.indexOf(consumer);
    if (i >= 0) queue.consumers.splice(i, 1);
    this.consumers.delete(consumer);
  }

  /** @internal */
  get settings(): { logger: Logger; jitter: number; parkFailureDelayMs: number } {
    return { logger: this.logger, jitter: this.jitter, parkFailureDelayMs: this.parkFailureDelayMs };
  }

  private pickConsumer(queue: LocalQueue): LocalConsumer | undefined {
    const n = queue.consumers.length;
    for (let i = 0; i < n; i++) {
      const consumer = queue.consumers[(queue.next + i) % n];
      if (consumer?.hasCapacity()) {
        queue.next = (queue.next + i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }

  private assertOpen(): void {
    if (this.closing) throw transportError('closed', 'transport is closed');
  }
}

/** One consumer of one in-memory queue; at most `prefetch` handlers run at once. */
class LocalConsumer implements Consumer {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly transport: InProcessTransport,
    private readonly queue: LocalQueue,
    private readonly handler: Handler,
    private readonly options: ConsumeOptions,
  ) {}

  hasCapacity(): boolean {
    return !this.stopped && this.inFlight.size < this.options.prefetch;
  }

  run(item: QueuedItem): void {
    const done: Promise<void> = this.process(item).finally(() => {
      this.inFlight.delete(done);
      this.transport.dispatch(this.queue);
    });
    this.inFlight.add(done);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.transport.forget(this, this.queue);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Never rejects: every outcome is an ack, a scheduled retry, a parking or a delayed redelivery. */
  private async process(item: QueuedItem): Promise<void> {
    const { logger, jitter, parkFailureDelayMs } = this.transport.settings;
    const delivery: Delivery = { envelope: structuredClone(item.envelope), attempt: item.attempt, redelivered: item.redelivered };
    const log = logger.child({ messageId: item.envelope.messageId, traceId: item.envelope.traceId, adapter: this.queue.adapter, attempt: item.attempt });
    let error: Error;
    try {
      await this.handler(delivery);
      return;
    } catch (err) {
      error = toError(err);
    }
    const { retry, onParked } = this.options;
    if (shouldRetry(retry, item.attempt, error)) {
      const delayMs = withJitter(retryDelayMs(retry, item.attempt), jitter);
      log.warn({ err: error, delayMs }, 'handler failed; retrying later');
      this.transport.later(delayMs, () =>
        this.transport.enqueue(this.queue, { envelope: item.envelope, attempt: item.attempt + 1, redelivered: false }),
      );
      return;
    }
    try {
      await onParked(delivery, error);
      log.error({ err: error }, 'envelope parked');
    } catch (parkErr) {
      log.error({ err: toError(parkErr), cause: error }, 'recording the parking failed; redelivering later');
      this.transport.later(parkFailureDelayMs, () => this.transport.enqueue(this.queue, { ...item, redelivered: true }));
    }
  }
}
