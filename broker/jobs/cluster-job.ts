import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { MessageStore } from '../store/message-store.js';

/** What a cluster job needs of the metadata store: the lease table every node shares. */
export type JobLeaseStore = Pick<MessageStore, 'acquireJobLease' | 'releaseJobLease'>;

export interface ClusterJobOptions {
  /** The lease's key: every node running this job uses the same name. */
  name: string;
  /** How often to tick: renew the lease and, if held, run. */
  intervalMs: number;
  /** How long the lease lasts unrenewed, i.e. how soon another node takes over after a crash (default max(3 × interval, 30 s)). */
  leaseTtlMs?: number;
  run: () => Promise<void>;
  store: JobLeaseStore;
  logger: Logger;
  /** This node's identity in the lease table (default: a new `newHolderId()`). */
  holder?: string;
  now?: () => number;
}

/** A holder ID unique to this process and instance, readable in logs: hostname:pid:random. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Runs a periodic job on one node of the cluster at a time. Each tick takes or renews a time-bounded
 * lease in the shared store and runs the job only while this node holds it; a node that dies stops
 * renewing, so another takes over once the lease expires, and one that stops releases it at once.
 * A lease is not a lock a paused or partitioned node can be fenced with: a node stalled past the TTL
 * may still be finishing a run when another starts one, so jobs must tolerate a rare overlap
 * (every job here is idempotent).
 */
export class ClusterJob {
  readonly name: string;
  readonly holder: string;
  private readonly intervalMs: number;
  private readonly leaseTtlMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private acquiring: Promise<boolean> | null = null;
  private running: Promise<void> | null = null;
  private leader = false;
  private stopping: Promise<void> | null = null;

  constructor(private readonly opts: ClusterJobOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`cluster job ${opts.name}: intervalMs must be positive`);
    this.name = opts.name;
    this.holder = opts.holder ?? newHolderId();
    this.intervalMs = opts.intervalMs;
    this.leaseTtlMs = opts.leaseTtlMs ?? Math.max(3 * opts.intervalMs, 30_000);
    // A lease shorter than the interval would lapse between renewals and change hands every tick.
    if (!(this.leaseTtlMs > this.intervalMs)) throw new RangeError(`cluster job ${opts.name}: leaseTtlMs must exceed intervalMs`);
    this.now = opts.now ?? Date.now;
  }

  /** Whether this node held the lease at its last successful check. */
  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * Takes or renews the lease and, if held and no run is in progress here, runs the job once.
   * Resolves (never rejects) when that run ends; true if this tick ran the job.
   */
  async tick(): Promise<boolean> {
    if (this.stopping || this.acquiring) return false;
    // The lease is renewed even while a long run is still going, so no other node starts one meanwhile.
    const acquiring = this.acquire();
    this.acquiring = acquiring;
    const held = await acquiring.finally(() => {
      this.acquiring = null;
    });
    if (!held || this.running || this.stopping) return false;
    const running = this.runOnce();
    this.running = running;
    await running.finally(() => {
      this.running = null;
    });
    return true;
  }

  /**
   * Ticks now and then every intervalMs until stop(); the timer does not keep the process alive.
   * The first tick is immediate so a job with a long interval (nonce pruning: a minute) catches up
   * after downtime at once, and leadership is settled as soon as the node is up.
   */
  start(): void {
    if (this.timer || this.stopping) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops ticking, waits for a run in progress, and releases the lease so another node takes over at once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // An acquisition still in flight could take the lease after a release made before it lands.
    await this.acquiring;
    await this.running;
    try {
      await this.opts.store.releaseJobLease(this.name, this.holder);
    } catch (err) {
      // It then lapses on its own after the TTL.
      this.opts.logger.warn({ err, job: this.name, holder: this.holder }, 'cluster job: releasing the lease failed');
    }
    this.setLeader(false, 'stopped');
  }

  private async acquire(): Promise<boolean> {
    try {
      const held = await this.opts.store.acquireJobLease(this.name, this.holder, this.now(), this.leaseTtlMs);
      this.setLeader(held, 'lease taken by another node');
      return held;
    } catch (err) {
      // Leadership is unknown, not lost: keep the last known state and skip this run rather than risk a second runner.
      this.opts.logger.warn({ err, job: this.name, holder: this.holder }, 'cluster job: lease check failed; skipping this run');
      return false;
    }
  }

  private async runOnce(): Promise<void> {
    try {
      await this.opts.run();
    } catch (err) {
      this.opts.logger.error({ err, job: this.name, holder: this.holder }, 'cluster job run failed');
    }
  }

  /** Logs only changes of leadership, so a steady leader or follower is quiet. */
  private setLeader(held: boolean, why: string): void {
    if (held === this.leader) return;
    this.leader = held;
    if (held) this.opts.logger.info({ job: this.name, holder: this.holder }, 'cluster job: this node is now the leader');
    else this.opts.logger.info({ job: this.name, holder: this.holder, reason: why }, 'cluster job: this node is no longer the leader');
  }
}
