/**
 * The scaled-out transport on RabbitMQ. Composes a self-healing connection, the topology it
 * replays on every connect, a confirming publisher and consumers that re-subscribe by themselves.
 *
 * Retries wait in delay queues, one per distinct delay (`mesh.retry.<ms>`, queue TTL = ms), and
 * dead-letter back to `mesh.route` under the adapter's routing key. Queue-level TTL (rather than
 * only per-message expiration on one shared queue) because RabbitMQ expires messages only at a
 * queue's head: a 60 s copy would hold back a 1 s copy queued behind it. Within one delay queue
 * every copy has the same TTL, so the head is always the first due. Optional jitter is a
 * per-message expiration below the queue TTL, which keeps that property within the jitter.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { transportNames } from '../names.js';
import type { TransportNames } from '../names.js';
import { DEFAULT_RECONNECT_BACKOFF, distinctDelays, validateRetryPolicy } from '../retry-policy.js';
import type { BackoffPolicy } from '../retry-policy.js';
import { transportError } from '../transport-error.js';
import type { ConsumeOptions, Consumer, Envelope, Handler, LifecycleEvent, Transport } from '../transport.js';
import { AmqpConnection } from './connection.js';
import { AmqpConsumer } from './consumer.js';
import { EnvelopePublisher } from './envelope-publisher.js';
import { ConfirmPublisher } from './publisher.js';
import { Topology } from './topology.js';

export interface AmqpTransportOptions {
  /** e.g. amqp://user:pass@host:5672/vhost (credentials from the environment, never from conf/). */
  url: string;
  logger?: Logger;
  /** Prefix for every exchange and queue name (tests use a random one). */
  prefix?: string;
  /** Shown in `rabbitmqctl list_connections user_provided_name`. */
  connectionName?: string;
  reconnect?: BackoffPolicy;
  /** How long a publish may wait for a (re)connection or back-pressure to clear. Default 10 s. */
  publishWaitMs?: number;
  /** Publishes waiting or unconfirmed at once before publish fails fast. Default 10,000. */
  maxPending?: number;
  /** How long a sent publish waits for the broker's confirm before rejecting. Default 30 s. */
  confirmTimeoutMs?: number;
  /** Bound on one connection attempt (TCP + AMQP handshake). Default 10 s. */
  connectTimeoutMs?: number;
  /** Frames buffered per publisher channel before back-pressure applies (amqplib's default if unset). */
  publishHighWaterMark?: number;
  /** Fraction of each retry delay that is randomised (shortened). Default 0. */
  jitter?: number;
  /** Pause before requeueing when a retry copy or onParked fails. Default 1 s. */
  failurePauseMs?: number;
  /** Deliveries of one message before its queue dead-letters it to mesh.parked. Default 20. */
  deliveryLimit?: number;
  /** Bound on waiting for unconfirmed publishes at close(). Default 10 s. */
  closeTimeoutMs?: number;
}

/** Transport over RabbitMQ (amqplib), with confirms, reconnects, delayed retries and parking. */
export class AmqpTransport implements Transport {
  readonly names: TransportNames;
  private readonly logger: Logger;
  private readonly connection: AmqpConnection;
  private readonly topology: Topology;
  private readonly publisher: ConfirmPublisher;
  private readonly envelopes: EnvelopePublisher;
  private readonly consumers = new Set<AmqpConsumer>();
  private closing: Promise<void> | null = null;

  constructor(private readonly options: AmqpTransportOptions) {
    this.names = transportNames(options.prefix ?? '');
    this.logger = options.logger ?? pino({ enabled: false });
    this.connection = new AmqpConnection({
      url: options.url,
      logger: this.logger,
      connectionName: options.connectionName ?? `mesh-broker ${this.names.prefix}`.trim(),
      backoff: options.reconnect ?? DEFAULT_RECONNECT_BACKOFF,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    this.topology = new Topology(this.names, { deliveryLimit: options.deliveryLimit ?? 20 });
    this.publisher = new ConfirmPublisher(this.connection, {
      logger: this.logger,
      waitMs: options.publishWaitMs ?? 10_000,
      maxPending: options.maxPending ?? 10_000,
      confirmTimeoutMs: options.confirmTimeoutMs ?? 30_000,
      highWaterMark: options.publishHighWaterMark,
    });
    this.envelopes = new EnvelopePublisher(this.names, this.publisher);
    // Order matters on every connect: topology first, so channels never see a missing queue.
    this.connection.addSetupStep((model) => this.topology.declare(model));
    this.connection.addSetupStep((model) => this.publisher.attach(model));
  }

  /**
   * Connects (waiting for RabbitMQ as long as it takes, unless `signal` aborts) and declares the
   * topology for these adapters. Aborting rejects this call only; close() stops the reconnect loop.
   */
  async start(adapters: string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    this.topology.addAdapters(adapters);
    this.connection.open();
    for (;;) {
      const model = await this.connection.whenReady(options);
      try {
        await this.topology.declareIfStale(model);
        return;
      } catch (err) {
        // Lost the connection mid-way: the next connect replays the topology; wait for it.
        if (this.connection.current() === model) throw err;
      }
    }
  }

  async publish(envelope: Envelope): Promise<void> {
    this.assertOpen();
    await this.envelopes.publishEnvelope(envelope);
  }

  async publishEvent(event: LifecycleEvent): Promise<void> {
    this.assertOpen();
    await this.envelopes.publishEvent(event);
  }

  /**
   * Subscribes to `mesh.adapter.<adapter>`. Resolves at once; while disconnected the consumer
   * attaches on the next connection (its retry delay queues are declared first).
   */
  async consume(adapter: string, handler: Handler, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    validateRetryPolicy(options.retry);
    if (!Number.isSafeInteger(options.prefetch) || options.prefetch < 1) {
      throw new TypeError(`prefetch must be an integer >= 1, got ${options.prefetch}`);
    }
    // Consuming a queue that was never declared would close the channel with NOT_FOUND, repeatedly.
    if (!this.topology.hasAdapter(adapter)) {
      throw transportError('not_routable', `no queue for adapter ${adapter}; call start() with it first`);
    }
    this.topology.addDelays(distinctDelays(options.retry));
    const consumer = new AmqpConsumer({
      ...options,
      names: this.names,
      adapter,
      handler,
      connection: this.connection,
      publisher: this.envelopes,
      logger: this.logger,
      jitter: this.options.jitter ?? 0,
      failurePauseMs: this.options.failurePauseMs ?? 1_000,
    });
    this.consumers.add(consumer);
    const model = this.connection.current();
    if (model) {
      try {
        await this.topology.declareIfStale(model);
        await consumer.attach(model);
      } catch (err) {
        // Connection lost meanwhile: the set-up replay attaches the consumer. Otherwise it is real.
        if (this.connection.current() === model) {
          await consumer.stop();
          this.consumers.delete(consumer);
          throw err;
        }
      }
    }
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  isConnected(): boolean {
    return this.closing === null && this.connection.isReady();
  }

  /**
   * Ready messages per adapter queue (checkQueue's messageCount; unacknowledged ones are not
   * included). A short-lived channel of its own: a failed checkQueue closes its channel, and that
   * must never be the publisher's or a consumer's. Callers bound the wait and cache the result.
   */
  async queueDepths(adapters: readonly string[]): Promise<Map<string, number>> {
    const model = this.connection.current();
    if (!model) throw transportError('unavailable', 'not connected to RabbitMQ');
    const channel = await model.createChannel();
    // A channel closed by the broker emits 'error'; unhandled, that would crash the process.
    channel.on('error', () => undefined);
    try {
      const depths = new Map<string, number>();
      for (const adapter of adapters) depths.set(adapter, (await channel.checkQueue(this.names.adapterQueue(adapter))).messageCount);
      return depths;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Stops consumers (in-flight handlers finish), waits for confirms, closes; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Consumers first: their in-flight handlers may still publish retry or parked copies.
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.publisher.close(this.options.closeTimeoutMs ?? 10_000);
    await this.connection.close();
  }

  private assertOpen(): void {
    if (this.closing) throw transportError('closed', 'transport is closed');
  }
}
