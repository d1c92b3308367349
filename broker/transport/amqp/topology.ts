/**
 * The RabbitMQ topology, declared on every (re)connection so a restarted or freshly reset broker is
 * repaired without operator action. Declarations are idempotent; changing the arguments of an
 * existing queue fails with PRECONDITION_FAILED, which needs the queue deleted (an operator step).
 *
 *   mesh.route  (topic)   --<adapter>-->         mesh.adapter.<adapter>  (quorum)
 *   mesh.retry  (headers) --retry-delay-ms=<ms>--> mesh.retry.<ms>        (quorum, TTL <ms>)
 *        mesh.retry.<ms> dead-letters (TTL expiry) back to mesh.route with the adapter as routing key
 *   mesh.parked (fanout)  -->                    mesh.parked             (quorum, operators' copy)
 *        mesh.adapter.<adapter> dead-letters to mesh.parked (rejected bodies, delivery limit)
 *   mesh.events (topic)   <event>.<workflow>     (subscribers bind their own queues)
 */
import type { Channel, ChannelModel } from 'amqplib';
import type { TransportNames } from '../names.js';

export interface TopologyOptions {
  /**
   * Deliveries of one message (consumer deaths, requeues after a failed onParked) after which the
   * quorum queue dead-letters it to mesh.parked instead of handing it out again, so a message that
   * crashes its consumer process cannot loop forever.
   */
  deliveryLimit: number;
}

// Quorum dead-lettering is at-most-once unless the strategy is at-least-once, which RabbitMQ only
// honours together with reject-publish overflow. Retry copies are the only copy once the original
// is acked, so losing one in transit would lose the envelope.
const SAFE_DEAD_LETTERING = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;

/** Queue arguments of `mesh.adapter.<adapter>`. */
export function adapterQueueArguments(names: TransportNames, options: TopologyOptions): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': options.deliveryLimit,
    'x-dead-letter-exchange': names.parkedExchange,
    ...SAFE_DEAD_LETTERING,
  };
}

/** Queue arguments of `mesh.retry.<delayMs>`: hold each copy delayMs, then send it back to its adapter. */
export function retryQueueArguments(names: TransportNames, delayMs: number): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-message-ttl': delayMs,
    'x-dead-letter-exchange': names.routeExchange,
    ...SAFE_DEAD_LETTERING,
  };
}

/** The adapters and retry delays known so far; grows as start() and consume() are called. */
export class Topology {
  private readonly adapters = new Set<string>();
  private readonly delays = new Set<number>();
  private version = 0;
  private readonly declared = new WeakMap<ChannelModel, number>();

  constructor(
    private readonly names: TransportNames,
    private readonly options: TopologyOptions,
  ) {}

  /** Adds adapters (validating their names); returns true if any was new. */
  addAdapters(adapters: Iterable<string>): boolean {
    return this.add(this.adapters, adapters, (a) => this.names.adapterQueue(a));
  }

  /** Adds retry delays (validating them); returns true if any was new. */
  addDelays(delays: Iterable<number>): boolean {
    return this.add(this.delays, delays, (d) => this.names.retryQueue(d));
  }

  hasAdapter(adapter: string): boolean {
    return this.adapters.has(adapter);
  }

  /** Declares everything unless this connection already has the current version. */
  async declareIfStale(model: ChannelModel): Promise<void> {
    if ((this.declared.get(model) ?? -1) < this.version) await this.declare(model);
  }

  /** Declares every exchange, queue and binding on a short-lived channel of `model`. */
  async declare(model: ChannelModel): Promise<void> {
    const version = this.version;
    // Its own channel: a failed declaration closes the channel it was made on, and must not take
    // the publisher's or a consumer's channel with it.
    const ch = await model.createChannel();
    ch.on('error', () => undefined); // surfaces as the rejected declaration below
    try {
      await this.declareOn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
    this.declared.set(model, Math.max(version, this.declared.get(model) ?? -1));
  }

  private async declareOn(ch: Channel): Promise<void> {
    const n = this.names;
    await ch.assertExchange(n.routeExchange, 'topic', { durable: true });
    await ch.assertExchange(n.eventsExchange, 'topic', { durable: true });
    await ch.assertExchange(n.retryExchange, 'headers', { durable: true });
    await ch.assertExchange(n.parkedExchange, 'fanout', { durable: true });
    await ch.assertQueue(n.parkedQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(n.parkedQueue, n.parkedExchange, '');
    for (const adapter of this.adapters) {
      const queue = n.adapterQueue(adapter);
      await ch.assertQueue(queue, { durable: true, arguments: adapterQueueArguments(n, this.options) });
      await ch.bindQueue(queue, n.routeExchange, n.adapterRoutingKey(adapter));
    }
    for (const delayMs of this.delays) {
      const queue = n.retryQueue(delayMs);
      await ch.assertQueue(queue, { durable: true, arguments: retryQueueArguments(n, delayMs) });
      await ch.bindQueue(queue, n.retryExchange, '', n.retryBinding(delayMs));
    }
  }

  private add<T>(set: Set<T>, items: Iterable<T>, validate: (item: T) => unknown): boolean {
    let added = false;
    for (const item of items) {
      validate(item);
      if (set.has(item)) continue;
      set.add(item);
      added = true;
    }
    if (added) this.version++;
    return added;
  }
}
