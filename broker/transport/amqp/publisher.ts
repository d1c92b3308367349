/**
 * Publishing with publisher confirms: a publish resolves only once RabbitMQ has taken
 * responsibility for the message (a quorum queue has it on a majority of disks), and rejects on
 * nack, on an unroutable mandatory message, or when the channel dies first.
 *
 * While disconnected, publishes wait (bounded in time and in number) for the next connection and
 * then fail: the caller's outbox keeps the work, so nothing here is an unbounded in-memory queue.
 */
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import type { Logger } from 'pino';
import { transportError } from '../transport-error.js';
import type { AmqpConnection } from './connection.js';

export interface PublisherOptions {
  logger: Logger;
  /** How long one publish may wait for a connection, a drained socket or an unblocked broker. */
  waitMs: number;
  /** Publishes waiting or unconfirmed at once; beyond it publish fails fast with backlog_full. */
  maxPending: number;
  /**
   * How long to wait for the broker's confirm once sent. On timeout the publish rejects although
   * the message may still arrive: at-least-once, so the caller's re-publish is harmless.
   */
  confirmTimeoutMs: number;
  /** Frames amqplib buffers per channel before publish() reports back-pressure (amqplib default if unset). */
  highWaterMark?: number;
}

/** One confirm channel per connection, re-created by the connection's set-up replay. */
export class ConfirmPublisher {
  private channel: ConfirmChannel | null = null;
  private needsDrain = false;
  private closing = false;
  private pending = 0;
  private readonly wakers = new Set<() => void>();
  /** messageId -> basic.return frames not yet matched to their confirm (a return precedes its ack). */
  private returned = new Map<string, number>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: PublisherOptions,
  ) {
    connection.onStateChange(() => this.wake());
  }

  /** Set-up step: opens this connection's confirm channel. */
  async attach(model: ChannelModel): Promise<void> {
    const hwm = this.options.highWaterMark;
    const ch = await model.createConfirmChannel(hwm === undefined ? undefined : { highWaterMark: hwm });
    ch.on('error', (err: Error) => this.options.logger.warn({ err }, 'publisher channel error'));
    ch.on('close', () => {
      if (this.channel !== ch) return;
      this.channel = null;
      this.needsDrain = false;
      this.returned = new Map();
      this.wake();
      if (!this.closing) this.connection.recycle('publisher channel closed');
    });
    // The socket buffer is full: hold further publishes until it drains (back-pressure).
    ch.on('drain', () => {
      this.needsDrain = false;
      this.wake();
    });
    ch.on('return', (msg: Message) => {
      const id = String(msg.properties.messageId);
      this.returned.set(id, (this.returned.get(id) ?? 0) + 1);
    });
    this.channel = ch;
    this.needsDrain = false;
    this.wake();
  }

  /**
   * Publishes and resolves on the broker's confirm. With `mandatory`, a message no queue is bound
   * for is rejected as not_routable instead of being confirmed and silently dropped.
   */
  async publish(exchange: string, routingKey: string, body: Buffer, props: Options.Publish, mandatory: boolean): Promise<void> {
    if (this.closing) throw transportError('closed', 'transport is closed');
    if (this.pending >= this.options.maxPending) {
      throw transportError('backlog_full', `${this.pending} publishes already pending`);
    }
    this.pending++;
    try {
      const ch = await this.writableChannel(Date.now() + this.options.waitMs);
      await new Promise<void>((resolve, reject) => {
        const messageId = String(props.messageId);
        const timer = setTimeout(() => {
          reject(transportError('not_confirmed', `no confirm for ${messageId} within ${this.options.confirmTimeoutMs} ms`));
        }, this.options.confirmTimeoutMs);
        const ok = ch.publish(exchange, routingKey, body, { ...props, mandatory }, (err: unknown) => {
          clearTimeout(timer);
          if (err) return reject(transportError('not_confirmed', `RabbitMQ did not confirm ${messageId}`, err));
          const returns = this.returned.get(messageId) ?? 0;
          if (mandatory && returns > 0) {
            if (returns === 1) this.returned.delete(messageId);
            else this.returned.set(messageId, returns - 1);
            return reject(transportError('not_routable', `no queue bound for ${exchange} / ${routingKey}`));
          }
          resolve();
        });
        if (!ok && !this.needsDrain) {
          this.needsDrain = true;
          this.options.logger.debug('publisher socket buffer full; waiting for drain');
        }
      });
    } finally {
      this.pending--;
      this.wake();
    }
  }

  /** Stops new publishes, waits (bounded) for pending confirms, closes the channel; idempotent. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < deadline) await this.nextChange(deadline - Date.now());
    if (this.pending > 0) this.options.logger.warn({ pending: this.pending }, 'closing with unconfirmed publishes');
    const ch = this.channel;
    this.channel = null;
    if (ch) await ch.close().catch(() => undefined);
  }

  /** Waits until there is an open channel that is not applying back-pressure and not blocked. */
  private async writableChannel(deadline: number): Promise<ConfirmChannel> {
    for (;;) {
      if (this.closing) throw transportError('closed', 'transport is closed');
      const ch = this.channel;
      if (ch && this.connection.isReady() && !this.needsDrain && !this.connection.isBlocked()) return ch;
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = !ch || !this.connection.isReady() ? 'not connected to RabbitMQ' : this.needsDrain ? 'socket did not drain' : 'RabbitMQ is blocking publishers';
        throw transportError('unavailable', `${why} within ${this.options.waitMs} ms`);
      }
      await this.nextChange(left);
    }
  }

  /** Resolves on the next state change or after `ms`, whichever is first. */
  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
