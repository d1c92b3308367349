/** The PostgreSQL store's housekeeping operations (inbox expiry, purge, statistics). */

import type { PoolClient } from 'pg';
import type { EventInput, MessageRecord, MessageStatus } from '../../message/model.js';
import type { MessageStatRow, ReportWrite, RetireRequest, RetireResult } from '../message-store.js';
import { FAILED_STATUSES, statusListSql } from '../status-sql.js';
import type { Queryable } from './queries.js';
import type { PgInternals } from './routing-ops.js';
import { MESSAGE_SELECT, UPDATE_STATE, rowToMessage, stateParams, type MessageRow } from './rows.js';

/** Uncollected accepted messages, oldest first (the literal 'accepted' lets the partial index serve it). */
export async function listUncollected(db: Queryable, acceptedBefore: number, limit: number): Promise<MessageRecord[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT ${MESSAGE_SELECT} FROM messages WHERE status = 'accepted' AND accepted_at <= $1 ORDER BY accepted_at LIMIT $2`,
    [acceptedBefore, Math.max(0, Math.floor(limit))],
  );
  return rows.map(rowToMessage);
}

/** accepted → undeliverable plus the sender's REPORT, inside the caller's transaction; null if no longer accepted. */
export async function expireMessage(db: PgInternals, c: PoolClient, messageId: string, event: EventInput, report: ReportWrite | null): Promise<MessageRecord | null> {
  // The row lock makes this a compare-and-set across nodes: a second expiry waits, then sees undeliverable.
  const row = await db.lockMessage(c, messageId);
  if (!row || row.status !== 'accepted') return null;
  const now = db.now();
  const next: MessageRow = { ...row, status: 'undeliverable', updated_at: now, status_success: false };
  db.applyEventStatus(next, event);
  await c.query(UPDATE_STATE, stateParams(next));
  await db.insertEvent(c, messageId, event, now);
  if (report) {
    await db.insertMessage(c, report.message);
    await db.insertEvent(c, report.message.messageId, report.event, now);
  }
  return rowToMessage(next);
}

/** Moves a bounded batch to `req.to` and deletes its chunks, inside the caller's transaction. */
export async function retireMessages(db: PgInternals, c: PoolClient, req: RetireRequest): Promise<RetireResult> {
  // SKIP LOCKED: two nodes purging at once take disjoint batches instead of queueing on each other;
  // a row locked and changed by someone else is re-checked against the WHERE after the wait.
  const { rows } = await c.query<MessageRow>(
    `SELECT ${MESSAGE_SELECT} FROM messages WHERE status IN (${statusListSql(req.from)}) AND updated_at <= $1
     ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [req.before, Math.max(0, Math.floor(req.limit))],
  );
  if (rows.length === 0) return { messages: [], objectKeys: [] };
  const ids = rows.map((r) => r.message_id);
  const gone = await c.query<{ object_key: string }>(
    `DELETE FROM chunks WHERE message_id = ANY($1::text[]) AND object_key IS NOT NULL RETURNING object_key`,
    [ids],
  );
  await c.query('DELETE FROM chunks WHERE message_id = ANY($1::text[])', [ids]);
  await c.query('DELETE FROM outbox WHERE message_id = ANY($1::text[])', [ids]);
  await c.query('DELETE FROM parked WHERE message_id = ANY($1::text[])', [ids]);
  const now = db.now();
  for (const row of rows) {
    const next: MessageRow = { ...row, status: req.to, updated_at: now };
    if (FAILED_STATUSES.has(req.to)) next.status_success = false;
    db.applyEventStatus(next, req.event);
    await c.query(UPDATE_STATE, stateParams(next));
    await db.insertEvent(c, row.message_id, req.event, now);
  }
  const keys = [...new Set(gone.rows.map((r) => r.object_key))];
  if (keys.length === 0) return { messages: rows.map(summary), objectKeys: [] };
  // Adapter outputs can share their source's objects: keep any key a remaining chunk still uses.
  const used = await c.query<{ object_key: string }>('SELECT DISTINCT object_key FROM chunks WHERE object_key = ANY($1::text[])', [keys]);
  const stillUsed = new Set(used.rows.map((r) => r.object_key));
  return { messages: rows.map(summary), objectKeys: keys.filter((k) => !stillUsed.has(k)) };
}

function summary(r: MessageRow): RetireResult['messages'][number] {
  return { messageId: r.message_id, sender: r.sender, recipient: r.recipient };
}

/** Messages created in [since, until) by workflow and status, one grouped query. */
export async function messageStats(db: Queryable, since: number, until: number): Promise<MessageStatRow[]> {
  const { rows } = await db.query<{ workflow_id: string; status: string; n: number }>(
    `SELECT workflow_id, status, count(*) AS n FROM messages WHERE created_at >= $1 AND created_at < $2
     GROUP BY workflow_id, status ORDER BY workflow_id, status`,
    [since, until],
  );
  return rows.map((r) => ({ workflowId: r.workflow_id, status: r.status as MessageStatus, count: Number(r.n) }));
}
