import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Directory } from '../directory/directory.js';
import type { Metrics } from '../metrics/metrics.js';
import type { MessageRecord } from '../message/model.js';
import type { ObjectStore } from '../objects/object-store.js';
import type { LifecycleEvents } from '../routing/lifecycle-events.js';
import type { OutboxPublisher } from '../routing/outbox-publisher.js';
import type { Router } from '../routing/router.js';
import type { MessageStore, OutputWrite } from '../store/message-store.js';
import { shouldRetry } from '../transport/retry-policy.js';
import { UnrecoverableError, type Consumer, type Delivery, type RetryPolicy, type Transport } from '../transport/transport.js';
import type { AdapterContext, AdapterRegistry, EmitInput } from './adapter.js';
import { buildEmitted, buildReport, ownObjectKeys, type OutputDeps } from './adapter-outputs.js';
import { readWholePayload } from './read-payload.js';

export interface AdapterRuntimeOptions {
  store: MessageStore;
  objects: ObjectStore;
  directory: Directory;
  transport: Transport;
  router: Router;
  adapters: AdapterRegistry;
  publisher: OutboxPublisher;
  logger: Logger;
  retry: RetryPolicy;
  prefetch: number;
  inlineChunkBytes: number;
  maxRequestBytes: number;
  inboxExpiryDays: number;
  /** Most adapter hops from the original message before it is parked as a routing loop. */
  maxHops?: number;
  /** The lifecycle stream (mesh.events). */
  events?: LifecycleEvents | null;
  /** Most outputs one message may produce. */
  maxOutputs?: number;
  /** Adapter outcomes and processing time. */
  metrics?: Metrics | null;
  now?: () => number;
}

/** Runs adapters as transport consumers: at-least-once delivery in, exactly-once results out. */
export class AdapterRuntime {
  private readonly consumers: Consumer[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: AdapterRuntimeOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts one consumer per adapter that some route uses. */
  async start(): Promise<void> {
    for (const name of this.opts.router.adapters()) {
      const consumer = await this.opts.transport.consume(name, (d) => this.observed(name, d), {
        prefetch: this.opts.prefetch,
        retry: this.opts.retry,
        onParked: (d, err) => this.park(d, err),
      });
      this.consumers.push(consumer);
    }
  }

  /** Stops consuming; handlers in flight finish first. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  /** handle(), timed and counted: `retried` when it throws and the transport will try again. */
  private async observed(adapter: string, delivery: Delivery): Promise<void> {
    const metrics = this.opts.metrics;
    if (!metrics) return this.handle(delivery);
    const started = process.hrtime.bigint();
    try {
      await this.handle(delivery);
    } catch (err) {
      // The transport applies the same policy; a failure it will not retry is counted by park().
      if (shouldRetry(this.opts.retry, delivery.attempt, err)) metrics.adapterOutcome(adapter, 'retried');
      throw err;
    } finally {
      metrics.adapterProcessing(adapter, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Processes one delivery; resolving acknowledges it, throwing retries it. */
  async handle(delivery: Delivery): Promise<void> {
    const { envelope } = delivery;
    const log = this.opts.logger.child({ messageId: envelope.messageId, mailbox: envelope.sender, adapter: envelope.adapter, traceId: envelope.traceId, attempt: delivery.attempt });
    const message = await this.opts.store.getMessage(envelope.messageId);
    if (!message) {
      log.warn('routed message no longer exists; delivery dropped');
      return;
    }
    if (message.status !== 'routed') {
      log.info({ status: message.status }, 'already processed; duplicate delivery ignored');
      return;
    }
    const adapter = this.opts.adapters.get(envelope.adapter);
    if (!adapter) throw new UnrecoverableError(`no adapter named ${envelope.adapter}`);
    if ((envelope.hops ?? 0) > (this.opts.maxHops ?? 8)) throw new UnrecoverableError(`routing loop: ${envelope.hops} adapter hops from the original message`);
    const settings = this.opts.router.settingsFor(message, adapter.name, envelope.producedBy ?? null);
    if (!settings) throw new UnrecoverableError(`no route sends workflow ${message.workflowId} to adapter ${adapter.name} any more`);

    const emits: EmitInput[] = [];
    const reports: Array<{ code: string; description: string }> = [];
    const maxOutputs = this.opts.maxOutputs ?? 10_000;
    const ctx: AdapterContext = {
      settings,
      readPayload: (): Promise<Readable> => readWholePayload(this.opts.store, this.opts.objects, message),
      emit: (output) => {
        if (emits.length >= maxOutputs) throw new UnrecoverableError(`adapter emitted more than ${maxOutputs} messages`);
        emits.push(output);
      },
      report: (code, description) => {
        reports.push({ code, description });
      },
      lookupMailbox: (id) => this.opts.directory.getMailbox(id),
      logger: log,
    };
    await adapter.handle(message, ctx);
    await this.commit(message, delivery, emits, reports, log);
  }

  private async commit(message: MessageRecord, delivery: Delivery, emits: EmitInput[], reports: Array<{ code: string; description: string }>, log: Logger): Promise<void> {
    const deps: OutputDeps = { ...this.opts, now: this.now() };
    const outputs: OutputWrite[] = [];
    try {
      for (const [i, emit] of emits.entries()) {
        if (!this.opts.directory.getMailbox(emit.to)?.active) throw new UnrecoverableError(`emitted message is addressed to ${emit.to}, which is not an active mailbox`);
        outputs.push(await buildEmitted(deps, message, delivery.envelope, i + 1, emit));
      }
      for (const [i, r] of reports.entries()) outputs.push(buildReport(deps, message, i + 1, r.code, r.description));
      const failed = reports.length > 0;
      const event = failed
        ? { status: 'error' as const, event: 'SEND', code: reports[0]!.code, description: reports[0]!.description, linkedMessageId: null }
        : { status: 'processed' as const, event: 'PROCESSED', code: null, description: `Processed by adapter ${delivery.envelope.adapter}: ${emits.length} message(s) emitted`, linkedMessageId: null };
      const done = await this.opts.store.completeRouted(message.messageId, event, outputs, failed ? 'error' : 'processed');
      if (!done) {
        log.info('another delivery completed this message first; outputs discarded');
        await this.discard(outputs, message);
        return;
      }
      this.opts.metrics?.adapterOutcome(delivery.envelope.adapter, 'processed');
    } catch (err) {
      await this.discard(outputs, message);
      throw err;
    }
    this.opts.publisher.publishNow(outputs.flatMap((o) => (o.outbox ? [o.outbox] : [])));
    for (const o of outputs) {
      if (o.message.status !== 'accepted') continue;
      this.opts.events?.emit(o.message.messageType === 'REPORT' ? 'reported' : 'delivered', o.message, o.message.recipient);
    }
    log.info({ emitted: emits.length, reports: reports.length }, 'adapter processed message');
  }

  private async discard(outputs: OutputWrite[], source: MessageRecord): Promise<void> {
    const sourceChunks = [];
    for (let n = 1; n <= source.totalChunks; n++) {
      const c = await this.opts.store.getChunk(source.messageId, n);
      if (c) sourceChunks.push(c);
    }
    await Promise.all(ownObjectKeys(outputs, sourceChunks).map((k) => this.opts.objects.delete(k).catch(() => undefined)));
  }

  private async park(delivery: Delivery, err: Error): Promise<void> {
    const { envelope } = delivery;
    await this.opts.store.parkRouted(envelope.messageId, envelope.adapter, err.message, delivery.attempt, this.now());
    this.opts.events?.emit('parked', envelope, envelope.sender);
    this.opts.metrics?.adapterOutcome(envelope.adapter, 'parked');
    this.opts.logger.error({ messageId: envelope.messageId, mailbox: envelope.sender, adapter: envelope.adapter, attempts: delivery.attempt, reason: err.message }, 'message parked');
  }
}
