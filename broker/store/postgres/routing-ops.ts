import type { PoolClient } from 'pg';
import type { EventInput, MessageRecord } from '../../message/model.js';
import type { OutboxEntry, OutboxRecord, OutputWrite, ParkedRecord, RoutedProgress } from '../message-store.js';
import { UPDATE_STATE, UPSERT_CHUNK, chunkParams, rowToMessage, stateParams, type MessageRow } from './rows.js';

/** The store internals the routing operations share with the message operations; all run inside a transaction on `c`. */
export interface PgInternals {
  now(): number;
  /** The message row, locked FOR UPDATE until the transaction ends. */
  lockMessage(c: PoolClient, messageId: string): Promise<MessageRow | undefined>;
  /** Inserts a message row, taking an inbox position if it is accepted. */
  insertMessage(c: PoolClient, message: MessageRecord): Promise<void>;
  lockInboxOrder(c: PoolClient, recipients: string[]): Promise<void>;
  insertEvent(c: PoolClient, messageId: string, event: EventInput, now: number): Promise<void>;
  applyEventStatus(row: MessageRow, event: EventInput): void;
}

interface OutboxRow {
  message_id: string;
  adapter: string;
  envelope: OutboxRecord['envelope'];
  state: 'pending' | 'published';
  publishes: number;
  created_at: number;
  published_at: number | null;
}

/** Writes an outbox row (pending) for a message routed to an adapter. */
export async function insertOutbox(c: PoolClient, entry: OutboxEntry, now: number): Promise<void> {
  await c.query(
    `INSERT INTO outbox (message_id, adapter, envelope, state, parked, publishes, created_at, published_at)
     VALUES ($1, $2, $3, 'pending', false, 0, $4, NULL)`,
    [entry.messageId, entry.adapter, JSON.stringify(entry.envelope), now],
  );
}

/** Outbox rows due for (re)publishing. */
export async function listOutboxDue(c: Pick<PoolClient, 'query'>, pendingBefore: number, publishedBefore: number, limit: number): Promise<OutboxRecord[]> {
  const { rows } = await c.query<OutboxRow>(
    `SELECT message_id, adapter, envelope, state, publishes, created_at, published_at FROM outbox
     WHERE NOT parked AND ((state = 'pending' AND created_at < $1) OR (state = 'published' AND published_at < $2))
     ORDER BY created_at, message_id LIMIT $3`,
    [pendingBefore, publishedBefore, Math.max(0, Math.floor(limit))],
  );
  return rows.map((r) => ({
    messageId: r.message_id,
    adapter: r.adapter,
    envelope: r.envelope,
    state: r.state,
    publishes: r.publishes,
    createdAt: r.created_at,
    publishedAt: r.published_at,
  }));
}

/** Marks rows published (the transport confirmed them), in one statement. */
export async function markOutboxPublished(c: Pick<PoolClient, 'query'>, messageIds: string[], at: number): Promise<void> {
  if (messageIds.length === 0) return;
  await c.query(
    `UPDATE outbox SET state = 'published', published_at = $1, publishes = publishes + 1 WHERE message_id = ANY($2::text[])`,
    [at, messageIds],
  );
}

/** Records an adapter's result atomically; false (nothing written) if the source is no longer routed. */
export async function completeRouted(
  db: PgInternals,
  c: PoolClient,
  sourceId: string,
  event: EventInput,
  outputs: OutputWrite[],
  finalStatus: 'processed' | 'error',
): Promise<boolean> {
  const row = await db.lockMessage(c, sourceId);
  if (!row || row.status !== 'routed') return false;
  const now = db.now();
  const next: MessageRow = { ...row, status: finalStatus, updated_at: now };
  if (finalStatus === 'error') next.status_success = false;
  db.applyEventStatus(next, event);
  await c.query(UPDATE_STATE, stateParams(next));
  await db.insertEvent(c, sourceId, event, now);
  await c.query('DELETE FROM outbox WHERE message_id = $1', [sourceId]);
  await c.query('DELETE FROM parked WHERE message_id = $1', [sourceId]);
  await insertOutputs(db, c, outputs, now);
  return true;
}

/** Records an adapter has committed of a routed message in batches; 0 before the first. */
export async function routedProgress(c: Pick<PoolClient, 'query'>, sourceId: string): Promise<RoutedProgress> {
  const { rows } = await c.query<{ records: string; state: string | null }>('SELECT records, state FROM routed_progress WHERE message_id = $1', [sourceId]);
  return rows[0] ? { records: Number(rows[0].records), state: rows[0].state } : { records: 0, state: null };
}

/** Commits one batch of a routed message's outputs if its progress is still `from`; false (nothing written) otherwise. */
export async function commitRoutedBatch(db: PgInternals, c: PoolClient, sourceId: string, from: number, to: RoutedProgress, outputs: OutputWrite[]): Promise<boolean> {
  // The message row lock serialises two deliveries of one message, so only one can move `from`.
  const row = await db.lockMessage(c, sourceId);
  if (!row || row.status !== 'routed' || (await routedProgress(c, sourceId)).records !== from) return false;
  const now = db.now();
  await c.query(
    `INSERT INTO routed_progress (message_id, records, state, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id) DO UPDATE SET records = excluded.records, state = excluded.state, updated_at = excluded.updated_at`,
    [sourceId, to.records, to.state, now],
  );
  await insertOutputs(db, c, outputs, now);
  return true;
}

async function insertOutputs(db: PgInternals, c: PoolClient, outputs: OutputWrite[], now: number): Promise<void> {
  await db.lockInboxOrder(c, outputs.filter((o) => o.message.status === 'accepted').map((o) => o.message.recipient));
  for (const out of outputs) {
    await db.insertMessage(c, out.message);
    for (const chunk of out.chunks) await c.query(UPSERT_CHUNK, chunkParams(chunk));
    await db.insertEvent(c, out.message.messageId, out.event, now);
    if (out.outbox) await insertOutbox(c, out.outbox, now);
  }
}

/** Parks a message: recorded for operators, and no longer swept for republishing. */
export async function parkRouted(db: PgInternals, c: PoolClient, messageId: string, adapter: string, reason: string, attempts: number, at: number): Promise<void> {
  if (!(await db.lockMessage(c, messageId))) return;
  await c.query(
    `INSERT INTO parked (message_id, adapter, reason, attempts, parked_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (message_id) DO UPDATE SET adapter = excluded.adapter, reason = excluded.reason,
       attempts = excluded.attempts, parked_at = excluded.parked_at`,
    [messageId, adapter, reason.slice(0, 2000), attempts, at],
  );
  await c.query('UPDATE outbox SET parked = true WHERE message_id = $1', [messageId]);
}

/** The parking lot, oldest first. */
export async function listParked(c: Pick<PoolClient, 'query'>, limit: number): Promise<ParkedRecord[]> {
  const { rows } = await c.query<{
    message_id: string; adapter: string; reason: string; attempts: number; parked_at: number;
    workflow_id: string; sender: string; recipient: string;
  }>(
    `SELECT p.message_id, p.adapter, p.reason, p.attempts, p.parked_at, m.workflow_id, m.sender, m.recipient
     FROM parked p JOIN messages m ON m.message_id = p.message_id ORDER BY p.parked_at, p.message_id LIMIT $1`,
    [Math.max(0, Math.floor(limit))],
  );
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
export async function countParked(c: Pick<PoolClient, 'query'>): Promise<number> {
  // COUNT(*) is bigint, which node-postgres returns as a string.
  const { rows } = await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM parked');
  return Number(rows[0]?.n ?? 0);
}

/** Takes a message out of the lot; its outbox row becomes pending so it is published again. */
export async function unpark(c: PoolClient, messageId: string): Promise<OutboxEntry | null> {
  const parked = await c.query('DELETE FROM parked WHERE message_id = $1 RETURNING message_id', [messageId]);
  if (parked.rowCount !== 1) return null;
  const { rows } = await c.query<{ adapter: string; envelope: OutboxEntry['envelope'] }>(
    `UPDATE outbox SET parked = false, state = 'pending', published_at = NULL WHERE message_id = $1 RETURNING adapter, envelope`,
    [messageId],
  );
  const row = rows[0];
  if (!row) return null;
  return { messageId, adapter: row.adapter, envelope: row.envelope };
}

/** Gives up on a parked message: out of the lot and the outbox, and routed → error. */
export async function discardParked(db: PgInternals, c: PoolClient, messageId: string, event: EventInput): Promise<MessageRecord | null> {
  const parked = await c.query('DELETE FROM parked WHERE message_id = $1 RETURNING message_id', [messageId]);
  if (parked.rowCount !== 1) return null;
  await c.query('DELETE FROM outbox WHERE message_id = $1', [messageId]);
  const row = await db.lockMessage(c, messageId);
  if (!row || row.status !== 'routed') return row ? rowToMessage(row) : null;
  const now = db.now();
  const next: MessageRow = { ...row, status: 'error', updated_at: now, status_success: false };
  db.applyEventStatus(next, event);
  await c.query(UPDATE_STATE, stateParams(next));
  await db.insertEvent(c, messageId, event, now);
  return rowToMessage(next);
}
