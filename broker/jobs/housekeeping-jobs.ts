/**
 * The housekeeping jobs' work: inbox expiry, purge, abandoned uploads and the statistics summary.
 * Each is idempotent and safe to run on two nodes at once (the store's compare-and-set and
 * SKIP LOCKED batches see to it), so the lease only saves work; it is not what keeps them correct.
 */

import type { Logger } from 'pino';
import type { BatchLimits, JobsConfig } from '../config/jobs-config.js';
import type { EventInput, MessageStatus } from '../message/model.js';
import { newMessageId } from '../messages/message-id.js';
import { reportRecord } from '../messages/report-record.js';
import type { ObjectStore } from '../objects/object-store.js';
import type { LifecycleEvents } from '../routing/lifecycle-events.js';
import type { MessageStatRow, MessageStore, RetireRequest } from '../store/message-store.js';
import type { JobOutcome } from './cron-job.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** MESH's code for a message its recipient did not collect in time. */
export const UNCOLLECTED_CODE = '14';

/**
 * Finished messages whose payloads purge deletes. `processed` is an adapter's source message: its
 * outputs have chunk rows of their own, and objects they share are kept while any chunk uses them.
 */
export const PURGEABLE: readonly MessageStatus[] = ['acknowledged', 'undeliverable', 'error', 'expired', 'processed'];

export interface HousekeepingDeps {
  store: MessageStore;
  objects: ObjectStore;
  logger: Logger;
  /** The lifecycle stream (expired, reported), best effort. */
  events?: LifecycleEvents | null;
  now: () => number;
}

/** The description MESH gives an uncollected message and its REPORT. */
export function uncollectedDescription(days: number): string {
  return `Message not collected by recipient after ${days} day${days === 1 ? '' : 's'}`;
}

/**
 * Inbox expiry: every message accepted more than `days` ago and still unacknowledged becomes
 * undeliverable, and its sender gets one REPORT 14 in the same transaction, so a second run or
 * node finds nothing to do and no sender gets two. A REPORT that itself goes uncollected expires
 * without a report of its own (it has no sender to tell).
 */
export async function expireUncollected(deps: HousekeepingDeps, cfg: BatchLimits & { days: number }): Promise<JobOutcome> {
  const { store, logger } = deps;
  const description = uncollectedDescription(cfg.days);
  let expired = 0;
  let skipped = 0;
  for (let batch = 0; batch < cfg.maxBatches; batch++) {
    const now = deps.now();
    const due = await store.listUncollected(now - cfg.days * DAY_MS, cfg.batchSize);
    for (const message of due) {
      const reportId = newMessageId(new Date(now));
      const tellSender = message.messageType === 'DATA' && message.sender !== '';
      const report = tellSender
        ? {
            message: reportRecord(
              {
                messageId: reportId,
                recipient: message.sender,
                workflowId: message.workflowId,
                code: UNCOLLECTED_CODE,
                event: 'TRANSFER',
                description,
                subject: message.subject,
                localId: message.localId,
                fileName: message.fileName,
                linkedMessageId: message.messageId,
              },
              now,
              cfg.days,
            ),
            event: { status: 'accepted', event: 'TRANSFER', code: UNCOLLECTED_CODE, description, linkedMessageId: message.messageId } satisfies EventInput,
          }
        : null;
      const event: EventInput = { status: 'undeliverable', event: 'TRANSFER', code: UNCOLLECTED_CODE, description, linkedMessageId: report ? reportId : null };
      const updated = await store.expireMessage(message.messageId, event, report);
      if (!updated) {
        // Acknowledged meanwhile, or another run got there first: nothing written, nothing to say.
        skipped++;
        continue;
      }
      expired++;
      logger.info({ messageId: message.messageId, mailbox: message.recipient, sender: message.sender, reportId: report ? reportId : null }, 'message expired uncollected');
      deps.events?.emit('expired', updated, message.recipient);
      if (report) deps.events?.emit('reported', report.message, message.sender);
    }
    if (due.length < cfg.batchSize) break;
  }
  return { expired, skipped };
}

/**
 * Purge: payloads of finished messages untouched for `days` are deleted. The message row and its
 * events stay, with status `purged` and no chunks, so tracking still answers for the message (MESH
 * deletes it outright; a minimal row is a few hundred bytes and keeps the audit trail). Objects
 * are deleted after the commit, and only those no remaining chunk references; a delete that fails
 * leaves an unreferenced object (logged), never a reference to a missing one.
 */
export async function purgeFinished(deps: HousekeepingDeps, cfg: BatchLimits & { days: number }): Promise<JobOutcome> {
  const outcome = await retireInBatches(deps, cfg, {
    from: [...PURGEABLE],
    before: deps.now() - cfg.days * DAY_MS,
    to: 'purged',
    event: { status: 'purged', event: 'PURGED', code: null, description: `Payload deleted ${cfg.days} days after the message finished`, linkedMessageId: null },
  }, 'message purged');
  // After the deletes, so the space they freed goes back (SQLite; PostgreSQL's autovacuum does it).
  await deps.store.reclaimSpace();
  return outcome;
}

/** Abandoned uploads: chunked messages with no new chunk for `hours` are expired and their chunks deleted. */
export function expireAbandonedUploads(deps: HousekeepingDeps, cfg: BatchLimits & { hours: number }): Promise<JobOutcome> {
  return retireInBatches(deps, cfg, {
    from: ['uploading'],
    before: deps.now() - cfg.hours * HOUR_MS,
    to: 'expired',
    event: { status: 'expired', event: 'UPLOAD', code: null, description: `Upload not completed: no chunk received for ${cfg.hours} hours`, linkedMessageId: null },
  }, 'abandoned upload expired');
}

async function retireInBatches(deps: HousekeepingDeps, cfg: BatchLimits, req: Omit<RetireRequest, 'limit'>, logLine: string): Promise<JobOutcome> {
  let messages = 0;
  let objects = 0;
  let objectFailures = 0;
  for (let batch = 0; batch < cfg.maxBatches; batch++) {
    const done = await deps.store.retireMessages({ ...req, limit: cfg.batchSize });
    for (const m of done.messages) deps.logger.debug({ messageId: m.messageId, mailbox: m.sender, recipient: m.recipient }, logLine);
    for (const key of done.objectKeys) {
      try {
        await deps.objects.delete(key);
        objects++;
      } catch (err) {
        objectFailures++;
        deps.logger.warn({ err, objectKey: key }, 'could not delete an unreferenced object; it wastes space but is never served');
      }
    }
    messages += done.messages.length;
    if (done.messages.length < cfg.batchSize) break;
  }
  return { messages, objects, objectFailures };
}

/** The statistics summary: per workflow, how many messages are in each status. */
export interface StatsSummary {
  since: number;
  until: number;
  total: number;
  byStatus: Partial<Record<MessageStatus, number>>;
  byWorkflow: Record<string, Partial<Record<MessageStatus, number>>>;
}

/** Folds the store's grouped rows into per-workflow and overall counts. */
export function summarizeStats(rows: MessageStatRow[], since: number, until: number): StatsSummary {
  const summary: StatsSummary = { since, until, total: 0, byStatus: {}, byWorkflow: {} };
  for (const r of rows) {
    summary.total += r.count;
    summary.byStatus[r.status] = (summary.byStatus[r.status] ?? 0) + r.count;
    const wf = (summary.byWorkflow[r.workflowId] ??= {});
    wf[r.status] = (wf[r.status] ?? 0) + r.count;
  }
  return summary;
}

/** Messages created in the `periodMs` before now, by workflow and current status (one grouped query). */
export async function messageStatistics(deps: Pick<HousekeepingDeps, 'store' | 'now'>, periodMs = DAY_MS): Promise<StatsSummary> {
  const until = deps.now();
  const since = until - periodMs;
  return summarizeStats(await deps.store.messageStats(since, until), since, until);
}

/** The daily summary job: one pino line with the last day's counts. */
export async function logDailyStatistics(deps: HousekeepingDeps): Promise<JobOutcome> {
  const summary = await messageStatistics(deps);
  deps.logger.info({ stats: summary }, 'daily message statistics');
  return { total: summary.total, workflows: Object.keys(summary.byWorkflow).length };
}

/** Job names as they appear in the lease table, logs and the admin view. */
export const JOB_NAMES: Record<keyof JobsConfig, string> = {
  inboxExpiry: 'inbox-expiry',
  purge: 'purge',
  abandonedUploads: 'abandoned-uploads',
  stats: 'daily-stats',
};
