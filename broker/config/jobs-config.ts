/** The scheduled housekeeping jobs' configuration (`jobs:` in the meshd config file), with defaults and checks. */

import cron from 'node-cron';
import { ConfigError } from './config-error.js';

/** One job's cron expression (node-cron syntax: 5 fields, or 6 with seconds first). */
export interface ScheduleConfig {
  schedule: string;
}

/** How much one run may do: `batchSize` messages per transaction, at most `maxBatches` transactions. */
export interface BatchLimits {
  batchSize: number;
  maxBatches: number;
}

export interface JobsConfig {
  /** Uncollected accepted messages become undeliverable after `days`, and their senders get REPORT 14. */
  inboxExpiry: ScheduleConfig & BatchLimits & { days: number };
  /** Payloads of finished messages are deleted `days` after their last change. */
  purge: ScheduleConfig & BatchLimits & { days: number };
  /** Uploads with no chunk for `hours` are expired and their chunks deleted. */
  abandonedUploads: ScheduleConfig & BatchLimits & { hours: number };
  /** The daily statistics summary line. */
  stats: ScheduleConfig;
}

/** The `jobs:` block as the schema admits it: every key optional. */
export interface JobsConfigFile {
  inboxExpiry?: Partial<JobsConfig['inboxExpiry']>;
  purge?: Partial<JobsConfig['purge']>;
  abandonedUploads?: Partial<JobsConfig['abandonedUploads']>;
  stats?: Partial<JobsConfig['stats']>;
}

/** Defaults: MESH's 5 days to collect and 30 to deletion; purge at a quiet hour, off the top of it. */
export const DEFAULT_JOBS: JobsConfig = {
  inboxExpiry: { schedule: '*/5 * * * *', days: 5, batchSize: 500, maxBatches: 200 },
  purge: { schedule: '17 3 * * *', days: 30, batchSize: 500, maxBatches: 1000 },
  abandonedUploads: { schedule: '*/15 * * * *', hours: 24, batchSize: 500, maxBatches: 200 },
  stats: { schedule: '0 0 * * *' },
};

/**
 * Merges the file's `jobs:` block over the defaults and checks every schedule with node-cron, so a
 * typo fails start-up naming its path instead of never firing. The expiry's `days` and the top-level
 * inboxExpiryDays are one setting (expiresAt, shown in tracking, is computed from the latter), so
 * either may be given, and both only if they agree.
 */
export function resolveJobsConfig(file: JobsConfigFile | undefined, inboxExpiryDays: number | undefined, shown: string): JobsConfig {
  const given = file ?? {};
  const expiryDays = given.inboxExpiry?.days;
  if (expiryDays !== undefined && inboxExpiryDays !== undefined && expiryDays !== inboxExpiryDays) {
    throw new ConfigError(shown, '/jobs/inboxExpiry/days', `is ${expiryDays} but /inboxExpiryDays is ${inboxExpiryDays}; give one, or the same value`);
  }
  const jobs: JobsConfig = {
    inboxExpiry: { ...DEFAULT_JOBS.inboxExpiry, ...given.inboxExpiry, days: expiryDays ?? inboxExpiryDays ?? DEFAULT_JOBS.inboxExpiry.days },
    purge: { ...DEFAULT_JOBS.purge, ...given.purge },
    abandonedUploads: { ...DEFAULT_JOBS.abandonedUploads, ...given.abandonedUploads },
    stats: { ...DEFAULT_JOBS.stats, ...given.stats },
  };
  for (const name of Object.keys(jobs) as (keyof JobsConfig)[]) {
    checkSchedule(jobs[name].schedule, shown, `/jobs/${name}/schedule`);
  }
  return jobs;
}

/** Throws ConfigError at `path` unless node-cron accepts `expression`. */
export function checkSchedule(expression: string, source: string, path: string): void {
  if (cron.validate(expression)) return;
  throw new ConfigError(source || 'defaults', path, `${JSON.stringify(expression)} is not a valid cron expression (e.g. "*/5 * * * *")`);
}
