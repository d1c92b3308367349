import Database from 'better-sqlite3';
import type { ChunkRecord, EventInput, MessageEvent, MessageRecord, MessageStatus } from '../../message/model.js';
import {
  StoreError,
  type InboxPage,
  type InboxQuery,
  type MessageStatRow,
  type MessageStore,
  type OutboxEntry,
  type OutboxRecord,
  type OutputWrite,
  type ParkedRecord,
  type PutChunkResult,
  type ReportWrite,
  type RetireRequest,
  type RetireResult,
  type WorkflowFilter,
  type RoutedProgress,
} from '../message-store.js';
import * as housekeeping from './housekeeping-ops.js';
import * as leases from './job-leases.js';
import * as routing from './routing-ops.js';
import { applyMigrations } from './migrations.js';
import {
  INSERT_EVENT,
  INSERT_MESSAGE,
  UPDATE_STATE,
  UPSERT_CHUNK,
  chunkToRow,
  filterSql,
  messageToRow,
  rowToChunk,
  rowToEvent,
  rowToMessage,
  type ChunkRow,
  type EventRow,
  type MessageRow,
} from './rows.js';
import { WriteBatcher, type WriteBatcherStats } from './write-batcher.js';

/** Most free pages one reclaimSpace() call returns to the filesystem (4 KiB pages: 40 MiB). */
const RECLAIM_PAGES = 10_000;

export interface SqliteMessageStoreOptions {
  /** How long a write waits for another connection's lock before failing (default 5000). */
  busyTimeoutMs?: number;
  /** Most writes per group commit (default 256). */
  maxBatch?: number;
  /** Clock for timestamps the store sets itself (default Date.now). */
  now?: () => number;
}

/** The connection settings in force, for diagnostics and tests. */
export interface SqliteSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

/**
 * MessageStore on embedded SQLite (WAL, synchronous=FULL). Writes go through a WriteBatcher, so
 * concurrent requests share one fsync; reads run straight against the connection. Every write is a
 * synchronous function run inside the batch transaction, so read-check-write sequences in one op
 * (compare-and-set, chunk completion) cannot interleave with other writes.
 */
export class SqliteMessageStore implements MessageStore {
  private readonly db: Database.Database;
  private readonly batcher: WriteBatcher;
  private readonly now: () => number;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, opts: SqliteMessageStoreOptions = {}) {
    this.db = new Database(path);
    this.now = opts.now ?? Date.now;
    // Before any table exists (a new file) this makes purged pages returnable to the filesystem by
    // reclaimSpace(); on an existing file it is a no-op, and freed pages are reused by later writes.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is fsync'd before it returns, so a resolved write survives power loss (DESIGN §7).
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    this.batcher = new WriteBatcher(this.db, { maxBatch: opts.maxBatch ?? 256 });
  }

  /** Opens (creating if needed) and migrates the database at `path`. */
  static async open(path: string, opts: SqliteMessageStoreOptions = {}): Promise<SqliteMessageStore> {
    const store = new SqliteMessageStore(path, opts);
    try {
      await store.migrate();
    } catch (err) {
      store.db.close();
      throw err;
    }
    return store;
  }

  async migrate(): Promise<void> {
    this.batcher.flush();
    applyMigrations(this.db);
  }

  async ping(): Promise<void> {
    // Throws once the database is closed or its file is unreadable.
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.batcher.close();
    this.db.close();
  }

  /** Group-commit counters: how many transactions carried how many writes. */
  get writeStats(): Readonly<WriteBatcherStats> {
    return { ...this.batcher.stats };
  }

  /** The connection's durability-relevant settings. */
  settings(): SqliteSettings {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      foreignKeys: Number(this.db.pragma('foreign_keys', { simple: true })) === 1,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  createMessage(message: MessageRecord, firstChunk: ChunkRecord | null, event: EventInput, outbox: OutboxEntry | null = null): Promise<void> {
    return this.batcher.enqueue(() => {
      if (firstChunk && firstChunk.messageId !== message.messageId) {
        throw new Error(`chunk belongs to ${firstChunk.messageId}, not ${message.messageId}`);
      }
      const now = this.now();
      this.insertMessage(message);
      if (firstChunk) this.stmt(UPSERT_CHUNK).run(chunkToRow(firstChunk));
      this.insertEvent(message.messageId, event, now);
      if (outbox) routing.insertOutbox(this.internals, outbox, now);
    });
  }

  putChunk(chunk: ChunkRecord, acceptEvent: EventInput, outbox: OutboxEntry | null = null): Promise<PutChunkResult> {
    return this.batcher.enqueue(() => {
      const id = chunk.messageId;
      const row = this.messageRow(id);
      if (!row) throw new StoreError('not_found', `message ${id} not found`);
      if (row.status !== 'uploading') throw new StoreError('locked', `message ${id} is ${row.status}, not uploading`);
      if (!Number.isInteger(chunk.chunkNo) || chunk.chunkNo < 1 || chunk.chunkNo > row.total_chunks) {
        throw new StoreError('chunk_out_of_range', `chunk ${chunk.chunkNo} of message ${id} is outside 1..${row.total_chunks}`);
      }
      const previous = this.stmt('SELECT object_key FROM chunks WHERE message_id = ? AND chunk_no = ?').get(id, chunk.chunkNo) as
        | { object_key: string | null }
        | undefined;
      this.stmt(UPSERT_CHUNK).run(chunkToRow(chunk));
      const agg = this.stmt('SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM chunks WHERE message_id = ?').get(id) as {
        n: number;
        bytes: number;
      };
      const now = this.now();
      const next: MessageRow = { ...row, file_size: agg.bytes, updated_at: now };
      if (agg.n === row.total_chunks) {
        if (outbox) {
          // Complete, but for an adapter: it waits in the outbox instead of the inbox.
          next.status = 'routed';
          routing.insertOutbox(this.internals, outbox, now);
        } else {
          this.accept(next, now);
        }
        this.applyEventStatus(next, acceptEvent);
        this.insertEvent(id, acceptEvent, now);
      }
      this.stmt(UPDATE_STATE).run(next);
      const old = previous?.object_key ?? null;
      return {
        message: rowToMessage(next),
        replacedObjectKey: old !== null && old !== chunk.objectKey ? old : null,
      };
    });
  }

  async getMessage(messageId: string): Promise<MessageRecord | null> {
    const row = this.messageRow(messageId);
    return row ? rowToMessage(row) : null;
  }

  async getChunk(messageId: string, chunkNo: number): Promise<ChunkRecord | null> {
    const row = this.stmt('SELECT * FROM chunks WHERE message_id = ? AND chunk_no = ?').get(messageId, chunkNo) as
      | ChunkRow
      | undefined;
    return row ? rowToChunk(row) : null;
  }

  async listChunkNumbers(messageId: string): Promise<number[]> {
    return this.stmt('SELECT chunk_no FROM chunks WHERE message_id = ? ORDER BY chunk_no').pluck().all(messageId) as number[];
  }

  async listEvents(messageId: string): Promise<MessageEvent[]> {
    const rows = this.stmt('SELECT * FROM events WHERE message_id = ? ORDER BY id').all(messageId) as EventRow[];
    return rows.map(rowToEvent);
  }

  async listInbox(query: InboxQuery): Promise<InboxPage> {
    const limit = Math.max(0, Math.floor(query.limit));
    let after = 0;
    if (query.afterMessageId) {
      // Any message this recipient was ever shown keeps its place, so paging on from one the client
      // has just acknowledged still continues after it rather than starting over.
      const seq = this.stmt('SELECT inbox_seq FROM messages WHERE message_id = ? AND recipient = ?')
        .pluck()
        .get(query.afterMessageId, query.recipient) as number | null | undefined;
      after = seq ?? 0;
    }
    const filter = filterSql(query.workflowFilter);
    const ids = this.stmt(
      `SELECT message_id FROM messages WHERE recipient = ? AND status = 'accepted' AND inbox_seq > ?${filter.sql}
       ORDER BY inbox_seq LIMIT ?`,
    )
      .pluck()
      .all(query.recipient, after, ...filter.params, limit + 1) as string[];
    const hasMore = ids.length > limit;
    if (hasMore) ids.length = limit;
    return { messageIds: ids, hasMore };
  }

  async countInbox(recipient: string, workflowFilter?: WorkflowFilter | null): Promise<number> {
    const filter = filterSql(workflowFilter);
    return this.stmt(`SELECT count(*) FROM messages WHERE recipient = ? AND status = 'accepted'${filter.sql}`)
      .pluck()
      .get(recipient, ...filter.params) as number;
  }

  transition(messageId: string, from: MessageStatus[], to: MessageStatus, event: EventInput): Promise<MessageRecord | null> {
    return this.batcher.enqueue(() => {
      const row = this.messageRow(messageId);
      if (!row || !from.includes(row.status as MessageStatus)) return null;
      const now = this.now();
      const next: MessageRow = { ...row, status: to, updated_at: now };
      if (to === 'accepted') this.accept(next, now);
      if (to === 'acknowledged') next.acknowledged_at = now;
      this.applyEventStatus(next, event);
      this.stmt(UPDATE_STATE).run(next);
      this.insertEvent(messageId, event, now);
      return rowToMessage(next);
    });
  }

  async findBySenderLocalId(sender: string, localId: string): Promise<MessageRecord[]> {
    const rows = this.stmt(
      'SELECT * FROM messages WHERE sender = ? AND local_id = ? ORDER BY created_at DESC, rowid DESC',
    ).all(sender, localId) as MessageRow[];
    return rows.map(rowToMessage);
  }

  recordNonce(mailboxId: string, nonce: string, nonceCount: string, expiresAt: number): Promise<boolean> {
    return this.batcher.enqueue(
      () =>
        this.stmt('INSERT OR IGNORE INTO nonces (mailbox_id, nonce, nonce_count, expires_at) VALUES (?, ?, ?, ?)').run(
          mailboxId,
          nonce,
          nonceCount,
          expiresAt,
        ).changes === 1,
    );
  }

  async releaseNonce(mailboxId: string, nonce: string, nonceCount: string): Promise<void> {
    await this.batcher.enqueue(() => {
      this.stmt('DELETE FROM nonces WHERE mailbox_id = ? AND nonce = ? AND nonce_count = ?').run(mailboxId, nonce, nonceCount);
    });
  }

  async pruneNonces(now: number): Promise<number> {
    // In bounded slices, each its own write: at thousands of requests a second the expired rows
    // number in the hundreds of thousands, and one DELETE would stall every request behind it.
    const slice = 5_000;
    let total = 0;
    for (;;) {
      const n = await this.batcher.enqueue(
        () =>
          this.stmt(
            `DELETE FROM nonces WHERE (mailbox_id, nonce, nonce_count) IN
               (SELECT mailbox_id, nonce, nonce_count FROM nonces WHERE expires_at <= ? LIMIT ${slice})`,
          ).run(now).changes,
      );
      total += n;
      if (n < slice) return total;
    }
  }

  acquireJobLease(job: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return this.batcher.enqueue(() => leases.acquireJobLease((sql) => this.stmt(sql), job, holder, now, ttlMs));
  }

  releaseJobLease(job: string, holder: string): Promise<void> {
    return this.batcher.enqueue(() => leases.releaseJobLease((sql) => this.stmt(sql), job, holder));
  }

  reset(mailboxId?: string): Promise<string[]> {
    return this.batcher.enqueue(() => {
      // Chunks, events, outbox and parked rows go with their message (ON DELETE CASCADE).
      if (mailboxId === undefined) {
        const keys = this.stmt('SELECT DISTINCT object_key FROM chunks WHERE object_key IS NOT NULL').pluck().all() as string[];
        this.stmt('DELETE FROM messages').run();
        return keys;
      }
      const keys = this.stmt(
        `SELECT DISTINCT c.object_key FROM chunks c JOIN messages m ON m.message_id = c.message_id
         WHERE (m.sender = ? OR m.recipient = ?) AND c.object_key IS NOT NULL`,
      )
        .pluck()
        .all(mailboxId, mailboxId) as string[];
      this.stmt('DELETE FROM messages WHERE sender = ? OR recipient = ?').run(mailboxId, mailboxId);
      // Adapter outputs can share their source's objects: keep any key a remaining chunk still uses.
      const stillUsed = this.stmt('SELECT 1 FROM chunks WHERE object_key = ? LIMIT 1');
      return keys.filter((k) => stillUsed.get(k) === undefined);
    });
  }

  async listUncollected(acceptedBefore: number, limit: number): Promise<MessageRecord[]> {
    return housekeeping.listUncollected(this.internals, acceptedBefore, limit);
  }

  expireMessage(messageId: string, event: EventInput, report: ReportWrite | null): Promise<MessageRecord | null> {
    return this.batcher.enqueue(() => housekeeping.expireMessage(this.internals, messageId, event, report));
  }

  retireMessages(req: RetireRequest): Promise<RetireResult> {
    return this.batcher.enqueue(() => housekeeping.retireMessages(this.internals, req));
  }

  async messageStats(since: number, until: number): Promise<MessageStatRow[]> {
    return housekeeping.messageStats(this.internals, since, until);
  }

  async reclaimSpace(): Promise<void> {
    // Outside any batch transaction (neither pragma may run inside one). Bounded: at most
    // RECLAIM_PAGES pages go back per call, so one call never rewrites a large file in one go.
    this.batcher.flush();
    if (Number(this.db.pragma('auto_vacuum', { simple: true })) === 2) this.db.pragma(`incremental_vacuum(${RECLAIM_PAGES})`);
    // Without this the WAL keeps the size of the largest purge batch until the next full checkpoint.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  listOutboxDue(pendingBefore: number, publishedBefore: number, limit: number): Promise<OutboxRecord[]> {
    return Promise.resolve(routing.listOutboxDue(this.internals, pendingBefore, publishedBefore, limit));
  }

  markOutboxPublished(messageIds: string[], at: number): Promise<void> {
    return this.batcher.enqueue(() => routing.markOutboxPublished(this.internals, messageIds, at));
  }

  resetOutboxPublished(): Promise<number> {
    return this.batcher.enqueue(() => this.stmt(`UPDATE outbox SET state = 'pending', published_at = NULL WHERE state = 'published'`).run().changes);
  }

  routedProgress(sourceId: string): Promise<RoutedProgress> {
    return Promise.resolve(routing.routedProgress(this.internals, sourceId));
  }

  commitRoutedBatch(sourceId: string, from: number, to: RoutedProgress, outputs: OutputWrite[]): Promise<boolean> {
    return this.batcher.enqueue(() => routing.commitRoutedBatch(this.internals, sourceId, from, to, outputs));
  }

  completeRouted(sourceId: string, event: EventInput, outputs: OutputWrite[], finalStatus: 'processed' | 'error' = 'processed'): Promise<boolean> {
    return this.batcher.enqueue(() => routing.completeRouted(this.internals, sourceId, event, outputs, finalStatus));
  }

  parkRouted(messageId: string, adapter: string, reason: string, attempts: number, at: number): Promise<void> {
    return this.batcher.enqueue(() => routing.parkRouted(this.internals, messageId, adapter, reason, attempts, at));
  }

  listParked(limit: number): Promise<ParkedRecord[]> {
    return Promise.resolve(routing.listParked(this.internals, limit));
  }

  countParked(): Promise<number> {
    return Promise.resolve(routing.countParked(this.internals));
  }

  unpark(messageId: string): Promise<OutboxEntry | null> {
    return this.batcher.enqueue(() => routing.unpark(this.internals, messageId));
  }

  discardParked(messageId: string, event: EventInput): Promise<MessageRecord | null> {
    return this.batcher.enqueue(() => routing.discardParked(this.internals, messageId, event));
  }

  /** What the routing operations may use of this store; only ever called inside a batch op. */
  private readonly internals: routing.SqliteInternals = {
    stmt: (sql) => this.stmt(sql),
    now: () => this.now(),
    messageRow: (id) => this.messageRow(id),
    insertMessage: (m) => this.insertMessage(m),
    insertEvent: (id, e, now) => this.insertEvent(id, e, now),
    applyEventStatus: (row, e) => this.applyEventStatus(row, e),
  };

  private insertMessage(message: MessageRecord): void {
    const accepted = message.status === 'accepted';
    const record = accepted ? { ...message, acceptedAt: message.acceptedAt ?? this.now() } : message;
    try {
      this.stmt(INSERT_MESSAGE).run(messageToRow(record, accepted ? this.nextInboxSeq() : null));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreError('conflict', `message ${message.messageId} already exists`);
      }
      throw err;
    }
  }

  /** Prepared once per SQL text; SQLite re-prepares transparently if a migration changes the schema. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private messageRow(messageId: string): MessageRow | undefined {
    return this.stmt('SELECT * FROM messages WHERE message_id = ?').get(messageId) as MessageRow | undefined;
  }

  /** Next inbox position; only called inside a batch transaction, so no two writers can share one. */
  private nextInboxSeq(): number {
    return this.stmt("UPDATE counters SET value = value + 1 WHERE name = 'inbox_seq' RETURNING value").pluck().get() as number;
  }

  private accept(row: MessageRow, now: number): void {
    row.status = 'accepted';
    row.accepted_at = now;
    row.inbox_seq = this.nextInboxSeq();
  }

  /**
   * The status_* columns keep what the message was created with (e.g. MESH's "00 TRANSFER") unless
   * the new event carries a code of its own, like an error or a report; then they echo that event.
   * status_success is left alone: only the creator knows whether a coded event means success.
   */
  private applyEventStatus(row: MessageRow, event: EventInput): void {
    if (event.code == null) return;
    row.status_code = event.code;
    row.status_event = event.event;
    row.status_description = event.description ?? null;
  }

  private insertEvent(messageId: string, event: EventInput, now: number): void {
    this.stmt(INSERT_EVENT).run({
      message_id: messageId,
      status: event.status,
      event: event.event,
      code: event.code ?? null,
      description: event.description ?? null,
      linked_message_id: event.linkedMessageId ?? null,
      at: event.at ?? now,
    });
  }
}
