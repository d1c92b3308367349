import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import type { LifecycleEvent, Transport } from '../transport/transport.js';

const LOG_EVERY_MS = 60_000;

/**
 * Publishes the lifecycle stream (`mesh.events`: accepted, delivered, acknowledged, reported,
 * parked) for metrics, audit and other systems. Best effort: the metadata store is the record,
 * so a lost event never fails or delays the operation it describes.
 */
export class LifecycleEvents {
  private lastFailureLog = 0;
  private failures = 0;

  constructor(
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly metrics: Metrics | null = null,
  ) {}

  /** Queues one event; failures are counted and logged at most once a minute. */
  emit(event: LifecycleEvent['event'], message: { messageId: string; workflowId: string }, mailbox: string): void {
    // Counted here, before publishing: every event site already goes through emit(), and metrics
    // must not depend on the transport accepting the event.
    this.metrics?.messageEvent(event, message.workflowId);
    this.transport.publishEvent({ event, messageId: message.messageId, workflowId: message.workflowId, mailbox, at: this.now() }).catch((err: unknown) => {
      this.failures++;
      if (this.now() - this.lastFailureLog < LOG_EVERY_MS) return;
      this.lastFailureLog = this.now();
      this.logger.warn({ err, failures: this.failures }, 'lifecycle events not published');
    });
  }
}
