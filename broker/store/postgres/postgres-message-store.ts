import pg from 'pg';
import type { PoolClient } from 'pg';
import type { ChunkRecord, EventInput, MessageEvent, MessageRecord, MessageStatus } from '../../message/model.js';
import { StoreError, type InboxPage, type InboxQuery, type MessageStore, type OutboxEntry } from '../message-store.js';
import type { OutboxRecord, OutputWrite, ParkedRecord, PutChunkResult, RoutedProgress, WorkflowFilter } from '../message-store.js';
import type { MessageStatRow, ReportWrite, RetireRequest, RetireResult } from '../message-store.js';
import * as housekeeping from './housekeeping-ops.js';
import * as leases from './job-leases.js';
import { applyMigrations } from './migrations.js';
import { openSchemaPool } from './schema-pool.js';
import * as queries from './queries.js';
import { inTransaction } from './queries.js';
import * as routing from './routing-ops.js';
import { INSERT_EVENT, INSERT_MESSAGE, MESSAGE_SELECT, UPDATE_STATE, UPSERT_CHUNK, type MessageRow } from './rows.js';
import { chunkParams, messageParams, messageToRow, rowToMessage, stateParams } from './rows.js';

export interface PostgresMessageStoreOptions {
  /** Schema holding the tables (created if missing); default the server's search_path. */
  schema?: string;
  /** Most pooled connections (default 10). */
  poolMax?: number;
  /** Longest wait for a new connection before a request fails as unavailable (default 5 s). */
  connectTimeoutMs?: number;
  /** Clock for timestamps the store sets itself (default Date.now). */
  now?: () => number;
}

/**
 * MessageStore on PostgreSQL through a pg Pool. Each multi-row change is one transaction on one
 * pooled connection; compare-and-set and chunk completion lock the message row (SELECT ... FOR UPDATE),
 * so concurrent writers to the same message serialize while others run in parallel.
 */
/** Advisory lock key serialising inbox positions (an arbitrary constant, 'MESHINBX' in ASCII). */
/** First key of the per-recipient inbox-order advisory locks (the second is the recipient's hash). */
const INBOX_ORDER_LOCK = 1_296_651_845;

/** Bound on a readiness probe's query; the probe's caller has its own, shorter, timeout too. */
const PING_TIMEOUT_MS = 5_000;

export class PostgresMessageStore implements MessageStore {
  private readonly pool: pg.Pool;
  private readonly now: () => number;
  private closed = false;

  private constructor(pool: pg.Pool, now: () => number) {
    this.pool = pool;
    this.now = now;
  }

  /** Connects to `url`, creates `opts.schema` if it is missing, and migrates. */
  static async open(url: string, opts: PostgresMessageStoreOptions = {}): Promise<PostgresMessageStore> {
    const pool = await openSchemaPool(url, { poolMax: opts.poolMax ?? 10, ...(opts.schema !== undefined ? { schema: opts.schema } : {}), ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
    const store = new PostgresMessageStore(pool, opts.now ?? Date.now);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await applyMigrations(client);
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    // A query timeout of its own, so a probe against a dead link frees its pooled client instead of
    // holding it until TCP gives up (probes repeat every few seconds and would drain the pool).
    await this.pool.query({ text: 'SELECT 1', query_timeout: PING_TIMEOUT_MS } as pg.QueryConfig);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async createMessage(message: MessageRecord, firstChunk: ChunkRecord | null, event: EventInput, outbox: OutboxEntry | null = null): Promise<void> {
    if (firstChunk && firstChunk.messageId !== message.messageId) {
      throw new Error(`chunk belongs to ${firstChunk.messageId}, not ${message.messageId}`);
    }
    await this.tx(async (c) => {
      const now = this.now();
      await this.insertMessage(c, message);
      if (firstChunk) await c.query(UPSERT_CHUNK, chunkParams(firstChunk));
      await this.insertEvent(c, message.messageId, event, now);
      if (outbox) await routing.insertOutbox(c, outbox, now);
    });
  }

  putChunk(chunk: ChunkRecord, acceptEvent: EventInput, outbox: OutboxEntry | null = null): Promise<PutChunkResult> {
    return this.tx(async (c) => {
      const id = chunk.messageId;
      const row = await this.lockMessage(c, id);
      if (!row) throw new StoreError('not_found', `message ${id} not found`);
      if (row.status !== 'uploading') throw new StoreError('locked', `message ${id} is ${row.status}, not uploading`);
      if (!Number.isInteger(chunk.chunkNo) || chunk.chunkNo < 1 || chunk.chunkNo > row.total_chunks) {
        throw new StoreError('chunk_out_of_range', `chunk ${chunk.chunkNo} of message ${id} is outside 1..${row.total_chunks}`);
      }
      const previous = await c.query<{ object_key: string | null }>(
        'SELECT object_key FROM chunks WHERE message_id = $1 AND chunk_no = $2',
        [id, chunk.chunkNo],
      );
      await c.query(UPSERT_CHUNK, chunkParams(chunk));
      const agg = await c.query<{ n: number; bytes: number }>(
        'SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM chunks WHERE message_id = $1',
        [id],
      );
      const { n, bytes } = agg.rows[0]!;
      const now = this.now();
      const next: MessageRow = { ...row, file_size: bytes, updated_at: now };
      if (n === row.total_chunks) {
        if (outbox) {
          // Complete, but for an adapter: it waits in the outbox instead of the inbox.
          next.status = 'routed';
          await routing.insertOutbox(c, outbox, now);
        } else {
          await this.accept(c, next, now);
        }
        this.applyEventStatus(next, acceptEvent);
        await this.insertEvent(c, id, acceptEvent, now);
      }
      await c.query(UPDATE_STATE, stateParams(next));
      const old = previous.rows[0]?.object_key ?? null;
      return {
        message: rowToMessage(next),
        replacedObjectKey: old !== null && old !== chunk.objectKey ? old : null,
      };
    });
  }

  getMessage(messageId: string): Promise<MessageRecord | null> {
    return queries.getMessage(this.pool, messageId);
  }

  getChunk(messageId: string, chunkNo: number): Promise<ChunkRecord | null> {
    return queries.getChunk(this.pool, messageId, chunkNo);
  }

  listChunkNumbers(messageId: string): Promise<number[]> {
    return queries.listChunkNumbers(this.pool, messageId);
  }

  listEvents(messageId: string): Promise<MessageEvent[]> {
    return queries.listEvents(this.pool, messageId);
  }

  listInbox(query: InboxQuery): Promise<InboxPage> {
    return queries.listInbox(this.pool, query);
  }

  countInbox(recipient: string, workflowFilter?: WorkflowFilter | null): Promise<number> {
    return queries.countInbox(this.pool, recipient, workflowFilter);
  }

  async transition(messageId: string, from: MessageStatus[], to: MessageStatus, event: EventInput): Promise<MessageRecord | null> {
    if (from.length === 0) return null;
    return this.tx(async (c) => {
      const row = await this.lockMessage(c, messageId);
      if (!row || !from.includes(row.status as MessageStatus)) return null;
      const now = this.now();
      const next: MessageRow = { ...row, status: to, updated_at: now };
      if (to === 'accepted') await this.accept(c, next, now);
      if (to === 'acknowledged') next.acknowledged_at = now;
      this.applyEventStatus(next, event);
      await c.query(UPDATE_STATE, stateParams(next));
      await this.insertEvent(c, messageId, event, now);
      return rowToMessage(next);
    });
  }

  findBySenderLocalId(sender: string, localId: string): Promise<MessageRecord[]> {
    return queries.findBySenderLocalId(this.pool, sender, localId);
  }

  recordNonce(mailboxId: string, nonce: string, nonceCount: string, expiresAt: number): Promise<boolean> {
    return queries.recordNonce(this.pool, mailboxId, nonce, nonceCount, expiresAt);
  }

  releaseNonce(mailboxId: string, nonce: string, nonceCount: string): Promise<void> {
    return queries.releaseNonce(this.pool, mailboxId, nonce, nonceCount);
  }

  pruneNonces(now: number): Promise<number> {
    return queries.pruneNonces(this.pool, now);
  }

  acquireJobLease(job: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return leases.acquireJobLease(this.pool, job, holder, now, ttlMs);
  }

  releaseJobLease(job: string, holder: string): Promise<void> {
    return leases.releaseJobLease(this.pool, job, holder);
  }

  reset(mailboxId?: string): Promise<string[]> {
    return this.tx((c) => queries.resetMessages(c, mailboxId));
  }

  listUncollected(acceptedBefore: number, limit: number): Promise<MessageRecord[]> {
    return housekeeping.listUncollected(this.pool, acceptedBefore, limit);
  }

  expireMessage(messageId: string, event: EventInput, report: ReportWrite | null): Promise<MessageRecord | null> {
    return this.tx((c) => housekeeping.expireMessage(this.internals, c, messageId, event, report));
  }

  retireMessages(req: RetireRequest): Promise<RetireResult> {
    return this.tx((c) => housekeeping.retireMessages(this.internals, c, req));
  }

  messageStats(since: number, until: number): Promise<MessageStatRow[]> {
    return housekeeping.messageStats(this.pool, since, until);
  }

  async reclaimSpace(): Promise<void> {
    // Nothing to do: autovacuum makes deleted rows' space reusable without being asked.
  }

  listOutboxDue(pendingBefore: number, publishedBefore: number, limit: number): Promise<OutboxRecord[]> {
    return routing.listOutboxDue(this.pool, pendingBefore, publishedBefore, limit);
  }

  markOutboxPublished(messageIds: string[], at: number): Promise<void> {
    return routing.markOutboxPublished(this.pool, messageIds, at);
  }

  async resetOutboxPublished(): Promise<number> {
    const r = await this.pool.query(`UPDATE outbox SET state = 'pending', published_at = NULL WHERE state = 'published'`);
    return r.rowCount ?? 0;
  }

  routedProgress(sourceId: string): Promise<RoutedProgress> {
    return routing.routedProgress(this.pool, sourceId);
  }

  commitRoutedBatch(sourceId: string, from: number, to: RoutedProgress, outputs: OutputWrite[]): Promise<boolean> {
    return this.tx((c) => routing.commitRoutedBatch(this.internals, c, sourceId, from, to, outputs));
  }

  completeRouted(sourceId: string, event: EventInput, outputs: OutputWrite[], finalStatus: 'processed' | 'error' = 'processed'): Promise<boolean> {
    return this.tx((c) => routing.completeRouted(this.internals, c, sourceId, event, outputs, finalStatus));
  }

  parkRouted(messageId: string, adapter: string, reason: string, attempts: number, at: number): Promise<void> {
    return this.tx((c) => routing.parkRouted(this.internals, c, messageId, adapter, reason, attempts, at));
  }

  listParked(limit: number): Promise<ParkedRecord[]> {
    return routing.listParked(this.pool, limit);
  }

  countParked(): Promise<number> {
    return routing.countParked(this.pool);
  }

  unpark(messageId: string): Promise<OutboxEntry | null> {
    return this.tx((c) => routing.unpark(c, messageId));
  }

  discardParked(messageId: string, event: EventInput): Promise<MessageRecord | null> {
    return this.tx((c) => routing.discardParked(this.internals, c, messageId, event));
  }

  /** What the routing operations may use of this store; always called inside `tx`. */
  private readonly internals: routing.PgInternals = {
    now: () => this.now(),
    lockMessage: (c, id) => this.lockMessage(c, id),
    insertMessage: (c, m) => this.insertMessage(c, m),
    lockInboxOrder: (c, recipients) => this.lockInboxOrder(c, recipients),
    insertEvent: (c, id, e, now) => this.insertEvent(c, id, e, now),
    applyEventStatus: (row, e) => this.applyEventStatus(row, e),
  };

  /** Runs `fn` in one transaction on one pooled connection. */
  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('message store is closed'));
    return inTransaction(this.pool, fn);
  }

  private async lockMessage(c: PoolClient, messageId: string): Promise<MessageRow | undefined> {
    const { rows } = await c.query<MessageRow>(`SELECT ${MESSAGE_SELECT} FROM messages WHERE message_id = $1 FOR UPDATE`, [messageId]);
    return rows[0];
  }

  private async insertMessage(c: PoolClient, message: MessageRecord): Promise<void> {
    const accepted = message.status === 'accepted';
    const record = accepted ? { ...message, acceptedAt: message.acceptedAt ?? this.now() } : message;
    try {
      await c.query(INSERT_MESSAGE, messageParams(messageToRow(record, accepted ? await this.nextInboxSeq(c, record.recipient) : null)));
    } catch (err) {
      const e = err as { code?: unknown; constraint?: unknown };
      if (e.code === '23505' && e.constraint === 'messages_pkey') {
        throw new StoreError('conflict', `message ${message.messageId} already exists`);
      }
      throw err;
    }
  }

  /**
   * Next inbox position for `recipient`. Transactions that make messages visible in one inbox take
   * positions in commit order: the transaction-scoped lock is held until COMMIT, so no position can
   * become visible after a higher one a client may already have paged past (continue_from would
   * then skip it for good). Paging is per inbox, so the lock is per recipient: one lock for all
   * would serialise every accepting commit, fsync included (measured: 167 msg/s on the 1 KB bench).
   */
  private async nextInboxSeq(c: PoolClient, recipient: string): Promise<number> {
    const { rows } = await c.query<{ seq: number }>(`SELECT pg_advisory_xact_lock(${INBOX_ORDER_LOCK}, hashtext($1)), nextval('inbox_seq') AS seq`, [recipient]);
    return rows[0]!.seq;
  }

  /**
   * Takes the inbox-order locks of several recipients at once, in one order, so two transactions
   * accepting messages for the same recipients cannot deadlock by taking them in opposite orders.
   */
  private async lockInboxOrder(c: PoolClient, recipients: string[]): Promise<void> {
    const keys = [...new Set(recipients)].sort();
    if (keys.length < 2) return;
    await c.query(`SELECT pg_advisory_xact_lock(${INBOX_ORDER_LOCK}, k) FROM (SELECT DISTINCT hashtext(r) AS k FROM unnest($1::text[]) AS r ORDER BY k) AS locks`, [keys]);
  }

  private async accept(c: PoolClient, row: MessageRow, now: number): Promise<void> {
    row.status = 'accepted';
    row.accepted_at = now;
    row.inbox_seq = await this.nextInboxSeq(c, row.recipient);
  }

  /**
   * The status_* columns keep what the message was created with unless the new event carries a
   * code of its own; then they echo that event. status_success is left alone.
   */
  private applyEventStatus(row: MessageRow, event: EventInput): void {
    if (event.code == null) return;
    row.status_code = event.code;
    row.status_event = event.event;
    row.status_description = event.description ?? null;
  }

  private async insertEvent(c: PoolClient, messageId: string, event: EventInput, now: number): Promise<void> {
    await c.query(INSERT_EVENT, [
      messageId, event.status, event.event, event.code ?? null, event.description ?? null, event.linkedMessageId ?? null, event.at ?? now,
    ]);
  }
}
