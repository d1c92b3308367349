import type { MessageStatus } from '../message/model.js';

const STATUSES: ReadonlySet<string> = new Set<MessageStatus>([
  'uploading', 'accepted', 'routed', 'processed', 'acknowledged', 'undeliverable', 'error', 'expired', 'purged',
]);

/**
 * A status list as SQL literals, e.g. `'acknowledged', 'error'`. Literals rather than parameters so
 * the planner can match the (status, updated_at) index's leading column per value; every value is
 * checked against the known statuses, so nothing from outside the code ever reaches the SQL text.
 */
export function statusListSql(statuses: readonly MessageStatus[]): string {
  if (statuses.length === 0) throw new RangeError('status list is empty');
  for (const s of statuses) if (!STATUSES.has(s)) throw new RangeError(`unknown message status ${JSON.stringify(s)}`);
  return statuses.map((s) => `'${s}'`).join(', ');
}

/** Statuses that mean the message has failed, so status_success becomes false when one is entered. */
export const FAILED_STATUSES: ReadonlySet<MessageStatus> = new Set<MessageStatus>(['undeliverable', 'error', 'expired']);
