/** The SQLite store's housekeeping operations (inbox expiry, purge, statistics); each runs inside one batch op. */

import type { EventInput, MessageRecord, MessageStatus } from '../../message/model.js';
import type { MessageStatRow, ReportWrite, RetireRequest, RetireResult } from '../message-store.js';
import { FAILED_STATUSES, statusListSql } from '../status-sql.js';
import type { SqliteInternals } from './routing-ops.js';
import { UPDATE_STATE, rowToMessage, type MessageRow } from './rows.js';

/** Uncollected accepted messages, oldest first; a plain read. */
export function listUncollected(db: SqliteInternals, acceptedBefore: number, limit: number): MessageRecord[] {
  const rows = db
    .stmt(`SELECT * FROM messages WHERE status = 'accepted' AND accepted_at <= ? ORDER BY accepted_at LIMIT ?`)
    .all(acceptedBefore, Math.max(0, Math.floor(limit))) as MessageRow[];
  return rows.map(rowToMessage);
}

/** accepted → undeliverable plus the sender's REPORT, or nothing at all if no longer accepted. */
export function expireMessage(db: SqliteInternals, messageId: string, event: EventInput, report: ReportWrite | null): MessageRecord | null {
  const row = db.messageRow(messageId);
  // The compare-and-set: a second run, a second node or an acknowledgement that got there first all leave it.
  if (!row || row.status !== 'accepted') return null;
  const now = db.now();
  const next: MessageRow = { ...row, status: 'undeliverable', updated_at: now, status_success: 0 };
  db.applyEventStatus(next, event);
  db.stmt(UPDATE_STATE).run(next);
  db.insertEvent(messageId, event, now);
  if (report) {
    db.insertMessage(report.message);
    db.insertEvent(report.message.messageId, report.event, now);
  }
  return rowToMessage(next);
}

/** Moves a bounded batch to `req.to`, deleting chunks; returns the object keys nothing references any more. */
export function retireMessages(db: SqliteInternals, req: RetireRequest): RetireResult {
  const rows = db
    .stmt(`SELECT * FROM messages WHERE status IN (${statusListSql(req.from)}) AND updated_at <= ? ORDER BY updated_at LIMIT ?`)
    .all(req.before, Math.max(0, Math.floor(req.limit))) as MessageRow[];
  if (rows.length === 0) return { messages: [], objectKeys: [] };
  const now = db.now();
  const keysOf = db.stmt('SELECT DISTINCT object_key FROM chunks WHERE message_id = ? AND object_key IS NOT NULL').pluck();
  const keys = new Set<string>();
  for (const row of rows) {
    for (const k of keysOf.all(row.message_id) as string[]) keys.add(k);
    db.stmt('DELETE FROM chunks WHERE message_id = ?').run(row.message_id);
    db.stmt('DELETE FROM outbox WHERE message_id = ?').run(row.message_id);
    db.stmt('DELETE FROM parked WHERE message_id = ?').run(row.message_id);
    const next: MessageRow = { ...row, status: req.to, updated_at: now };
    if (FAILED_STATUSES.has(req.to)) next.status_success = 0;
    db.applyEventStatus(next, req.event);
    db.stmt(UPDATE_STATE).run(next);
    db.insertEvent(row.message_id, req.event, now);
  }
  // Adapter outputs can share their source's objects: keep any key a remaining chunk still uses.
  const stillUsed = db.stmt('SELECT 1 FROM chunks WHERE object_key = ? LIMIT 1');
  return {
    messages: rows.map((r) => ({ messageId: r.message_id, sender: r.sender, recipient: r.recipient })),
    objectKeys: [...keys].filter((k) => stillUsed.get(k) === undefined),
  };
}

/** Messages created in [since, until) by workflow and status. */
export function messageStats(db: SqliteInternals, since: number, until: number): MessageStatRow[] {
  const rows = db
    .stmt(`SELECT workflow_id, status, count(*) AS n FROM messages WHERE created_at >= ? AND created_at < ?
           GROUP BY workflow_id, status ORDER BY workflow_id, status`)
    .all(since, until) as { workflow_id: string; status: string; n: number }[];
  return rows.map((r) => ({ workflowId: r.workflow_id, status: r.status as MessageStatus, count: r.n }));
}
