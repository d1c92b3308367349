/**
 * What the transport publishes, and with which properties: envelopes to their adapter, retry
 * copies to a delay queue, parked copies to the parking lot, and lifecycle events. All persistent
 * JSON, all confirmed; the trace headers ride along so one grep follows a message across processes.
 */
import type { Options } from 'amqplib';
import { HEADERS } from '../names.js';
import type { TransportNames } from '../names.js';
import type { Envelope, LifecycleEvent } from '../transport.js';
import type { ConfirmPublisher } from './publisher.js';

/** RabbitMQ caps short strings in headers; a stack-sized reason would also bloat every copy. */
const MAX_REASON_LENGTH = 1_000;

/** Builds and publishes the transport's messages on a ConfirmPublisher. */
export class EnvelopePublisher {
  constructor(
    private readonly names: TransportNames,
    private readonly publisher: ConfirmPublisher,
  ) {}

  /** First publication of an envelope to its adapter's queue. */
  publishEnvelope(envelope: Envelope): Promise<void> {
    const key = this.names.adapterRoutingKey(envelope.adapter);
    return this.publisher.publish(this.names.routeExchange, key, encode(envelope), envelopeProps(envelope, 1), true);
  }

  /**
   * A copy for attempt `attempt`, held in the delay queue for `baseMs` (the queue's TTL) or for
   * `jitteredMs` if shorter. The routing key stays the adapter's, which dead-lettering reuses to
   * send the copy back to `mesh.adapter.<adapter>` when it expires.
   */
  publishRetry(envelope: Envelope, attempt: number, baseMs: number, jitteredMs: number): Promise<void> {
    const props = envelopeProps(envelope, attempt);
    props.headers[HEADERS.retryDelay] = String(baseMs);
    const extra: Options.Publish = jitteredMs < baseMs ? { expiration: String(jitteredMs) } : {};
    const key = this.names.adapterRoutingKey(envelope.adapter);
    return this.publisher.publish(this.names.retryExchange, key, encode(envelope), { ...props, ...extra }, true);
  }

  /** The operators' copy of a parked envelope, with why and after how many attempts. */
  publishParked(envelope: Envelope, attempts: number, error: Error): Promise<void> {
    const props = envelopeProps(envelope, attempts);
    props.headers[HEADERS.failureReason] = `${error.name}: ${error.message}`.slice(0, MAX_REASON_LENGTH);
    props.headers[HEADERS.attempts] = attempts;
    props.headers[HEADERS.adapter] = envelope.adapter;
    return this.publisher.publish(this.names.parkedExchange, envelope.adapter, encode(envelope), props, true);
  }

  /** A lifecycle event; not mandatory, since having no subscriber is normal. */
  publishEvent(event: LifecycleEvent): Promise<void> {
    const key = this.names.eventRoutingKey(event.event, event.workflowId);
    const props: Options.Publish = {
      persistent: true,
      contentType: 'application/json',
      messageId: event.messageId,
      timestamp: Math.floor(event.at / 1000),
      type: event.event,
      headers: { [HEADERS.workflowId]: event.workflowId },
    };
    return this.publisher.publish(this.names.eventsExchange, key, encode(event), props, false);
  }
}

function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function envelopeProps(envelope: Envelope, attempt: number): Options.Publish & { headers: Record<string, unknown> } {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: envelope.messageId,
    headers: {
      [HEADERS.workflowId]: envelope.workflowId,
      [HEADERS.traceId]: envelope.traceId,
      [HEADERS.attempt]: attempt,
    },
  };
}
