/**
 * The PostgreSQL message store's single-statement operations (reads and nonces), each its own
 * implicit transaction on any pooled connection, and the helper that runs multi-statement ones.
 */

import pg from 'pg';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { ChunkRecord, MessageEvent, MessageRecord } from '../../message/model.js';
import type { InboxPage, InboxQuery, WorkflowFilter } from '../message-store.js';
import { MESSAGE_SELECT, filterSql, rowToChunk, rowToEvent, rowToMessage, type ChunkRow, type EventRow, type MessageRow } from './rows.js';

const NONCE_PRUNE_SLICE = 5_000;
const INT8_OID = 20;

/** node-postgres type parsers for this pool only: BIGINT (and count(*)) as a JS number, the rest as usual. */
export const typeParsers: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

/** Quotes an identifier for SQL text (schema names come from configuration, not from requests). */
export function ident(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** A pool or a checked-out client. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

export async function getMessage(db: Queryable, messageId: string): Promise<MessageRecord | null> {
  const { rows } = await db.query<MessageRow>(`SELECT ${MESSAGE_SELECT} FROM messages WHERE message_id = $1`, [messageId]);
  return rows[0] ? rowToMessage(rows[0]) : null;
}

export async function getChunk(db: Queryable, messageId: string, chunkNo: number): Promise<ChunkRecord | null> {
  const { rows } = await db.query<ChunkRow>(
    'SELECT message_id, chunk_no, size, sha256, object_key, inline, created_at FROM chunks WHERE message_id = $1 AND chunk_no = $2',
    [messageId, chunkNo],
  );
  return rows[0] ? rowToChunk(rows[0]) : null;
}

export async function listChunkNumbers(db: Queryable, messageId: string): Promise<number[]> {
  const { rows } = await db.query<{ chunk_no: number }>('SELECT chunk_no FROM chunks WHERE message_id = $1 ORDER BY chunk_no', [messageId]);
  return rows.map((r) => r.chunk_no);
}

export async function listEvents(db: Queryable, messageId: string): Promise<MessageEvent[]> {
  const { rows } = await db.query<EventRow>(
    'SELECT message_id, status, event, code, description, linked_message_id, at FROM events WHERE message_id = $1 ORDER BY id',
    [messageId],
  );
  return rows.map(rowToEvent);
}

export async function listInbox(db: Queryable, query: InboxQuery): Promise<InboxPage> {
  const limit = Math.max(0, Math.floor(query.limit));
  let after = 0;
  if (query.afterMessageId) {
    // Any message this recipient was ever shown keeps its place, so paging on from one the client
    // has just acknowledged still continues after it rather than starting over.
    const { rows } = await db.query<{ inbox_seq: number | null }>(
      'SELECT inbox_seq FROM messages WHERE message_id = $1 AND recipient = $2',
      [query.afterMessageId, query.recipient],
    );
    after = rows[0]?.inbox_seq ?? 0;
  }
  const filter = filterSql(query.workflowFilter, 4);
  const { rows } = await db.query<{ message_id: string }>(
    `SELECT message_id FROM messages WHERE recipient = $1 AND status = 'accepted' AND inbox_seq > $2${filter.sql}
     ORDER BY inbox_seq LIMIT $3`,
    [query.recipient, after, limit + 1, ...filter.params],
  );
  const ids = rows.map((r) => r.message_id);
  const hasMore = ids.length > limit;
  if (hasMore) ids.length = limit;
  return { messageIds: ids, hasMore };
}

export async function countInbox(db: Queryable, recipient: string, workflowFilter?: WorkflowFilter | null): Promise<number> {
  const filter = filterSql(workflowFilter, 2);
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM messages WHERE recipient = $1 AND status = 'accepted'${filter.sql}`,
    [recipient, ...filter.params],
  );
  return rows[0]?.n ?? 0;
}

export async function findBySenderLocalId(db: Queryable, sender: string, localId: string): Promise<MessageRecord[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT ${MESSAGE_SELECT} FROM messages WHERE sender = $1 AND local_id = $2 ORDER BY created_at DESC, row_seq DESC`,
    [sender, localId],
  );
  return rows.map(rowToMessage);
}

export async function recordNonce(db: Queryable, mailboxId: string, nonce: string, nonceCount: string, expiresAt: number): Promise<boolean> {
  const r = await db.query(
    'INSERT INTO nonces (mailbox_id, nonce, nonce_count, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [mailboxId, nonce, nonceCount, expiresAt],
  );
  return r.rowCount === 1;
}

export async function releaseNonce(db: Queryable, mailboxId: string, nonce: string, nonceCount: string): Promise<void> {
  await db.query('DELETE FROM nonces WHERE mailbox_id = $1 AND nonce = $2 AND nonce_count = $3', [mailboxId, nonce, nonceCount]);
}

export async function pruneNonces(db: Queryable, now: number): Promise<number> {
  // In bounded slices, each its own statement (and so its own transaction): one huge DELETE
  // would hold its locks and bloat WAL in one go while requests keep recording nonces.
  let total = 0;
  for (;;) {
    const r = await db.query(
      `DELETE FROM nonces WHERE ctid IN (SELECT ctid FROM nonces WHERE expires_at <= $1 LIMIT ${NONCE_PRUNE_SLICE})`,
      [now],
    );
    const n = r.rowCount ?? 0;
    total += n;
    if (n < NONCE_PRUNE_SLICE) return total;
  }
}

/** Runs `fn` in one transaction on one pooled connection: COMMIT if it resolves, ROLLBACK if it throws. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    try {
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable: drop it rather than return it to the pool.
        broken = rollbackErr as Error;
      }
      throw err;
    }
  } finally {
    c.release(broken);
  }
}

/** Deletes every message (or one mailbox's) inside the caller's transaction; returns object keys no remaining chunk uses. */
export async function resetMessages(c: PoolClient, mailboxId: string | undefined): Promise<string[]> {
  // Chunks, events, outbox and parked rows go with their message (ON DELETE CASCADE).
  const where = mailboxId === undefined ? 'true' : '(sender = $1 OR recipient = $1)';
  const params = mailboxId === undefined ? [] : [mailboxId];
  const gone = await c.query<{ object_key: string }>(
    `WITH doomed AS (DELETE FROM messages WHERE ${where} RETURNING message_id)
     SELECT DISTINCT ch.object_key FROM chunks ch JOIN doomed d ON d.message_id = ch.message_id
     WHERE ch.object_key IS NOT NULL`,
    params,
  );
  const keys = gone.rows.map((r) => r.object_key);
  if (keys.length === 0) return [];
  // Adapter outputs can share their source's objects: keep any key a remaining chunk still uses.
  // (The CTE's DELETE is not visible to its own statement, so this runs as a second one.)
  const used = await c.query<{ object_key: string }>(
    'SELECT DISTINCT object_key FROM chunks WHERE object_key = ANY($1::text[])',
    [keys],
  );
  const stillUsed = new Set(used.rows.map((r) => r.object_key));
  return keys.filter((k) => !stillUsed.has(k));
}
