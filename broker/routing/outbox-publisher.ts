import type { Logger } from 'pino';
import { ClusterJob } from '../jobs/cluster-job.js';
import type { MessageStore, OutboxEntry } from '../store/message-store.js';
import type { Transport } from '../transport/transport.js';

export interface OutboxPublisherOptions {
  store: MessageStore;
  transport: Transport;
  logger: Logger;
  now?: () => number;
  /** A pending row older than this was not published by its fast path (crash, transport down): sweep it. */
  pendingGraceMs?: number;
  /** A published row still unprocessed after this is published again (lost in transit); keep it above the retry cycle. */
  republishAfterMs?: number;
  /** How often the sweeper looks. */
  sweepIntervalMs?: number;
  /** This node's identity in the sweep's cluster-wide lease (default: one of its own). */
  holder?: string;
  /** How soon another node takes the periodic sweep over if this one dies (default ClusterJob's). */
  sweepLeaseTtlMs?: number;
  batchSize?: number;
}

/**
 * Moves outbox rows to the transport. Each committed message is published at once (fast path);
 * the sweeper re-publishes whatever the fast path missed or the transport lost, so a committed
 * message is always eventually published. Consumers are idempotent, so a duplicate costs nothing.
 * The outbox is in the shared store, so the periodic sweep runs on one node of the cluster at a
 * time (a ClusterJob); the fast path and direct sweep() calls run on every node.
 */
export class OutboxPublisher {
  private readonly now: () => number;
  private readonly sweeper: ClusterJob;
  private sweeping: Promise<number> | null = null;
  private readonly inFlight = new Set<Promise<boolean>>();
  private stopping = false;

  constructor(private readonly opts: OutboxPublisherOptions) {
    this.now = opts.now ?? Date.now;
    this.sweeper = new ClusterJob({
      name: 'outbox-sweep',
      intervalMs: opts.sweepIntervalMs ?? 1_000,
      ...(opts.sweepLeaseTtlMs !== undefined ? { leaseTtlMs: opts.sweepLeaseTtlMs } : {}),
      ...(opts.holder !== undefined ? { holder: opts.holder } : {}),
      store: opts.store,
      logger: opts.logger,
      now: this.now,
      run: async () => {
        await this.sweep();
      },
    });
  }

  /** The periodic sweep's cluster job, for the jobs view (started and stopped by this publisher). */
  get sweepJob(): ClusterJob {
    return this.sweeper;
  }

  /** Publishes entries just committed; failures are logged and left to the sweeper. */
  publishNow(entries: OutboxEntry[]): void {
    for (const entry of entries) {
      const p = this.publishOne(entry).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Publishes every due row once; returns how many were published. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** Starts periodic sweeping, on whichever node holds the sweep's lease. */
  start(): void {
    this.sweeper.start();
  }

  /** Stops sweeping and waits for publishes in flight. */
  async stop(): Promise<void> {
    // A sweep during a transport outage would otherwise spend a publish timeout per row before
    // shutdown could finish; what it leaves stays in the outbox for the next process.
    this.stopping = true;
    // Releases the lease once a periodic sweep in progress ends, so another node sweeps at once.
    await this.sweeper.stop();
    await this.sweeping?.catch(() => 0);
    await Promise.allSettled([...this.inFlight]);
  }

  private async sweepOnce(): Promise<number> {
    const now = this.now();
    const due = await this.opts.store.listOutboxDue(now - (this.opts.pendingGraceMs ?? 2_000), now - (this.opts.republishAfterMs ?? 600_000), this.opts.batchSize ?? 500);
    let published = 0;
    for (const row of due) {
      if (this.stopping) break;
      if (await this.publishOne(row)) published++;
      // The transport is down: the rest would only fail the same way, one timeout each.
      else if (!this.opts.transport.isConnected()) break;
    }
    if (due.length > 0) this.opts.logger.info({ due: due.length, published }, 'outbox swept');
    return published;
  }

  private async publishOne(entry: OutboxEntry): Promise<boolean> {
    try {
      await this.opts.transport.publish(entry.envelope);
      await this.opts.store.markOutboxPublished([entry.messageId], this.now());
      return true;
    } catch (err) {
      this.opts.logger.warn({ err, messageId: entry.messageId, adapter: entry.adapter }, 'publish failed; the outbox sweeper will retry');
      return false;
    }
  }
}
