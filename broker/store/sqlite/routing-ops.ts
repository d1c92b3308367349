import type Database from 'better-sqlite3';
import type { ChunkRecord, EventInput, MessageRecord } from '../../message/model.js';
import type { OutboxEntry, OutboxRecord, OutputWrite, ParkedRecord, RoutedProgress } from '../message-store.js';
import { UPDATE_STATE, UPSERT_CHUNK, chunkToRow, rowToMessage, type MessageRow } from './rows.js';

/** The store internals the routing operations share with the message operations. */
export interface SqliteInternals {
  stmt(sql: string): Database.Statement;
  now(): number;
  messageRow(messageId: string): MessageRow | undefined;
  /** Inserts a message row, taking an inbox position if it is accepted. */
  insertMessage(message: MessageRecord): void;
  insertEvent(messageId: string, event: EventInput, now: number): void;
  applyEventStatus(row: MessageRow, event: EventInput): void;
}

interface OutboxRow {
  message_id: string;
  adapter: string;
  envelope: string;
  state: 'pending' | 'published';
  publishes: number;
  created_at: number;
  published_at: number | null;
}

/** Writes an outbox row (pending) for a message routed to an adapter. */
export function insertOutbox(db: SqliteInternals, entry: OutboxEntry, now: number): void {
  db.stmt(
    `INSERT INTO outbox (message_id, adapter, envelope, state, parked, publishes, created_at, published_at)
     VALUES (?, ?, ?, 'pending', 0, 0, ?, NULL)`,
  ).run(entry.messageId, entry.adapter, JSON.stringify(entry.envelope), now);
}

/** Outbox rows due for (re)publishing. */
export function listOutboxDue(db: SqliteInternals, pendingBefore: number, publishedBefore: number, limit: number): OutboxRecord[] {
  const rows = db
    .stmt(
      `SELECT * FROM outbox WHERE parked = 0 AND (
         (state = 'pending' AND created_at < ?) OR (state = 'published' AND published_at < ?))
       ORDER BY created_at LIMIT ?`,
    )
    .all(pendingBefore, publishedBefore, limit) as OutboxRow[];
  return rows.map((r) => ({
    messageId: r.message_id,
    adapter: r.adapter,
    envelope: JSON.parse(r.envelope) as OutboxRecord['envelope'],
    state: r.state,
    publishes: r.publishes,
    createdAt: r.created_at,
    publishedAt: r.published_at,
  }));
}

/** Marks rows published (the transport confirmed them). */
export function markOutboxPublished(db: SqliteInternals, messageIds: string[], at: number): void {
  const update = db.stmt(`UPDATE outbox SET state = 'published', published_at = ?, publishes = publishes + 1 WHERE message_id = ?`);
  for (const id of messageIds) update.run(at, id);
}

/** Records an adapter's result atomically; false (nothing written) if the source is no longer routed. */
export function completeRouted(db: SqliteInternals, sourceId: string, event: EventInput, outputs: OutputWrite[], finalStatus: 'processed' | 'error'): boolean {
  const row = db.messageRow(sourceId);
  if (!row || row.status !== 'routed') return false;
  const now = db.now();
  const next: MessageRow = { ...row, status: finalStatus, updated_at: now };
  if (finalStatus === 'error') next.status_success = 0;
  db.applyEventStatus(next, event);
  db.stmt(UPDATE_STATE).run(next);
  db.insertEvent(sourceId, event, now);
  db.stmt('DELETE FROM outbox WHERE message_id = ?').run(sourceId);
  db.stmt('DELETE FROM parked WHERE message_id = ?').run(sourceId);
  insertOutputs(db, outputs, now);
  return true;
}

/** Records an adapter has committed of a routed message in batches; 0 before the first. */
export function routedProgress(db: SqliteInternals, sourceId: string): RoutedProgress {
  const row = db.stmt('SELECT records, state FROM routed_progress WHERE message_id = ?').get(sourceId) as { records: number; state: string | null } | undefined;
  return row ? { records: row.records, state: row.state } : { records: 0, state: null };
}

/** Commits one batch of a routed message's outputs if its progress is still `from`; false (nothing written) otherwise. */
export function commitRoutedBatch(db: SqliteInternals, sourceId: string, from: number, to: RoutedProgress, outputs: OutputWrite[]): boolean {
  const row = db.messageRow(sourceId);
  if (!row || row.status !== 'routed' || routedProgress(db, sourceId).records !== from) return false;
  const now = db.now();
  db.stmt(
    `INSERT INTO routed_progress (message_id, records, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (message_id) DO UPDATE SET records = excluded.records, state = excluded.state, updated_at = excluded.updated_at`,
  ).run(sourceId, to.records, to.state, now);
  insertOutputs(db, outputs, now);
  return true;
}

function insertOutputs(db: SqliteInternals, outputs: OutputWrite[], now: number): void {
  for (const out of outputs) {
    db.insertMessage(out.message);
    for (const chunk of out.chunks) db.stmt(UPSERT_CHUNK).run(chunkToRow(chunk as ChunkRecord));
    db.insertEvent(out.message.messageId, out.event, now);
    if (out.outbox) insertOutbox(db, out.outbox, now);
  }
}

/** Parks a message: recorded for operators, and no longer swept for republishing. */
export function parkRouted(db: SqliteInternals, messageId: string, adapter: string, reason: string, attempts: number, at: number): void {
  if (!db.messageRow(messageId)) return;
  db.stmt(
    `INSERT INTO parked (message_id, adapter, reason, attempts, parked_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO UPDATE SET adapter = excluded.adapter, reason = excluded.reason,
       attempts = excluded.attempts, parked_at = excluded.parked_at`,
  ).run(messageId, adapter, reason.slice(0, 2000), attempts, at);
  db.stmt('UPDATE outbox SET parked = 1 WHERE message_id = ?').run(messageId);
}

/** The parking lot, oldest first. */
export function listParked(db: SqliteInternals, limit: number): ParkedRecord[] {
  const rows = db
    .stmt(
      `SELECT p.message_id, p.adapter, p.reason, p.attempts, p.parked_at, m.workflow_id, m.sender, m.recipient
       FROM parked p JOIN messages m ON m.message_id = p.message_id ORDER BY p.parked_at, p.message_id LIMIT ?`,
    )
    .all(limit) as Array<{ message_id: string; adapter: string; reason: string; attempts: number; parked_at: number; workflow_id: string; sender: string; recipient: string }>;
  return rows.map((r) => ({
    messageId: r.message_id,
    adapter: r.adapter,
    workflowId: r.workflow_id,
    sender: r.sender,
    recipient: r.recipient,
    reason: r.reason,
    attempts: r.attempts,
    parkedAt: r.parked_at,
  }));
}

/** Size of the parking lot (one row per parked message, so no join is needed). */
export function countParked(db: SqliteInternals): number {
  return (db.stmt('SELECT COUNT(*) AS n FROM parked').get() as { n: number }).n;
}

/** Takes a message out of the lot; its outbox row becomes pending so it is published again. */
export function unpark(db: SqliteInternals, messageId: string): OutboxEntry | null {
  const parked = db.stmt('DELETE FROM parked WHERE message_id = ? RETURNING message_id').get(messageId);
  if (!parked) return null;
  const row = db
    .stmt(`UPDATE outbox SET parked = 0, state = 'pending', published_at = NULL WHERE message_id = ? RETURNING adapter, envelope`)
    .get(messageId) as { adapter: string; envelope: string } | undefined;
  if (!row) return null;
  return { messageId, adapter: row.adapter, envelope: JSON.parse(row.envelope) as OutboxEntry['envelope'] };
}

/** Gives up on a parked message: out of the lot and the outbox, and routed → error. */
export function discardParked(db: SqliteInternals, messageId: string, event: EventInput): MessageRecord | null {
  const parked = db.stmt('DELETE FROM parked WHERE message_id = ? RETURNING message_id').get(messageId);
  if (!parked) return null;
  db.stmt('DELETE FROM outbox WHERE message_id = ?').run(messageId);
  const row = db.messageRow(messageId);
  if (!row || row.status !== 'routed') return row ? rowToMessage(row) : null;
  const now = db.now();
  const next: MessageRow = { ...row, status: 'error', updated_at: now, status_success: 0 };
  db.applyEventStatus(next, event);
  db.stmt(UPDATE_STATE).run(next);
  db.insertEvent(messageId, event, now);
  return rowToMessage(next);
}
