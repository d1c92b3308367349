/**
 * Consumes one adapter queue on its own channel (so its prefetch and any channel error are its
 * own), re-subscribing on every new connection. A failed delivery never blocks the queue: a copy
 * goes to a delay queue (or to the parking lot) and only then is the original acked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import type { TransportNames } from '../names.js';
import { HEADERS } from '../names.js';
import { retryDelayMs, shouldRetry, toError, withJitter } from '../retry-policy.js';
import type { ConsumeOptions, Consumer, Delivery, Envelope, Handler } from '../transport.js';
import type { AmqpConnection } from './connection.js';
import type { EnvelopePublisher } from './envelope-publisher.js';

export interface AmqpConsumerOptions extends ConsumeOptions {
  names: TransportNames;
  adapter: string;
  handler: Handler;
  connection: AmqpConnection;
  publisher: EnvelopePublisher;
  logger: Logger;
  /** Fraction of each retry delay that is randomised (shortened). */
  jitter: number;
  /** Pause before requeueing a delivery whose retry copy or parking could not be recorded. */
  failurePauseMs: number;
}

/** A consumer of `mesh.adapter.<adapter>` that survives reconnects. */
export class AmqpConsumer implements Consumer {
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly unregister: () => void;
  private stopPromise: Promise<void> | null = null;

  constructor(private readonly o: AmqpConsumerOptions) {
    this.unregister = o.connection.addSetupStep((model) => this.attach(model));
  }

  /** Set-up step: opens a channel with this consumer's prefetch and subscribes. */
  async attach(model: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const queue = this.o.names.adapterQueue(this.o.adapter);
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => this.o.logger.warn({ err, queue }, 'consumer channel error'));
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.channel = null;
      if (!this.stopped) this.o.connection.recycle(`consumer channel for ${queue} closed`);
    });
    await ch.prefetch(this.o.prefetch);
    this.channel = ch;
    const { consumerTag } = await ch.consume(queue, (msg) => this.onMessage(ch, msg), { noAck: false });
    this.consumerTag = consumerTag;
    // stop() may have run while this set-up step was subscribing; it saw no channel to close.
    if (this.stopped) await ch.close().catch(() => undefined);
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.unregister();
    const ch = this.channel;
    // Cancel first so no new deliveries arrive while in-flight handlers finish and ack.
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    this.channel = null;
    // Closing returns anything delivered but not handled (prefetched after the cancel) to the queue.
    if (ch) await ch.close().catch(() => undefined);
  }

  private onMessage(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // RabbitMQ cancelled us (queue deleted, or a quorum leader moved away): rebuild everything.
      if (!this.stopped) this.o.connection.recycle(`consumer of ${this.o.adapter} cancelled by RabbitMQ`);
      return;
    }
    if (this.stopped) return; // left unacked: the channel close at stop() requeues it
    // Handlers still running from a channel that died keep going (their ack is dropped), so just
    // after a reconnect up to twice `prefetch` handlers may briefly overlap.
    const done: Promise<void> = this.process(ch, msg).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Never rejects: ends in an ack, a requeue, a rejection to mesh.parked, or nothing (channel gone). */
  private async process(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const envelope = parseEnvelope(msg.content);
    if (!envelope) {
      this.o.logger.error({ messageId: msg.properties.messageId, adapter: this.o.adapter }, 'malformed envelope; rejected to the parking lot');
      return settle(ch, (c) => c.nack(msg, false, false)); // the queue dead-letters it to mesh.parked
    }
    const attempt = attemptOf(msg);
    const delivery: Delivery = { envelope, attempt, redelivered: msg.fields.redelivered };
    const log = this.o.logger.child({ messageId: envelope.messageId, traceId: envelope.traceId, adapter: this.o.adapter, attempt });
    let error: Error;
    try {
      await this.o.handler(delivery);
      return settle(ch, (c) => c.ack(msg));
    } catch (err) {
      error = toError(err);
    }
    if (shouldRetry(this.o.retry, attempt, error)) {
      const baseMs = retryDelayMs(this.o.retry, attempt);
      log.warn({ err: error, delayMs: baseMs }, 'handler failed; retrying later');
      try {
        await this.o.publisher.publishRetry(envelope, attempt + 1, baseMs, withJitter(baseMs, this.o.jitter));
      } catch (pubErr) {
        log.error({ err: pubErr }, 'could not schedule the retry; requeueing');
        return this.requeueLater(ch, msg);
      }
      return settle(ch, (c) => c.ack(msg));
    }
    try {
      await this.o.onParked(delivery, error);
    } catch (parkErr) {
      log.error({ err: toError(parkErr), cause: error }, 'recording the parking failed; requeueing');
      return this.requeueLater(ch, msg);
    }
    log.error({ err: error }, 'envelope parked');
    try {
      await this.o.publisher.publishParked(envelope, attempt, error);
    } catch (pubErr) {
      // The authoritative parking record is already written by onParked; this copy is for operators.
      log.warn({ err: pubErr }, 'could not copy the parked envelope to the parking queue');
    }
    settle(ch, (c) => c.ack(msg));
  }

  /** Holds the delivery a moment (so a broken dependency is not hammered), then requeues it. */
  private async requeueLater(ch: Channel, msg: ConsumeMessage): Promise<void> {
    await sleep(this.o.failurePauseMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    settle(ch, (c) => c.nack(msg, false, true));
  }
}

/**
 * Acks or nacks on the channel that delivered the message. If that channel has closed meanwhile
 * (connection lost), RabbitMQ has already requeued the message and will redeliver it, so there is
 * nothing left to do: that is the at-least-once guarantee.
 */
function settle(ch: Channel, action: (ch: Channel) => void): void {
  try {
    action(ch);
  } catch {
    // IllegalOperationError: channel closed.
  }
}

function attemptOf(msg: ConsumeMessage): number {
  const n = Number(msg.properties.headers?.[HEADERS.attempt]);
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

const ENVELOPE_FIELDS = ['messageId', 'workflowId', 'adapter', 'sender', 'recipient', 'traceId'] as const;

/** The envelope, or null if the body is not one (never trust bytes from a queue). */
function parseEnvelope(content: Buffer): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  for (const field of ENVELOPE_FIELDS) if (typeof record[field] !== 'string') return null;
  return value as Envelope;
}
