import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { ClusterJob, type JobLeaseStore } from './cluster-job.js';

/** What a job reports about one run, for its log line and the admin view (counts, mostly). */
export type JobOutcome = Record<string, number | string | boolean | null>;

export interface CronJobOptions {
  /** The lease's key and the name in logs: every node running this job uses the same name. */
  name: string;
  /** node-cron expression (checked at start-up by resolveJobsConfig). */
  schedule: string;
  run: () => Promise<JobOutcome>;
  store: JobLeaseStore;
  logger: Logger;
  /** This node's identity in the lease table (default: ClusterJob's). */
  holder?: string;
  /** How long a lease lasts unrenewed; renewed every third of it while a run goes on (default 10 min). */
  leaseTtlMs?: number;
  /** IANA time zone the schedule is read in (default: the process's). */
  timezone?: string;
  now?: () => number;
}

/** One job's state, as GET /admin/jobs shows it. */
export interface JobStatus {
  name: string;
  schedule: string;
  /** Whether this node held the job's lease at its last check. */
  leader: boolean;
  running: boolean;
  lastRunAt: number | null;
  lastOutcome: JobOutcome | null;
  lastError: string | null;
  /** Next time the schedule fires here (null for interval jobs, which tick continuously). */
  nextRunAt: number | null;
}

const DEFAULT_LEASE_TTL_MS = 10 * 60_000;

/**
 * A ClusterJob fired by a cron schedule instead of an interval: on each trigger every node ticks,
 * and only the one that takes (or already holds) the lease runs. ClusterJob stays the one place that
 * decides leadership; this adds when to ask, and keeps the lease renewed during a long run (a purge)
 * so no other node starts a second one meanwhile. The holder keeps the lease between runs until its
 * TTL lapses, so leadership is sticky while it lives and moves at the next trigger after it dies.
 */
export class CronJob {
  readonly name: string;
  readonly schedule: string;
  private readonly job: ClusterJob;
  private readonly renewMs: number;
  private readonly now: () => number;
  private task: ScheduledTask | null = null;
  private running = false;
  private lastRunAt: number | null = null;
  private lastOutcome: JobOutcome | null = null;
  private lastError: string | null = null;

  constructor(private readonly opts: CronJobOptions) {
    this.name = opts.name;
    this.schedule = opts.schedule;
    this.now = opts.now ?? Date.now;
    const leaseTtlMs = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.renewMs = Math.max(1, Math.floor(leaseTtlMs / 3));
    this.job = new ClusterJob({
      name: opts.name,
      // Never started as an interval job: the interval is only the renewal period while running.
      intervalMs: this.renewMs,
      leaseTtlMs,
      store: opts.store,
      logger: opts.logger,
      now: this.now,
      ...(opts.holder !== undefined ? { holder: opts.holder } : {}),
      run: () => this.runOnce(),
    });
  }

  /** This node's lease holder ID. */
  get holder(): string {
    return this.job.holder;
  }

  /**
   * One trigger: takes or renews the lease and, if held, runs the job to its end. Resolves (never
   * rejects) true if this node ran it. Tests call this instead of waiting for the schedule.
   */
  async tick(): Promise<boolean> {
    const renew = setInterval(() => {
      if (this.running) void this.job.tick();
    }, this.renewMs);
    renew.unref();
    try {
      return await this.job.tick();
    } finally {
      clearInterval(renew);
    }
  }

  /** Starts firing on the schedule; the timer does not keep the process alive. */
  start(): void {
    if (this.task) return;
    this.task = cron.createTask(this.schedule, async () => {
      await this.tick();
    }, {
      name: this.name,
      // A run still going at the next trigger is left to finish; ClusterJob would skip it anyway.
      noOverlap: true,
      ...(this.opts.timezone ? { timezone: this.opts.timezone } : {}),
      logger: cronLogger(this.opts.logger, this.name),
    });
    void this.task.start();
    this.task.unref();
  }

  /** Stops the schedule, waits for a run in progress and releases the lease so another node can take it. */
  async stop(): Promise<void> {
    const task = this.task;
    this.task = null;
    if (task) await task.destroy();
    await this.job.stop();
  }

  /** The job's state on this node. */
  status(): JobStatus {
    const next = this.task?.getNextRun() ?? null;
    return {
      name: this.name,
      schedule: this.schedule,
      leader: this.job.isLeader,
      running: this.running,
      lastRunAt: this.lastRunAt,
      lastOutcome: this.lastOutcome,
      lastError: this.lastError,
      nextRunAt: next ? next.getTime() : null,
    };
  }

  private async runOnce(): Promise<void> {
    this.running = true;
    const started = this.now();
    try {
      const outcome = await this.opts.run();
      this.lastOutcome = outcome;
      this.lastError = null;
      this.opts.logger.info({ job: this.name, holder: this.job.holder, ms: this.now() - started, ...outcome }, 'scheduled job done');
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      // ClusterJob logs it; recording it here is for the admin view.
      throw err;
    } finally {
      this.lastRunAt = started;
      this.running = false;
    }
  }
}

/** The state of an interval ClusterJob (outbox sweep, nonce pruning) in the same shape. */
export function intervalJobStatus(job: ClusterJob, intervalMs: number): JobStatus {
  return {
    name: job.name,
    schedule: `every ${intervalMs} ms`,
    leader: job.isLeader,
    running: false,
    lastRunAt: null,
    lastOutcome: null,
    lastError: null,
    nextRunAt: null,
  };
}

/** node-cron's own warnings (missed triggers after a pause, say) as pino lines rather than console output. */
function cronLogger(logger: Logger, job: string) {
  return {
    info: (message: string) => logger.debug({ job }, message),
    warn: (message: string) => logger.warn({ job }, message),
    error: (message: string | Error, err?: Error) => logger.error({ job, err: err ?? message }, 'scheduler error'),
    debug: (message: string | Error) => logger.debug({ job }, String(message)),
  };
}
