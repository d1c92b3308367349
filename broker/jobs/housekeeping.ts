import type { JobsConfig } from '../config/jobs-config.js';
import type { ClusterJob } from './cluster-job.js';
import { CronJob, intervalJobStatus, type JobStatus } from './cron-job.js';
import {
  JOB_NAMES,
  expireAbandonedUploads,
  expireUncollected,
  logDailyStatistics,
  purgeFinished,
  type HousekeepingDeps,
} from './housekeeping-jobs.js';

export interface HousekeepingOptions extends HousekeepingDeps {
  config: JobsConfig;
  /** This node's identity in the jobs' leases (default: one per job). */
  holder?: string;
  /** Lease length for every scheduled job (default CronJob's). */
  leaseTtlMs?: number;
}

/** meshd's scheduled jobs, started and stopped together, plus the interval jobs shown beside them. */
export class Housekeeping {
  readonly inboxExpiry: CronJob;
  readonly purge: CronJob;
  readonly abandonedUploads: CronJob;
  readonly stats: CronJob;
  private readonly intervalJobs: { job: ClusterJob; intervalMs: number }[] = [];

  constructor(opts: HousekeepingOptions) {
    const { config } = opts;
    const make = (key: keyof JobsConfig, run: () => Promise<Record<string, number | string | boolean | null>>): CronJob =>
      new CronJob({
        name: JOB_NAMES[key],
        schedule: config[key].schedule,
        run,
        store: opts.store,
        logger: opts.logger,
        now: opts.now,
        ...(opts.holder !== undefined ? { holder: opts.holder } : {}),
        ...(opts.leaseTtlMs !== undefined ? { leaseTtlMs: opts.leaseTtlMs } : {}),
      });
    this.inboxExpiry = make('inboxExpiry', () => expireUncollected(opts, config.inboxExpiry));
    this.purge = make('purge', () => purgeFinished(opts, config.purge));
    this.abandonedUploads = make('abandonedUploads', () => expireAbandonedUploads(opts, config.abandonedUploads));
    this.stats = make('stats', () => logDailyStatistics(opts));
  }

  /** The scheduled jobs. */
  get jobs(): CronJob[] {
    return [this.inboxExpiry, this.purge, this.abandonedUploads, this.stats];
  }

  /** Lists an interval job (outbox sweep, nonce pruning) in status() too; it is started and stopped by its owner. */
  showIntervalJob(job: ClusterJob, intervalMs: number): void {
    this.intervalJobs.push({ job, intervalMs });
  }

  /** Starts every schedule. */
  start(): void {
    for (const job of this.jobs) job.start();
  }

  /** Stops every schedule, waiting for runs in progress and releasing their leases. */
  async stop(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.stop()));
  }

  /** Every job's state on this node. */
  status(): JobStatus[] {
    return [...this.jobs.map((j) => j.status()), ...this.intervalJobs.map((j) => intervalJobStatus(j.job, j.intervalMs))];
  }
}
