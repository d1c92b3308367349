/**
 * One AMQP connection that keeps itself alive: connects (waiting for RabbitMQ if it is down),
 * replays every registered set-up step (topology, publisher channel, consumers) on each new
 * connection, and reconnects with exponential back-off and jitter when the connection is lost.
 * Nothing is queued here while disconnected: callers wait a bounded time via whenReady().
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import type { ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { backoffDelayMs } from '../retry-policy.js';
import type { BackoffPolicy } from '../retry-policy.js';
import { transportError } from '../transport-error.js';

export interface AmqpConnectionOptions {
  url: string;
  logger: Logger;
  /** Shown by `rabbitmqctl list_connections user_provided_name`, so operators can tell processes apart. */
  connectionName: string;
  backoff: BackoffPolicy;
  /** A connection that stayed up this long resets the back-off to its first step. */
  stableAfterMs?: number;
  /** Bound on one TCP + AMQP handshake, so an unreachable host cannot stall the loop (or close()). */
  connectTimeoutMs?: number;
}

/** Runs on every new connection, in registration order, before the connection counts as ready. */
export type SetupStep = (model: ChannelModel) => Promise<void>;

interface Waiter {
  resolve: (model: ChannelModel) => void;
  reject: (err: Error) => void;
}

/** A self-healing AMQP connection with set-up replay. */
export class AmqpConnection {
  private readonly steps: SetupStep[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<() => void>();
  private readonly stop = new AbortController();
  private readonly dead = new WeakSet<ChannelModel>();
  private model: ChannelModel | null = null;
  private ready = false;
  private blocked = false;
  private everReady = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: AmqpConnectionOptions) {}

  /** Registers a set-up step; returns a function that unregisters it. */
  addSetupStep(step: SetupStep): () => void {
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  /** Called on every state change (ready, lost, blocked, unblocked) so waiters can re-check. */
  onStateChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Starts the connect loop once; later calls do nothing. */
  open(): void {
    this.loop ??= this.run();
  }

  /** The connection, once connected and set up; null while (re)connecting. */
  current(): ChannelModel | null {
    return this.ready ? this.model : null;
  }

  isReady(): boolean {
    return this.ready;
  }

  isBlocked(): boolean {
    return this.blocked;
  }

  /** Resolves with the connection once ready; rejects on abort, on timeout, or when closed. */
  whenReady(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ChannelModel> {
    if (this.stop.signal.aborted) return Promise.reject(transportError('closed', 'transport is closed'));
    if (this.ready && this.model) return Promise.resolve(this.model);
    return new Promise<ChannelModel>((resolve, reject) => {
      const cleanup = (): void => {
        this.waiters.delete(waiter);
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (m) => (cleanup(), resolve(m)),
        reject: (e) => (cleanup(), reject(e)),
      };
      const onAbort = (): void => waiter.reject(transportError('unavailable', 'gave up waiting for RabbitMQ', options.signal?.reason));
      const timer = options.timeoutMs === undefined ? undefined
        : setTimeout(() => waiter.reject(transportError('unavailable', `not connected to RabbitMQ within ${options.timeoutMs} ms`)), options.timeoutMs);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Drops the current connection so the loop builds a fresh one. Used when a channel we depend on
   * dies while the connection lives on: replaying the whole set-up is simpler and safer than
   * repairing one channel in place.
   */
  recycle(reason: string, err?: unknown): void {
    const model = this.model;
    if (!model || this.stop.signal.aborted) return;
    // Deferred: when the whole connection dies, amqplib closes its channels before the connection
    // itself, so a channel's 'close' arrives first; by the next turn the loop has seen the loss.
    setImmediate(() => {
      if (this.model !== model || this.dead.has(model) || this.stop.signal.aborted) return;
      this.options.logger.warn({ err, reason }, 'recycling RabbitMQ connection');
      model.close().catch(() => undefined); // already closing: its 'close' event drives the loop
    });
  }

  /** Stops reconnecting and closes the connection; idempotent. */
  async close(): Promise<void> {
    if (!this.stop.signal.aborted) this.stop.abort();
    for (const w of [...this.waiters]) w.reject(transportError('closed', 'transport is closed'));
    const model = this.model;
    if (model) await model.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, backoff } = this.options;
    const stableAfterMs = this.options.stableAfterMs ?? 5_000;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      try {
        const model = await connect(this.options.url, {
          clientProperties: { connection_name: this.options.connectionName },
          timeout: this.options.connectTimeoutMs ?? 10_000,
          // amqplib leaves Nagle on: each small frame then waits for the peer's 40 ms delayed ACK
          // (measured: one message's send→visible 44 ms → 7 ms with this set).
          noDelay: true,
        });
        const lost = this.watch(model);
        this.model = model;
        if (this.stop.signal.aborted) break;
        for (let i = 0; i < this.steps.length; i++) await this.steps[i]?.(model);
        if (this.stop.signal.aborted) break;
        this.setReady(true);
        const readyAt = Date.now();
        logger.info({ reconnected: this.everReady }, 'connected to RabbitMQ');
        this.everReady = true;
        const err = await lost;
        this.setReady(false);
        this.model = null;
        if (this.stop.signal.aborted) break;
        if (Date.now() - readyAt >= stableAfterMs) failures = 0;
        logger.warn({ err }, 'connection to RabbitMQ lost; reconnecting');
      } catch (err) {
        this.setReady(false);
        const model = this.model;
        this.model = null;
        if (model) await model.close().catch(() => undefined);
        if (this.stop.signal.aborted) break;
        const message = this.everReady ? 'reconnecting to RabbitMQ failed; retrying' : 'waiting for RabbitMQ';
        logger.warn({ err, attempt: failures + 1 }, message);
      }
      failures++;
      const delayMs = backoffDelayMs(backoff, failures);
      logger.debug({ delayMs, attempt: failures }, 'next RabbitMQ connection attempt scheduled');
      await sleep(delayMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
    this.setReady(false);
    // close() may have raced a connect or set-up in progress: do not leave that connection open.
    const model = this.model;
    this.model = null;
    if (model && !this.dead.has(model)) await model.close().catch(() => undefined);
  }

  /** Attaches the listeners every connection needs; resolves when it closes (with the cause, if any). */
  private watch(model: ChannelModel): Promise<Error | undefined> {
    // Without an 'error' listener an EventEmitter throws, which would crash the process.
    model.on('error', (err: Error) => this.options.logger.warn({ err }, 'RabbitMQ connection error'));
    model.on('blocked', (reason: string) => {
      this.options.logger.warn({ reason }, 'RabbitMQ blocked publishing (resource alarm)');
      this.blocked = true;
      this.notify();
    });
    model.on('unblocked', () => {
      this.options.logger.info('RabbitMQ unblocked publishing');
      this.blocked = false;
      this.notify();
    });
    return new Promise((resolve) =>
      model.once('close', (err?: Error) => {
        this.dead.add(model);
        resolve(err);
      }),
    );
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    if (!ready) this.blocked = false;
    const model = this.model;
    if (ready && model) for (const w of [...this.waiters]) w.resolve(model);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
