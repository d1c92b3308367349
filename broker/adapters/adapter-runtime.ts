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
import { SupersededError, type AdapterContext, type AdapterProgress, type AdapterRegistry, type EmitInput } from './adapter.js';
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

const OUTPUT_KEY = /^[A-Za-z0-9]{1,40}$/;
const MAX_STATE_CHARS = 65_536;

/** What one delivery's adapter has queued since its last batch commit, and how far it has got. */
class BatchState {
  emits: EmitInput[] = [];
  readonly reports: Array<{ code: string; description: string }> = [];
  readonly keys = new Set<string>();
  /** Outputs numbered so far in this delivery (unkeyed emits take the next number). */
  emitted = 0;
  /** The source's committed progress, once read. */
  progress: number | undefined;
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

    const batch = new BatchState();
    const maxOutputs = this.opts.maxOutputs ?? 10_000;
    const ctx: AdapterContext = {
      settings,
      readPayload: (): Promise<Readable> => readWholePayload(this.opts.store, this.opts.objects, message),
      emit: (output) => {
        if (batch.emits.length >= maxOutputs) throw new UnrecoverableError(`adapter emitted more than ${maxOutputs} messages without committing a batch`);
        if (output.key !== undefined) {
          if (!OUTPUT_KEY.test(output.key)) throw new UnrecoverableError(`emit key ${JSON.stringify(output.key)} is not 1 to 40 letters and digits`);
          if (batch.keys.has(output.key)) throw new UnrecoverableError(`emit key ${output.key} used twice`);
          batch.keys.add(output.key);
        }
        batch.emits.push(output);
      },
      report: (code, description) => {
        batch.reports.push({ code, description });
      },
      lookupMailbox: (id) => this.opts.directory.getMailbox(id),
      lookupEndpoint: (ods, workflowId) => this.opts.directory.lookupEndpoint(ods, workflowId),
      progress: async () => {
        const stored = await this.opts.store.routedProgress(message.messageId);
        batch.progress ??= stored.records;
        return { records: stored.records, state: stored.state === null ? null : (JSON.parse(stored.state) as unknown) };
      },
      commitBatch: (progress) => this.commitBatch(message, delivery, batch, progress, log),
      logger: log,
    };
    try {
      await adapter.handle(message, ctx);
      await this.commit(message, delivery, batch, log);
    } catch (err) {
      if (!(err instanceof SupersededError)) throw err;
      log.info('another delivery of this message committed first; this one stops');
    }
  }

  /** Builds the outputs of the emits (and reports) queued since the last batch; their payloads are stored first. */
  private async buildOutputs(message: MessageRecord, delivery: Delivery, batch: BatchState, withReports: boolean): Promise<OutputWrite[]> {
    const deps: OutputDeps = { ...this.opts, now: this.now() };
    const outputs: OutputWrite[] = [];
    try {
      for (const emit of batch.emits) {
        batch.emitted += 1;
        if (!this.opts.directory.getMailbox(emit.to)?.active) throw new UnrecoverableError(`emitted message is addressed to ${emit.to}, which is not an active mailbox`);
        outputs.push(await buildEmitted(deps, message, delivery.envelope, batch.emitted, emit));
      }
      if (withReports) for (const [i, r] of batch.reports.entries()) outputs.push(buildReport(deps, message, i + 1, r.code, r.description));
    } catch (err) {
      await this.discard(outputs, message);
      throw err;
    }
    return outputs;
  }

  private async commitBatch(message: MessageRecord, delivery: Delivery, batch: BatchState, progress: AdapterProgress, log: Logger): Promise<void> {
    const from = (batch.progress ??= (await this.opts.store.routedProgress(message.messageId)).records);
    const { records } = progress;
    if (!Number.isSafeInteger(records) || records < from) throw new UnrecoverableError(`batch progress ${records} is behind ${from}`);
    const state = progress.state === null || progress.state === undefined ? null : JSON.stringify(progress.state);
    if (state !== null && state.length > MAX_STATE_CHARS) throw new UnrecoverableError(`adapter checkpoint state is over ${MAX_STATE_CHARS} characters`);
    const outputs = await this.buildOutputs(message, delivery, batch, false);
    let done: boolean;
    try {
      done = await this.opts.store.commitRoutedBatch(message.messageId, from, { records, state }, outputs);
    } catch (err) {
      await this.discard(outputs, message);
      throw err;
    }
    if (!done) {
      await this.discard(outputs, message);
      throw new SupersededError(message.messageId);
    }
    batch.progress = records;
    batch.emits = [];
    this.announce(outputs);
    log.debug({ records, emitted: outputs.length }, 'adapter committed a batch');
  }

  private async commit(message: MessageRecord, delivery: Delivery, batch: BatchState, log: Logger): Promise<void> {
    const outputs = await this.buildOutputs(message, delivery, batch, true);
    const { reports } = batch;
    try {
      const failed = reports.length > 0;
      const event = failed
        ? { status: 'error' as const, event: 'SEND', code: reports[0]!.code, description: reports[0]!.description, linkedMessageId: null }
        : // Code 00 so the sender's tracking says what became of the message, in MESH's terms (TRANSFER, success).
          { status: 'processed' as const, event: 'TRANSFER', code: '00', description: `Processed by adapter ${delivery.envelope.adapter}: ${batch.emitted} message(s) emitted`, linkedMessageId: null };
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
    this.announce(outputs);
    log.info({ emitted: batch.emitted, reports: reports.length }, 'adapter processed message');
  }

  /** After a commit: publishes routed outputs and tells the lifecycle stream about delivered ones. */
  private announce(outputs: OutputWrite[]): void {
    this.opts.publisher.publishNow(outputs.flatMap((o) => (o.outbox ? [o.outbox] : [])));
    for (const o of outputs) {
      if (o.message.status !== 'accepted') continue;
      this.opts.events?.emit(o.message.messageType === 'REPORT' ? 'reported' : 'delivered', o.message, o.message.recipient);
    }
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
