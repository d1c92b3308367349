import type Database from 'better-sqlite3';
import { checkLedger, MESSAGE_STORE_LEDGER, type MigrationLedger } from '../migration-ledger.js';

/** One schema step. Versions only ever grow; a released migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The SQLite schema, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, chunks, events, nonces',
    sql: `
      CREATE TABLE messages (
        message_id         TEXT PRIMARY KEY,
        message_type       TEXT NOT NULL,
        sender             TEXT NOT NULL,
        recipient          TEXT NOT NULL,
        workflow_id        TEXT NOT NULL,
        status             TEXT NOT NULL,
        total_chunks       INTEGER NOT NULL,
        subject            TEXT,
        local_id           TEXT,
        partner_id         TEXT,
        file_name          TEXT,
        content_type       TEXT,
        mex_content_type   TEXT,
        content_encoding   TEXT,
        checksum           TEXT,
        encrypted          INTEGER NOT NULL,
        compressed         INTEGER NOT NULL,
        file_size          INTEGER NOT NULL,
        linked_message_id  TEXT,
        status_code        TEXT,
        status_event       TEXT,
        status_description TEXT,
        status_success     INTEGER,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        accepted_at        INTEGER,
        acknowledged_at    INTEGER,
        expires_at         INTEGER,
        -- Position in the recipient's inbox, taken when the message becomes accepted (visible),
        -- so a chunked message finished late lists after messages accepted before it.
        inbox_seq          INTEGER
      );
      CREATE INDEX messages_inbox ON messages (recipient, status, inbox_seq);
      CREATE INDEX messages_sender_local_id ON messages (sender, local_id);

      CREATE TABLE chunks (
        message_id TEXT NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
        chunk_no   INTEGER NOT NULL,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        object_key TEXT,
        inline     BLOB,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (message_id, chunk_no)
      );

      -- INTEGER PRIMARY KEY without AUTOINCREMENT: a new row always gets max(id)+1, which is
      -- all that "oldest first" within one message needs, without the sqlite_sequence write.
      CREATE TABLE events (
        id                INTEGER PRIMARY KEY,
        message_id        TEXT NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
        status            TEXT NOT NULL,
        event             TEXT NOT NULL,
        code              TEXT,
        description       TEXT,
        linked_message_id TEXT,
        at                INTEGER NOT NULL
      );
      CREATE INDEX events_message ON events (message_id, id);

      CREATE TABLE nonces (
        mailbox_id  TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        nonce_count TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (mailbox_id, nonce, nonce_count)
      ) WITHOUT ROWID;
      CREATE INDEX nonces_expiry ON nonces (expires_at);

      -- A counter row rather than max(inbox_seq)+1: max() over a column that is only indexed
      -- per recipient would scan the table on every acceptance.
      CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO counters (name, value) VALUES ('inbox_seq', 0);
    `,
  },
  {
    version: 2,
    name: 'routing outbox and parking lot',
    sql: `
      -- The outbox: one row per message waiting for an adapter, written in the same transaction
      -- as the message, so a committed message is always eventually published (DESIGN §4.3).
      -- state: 'pending' (not yet confirmed by the transport) or 'published'. The row is deleted
      -- in the transaction that records the adapter's result.
      CREATE TABLE outbox (
        message_id   TEXT PRIMARY KEY REFERENCES messages (message_id) ON DELETE CASCADE,
        adapter      TEXT NOT NULL,
        envelope     TEXT NOT NULL,
        state        TEXT NOT NULL,
        parked       INTEGER NOT NULL DEFAULT 0,
        publishes    INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        published_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX outbox_sweep ON outbox (parked, state, published_at);

      CREATE TABLE parked (
        message_id TEXT PRIMARY KEY REFERENCES messages (message_id) ON DELETE CASCADE,
        adapter    TEXT NOT NULL,
        reason     TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        parked_at  INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'cluster job leases',
    sql: `
      -- Which node runs each periodic job, until when. A row outlives a crashed holder only until
      -- expires_at (epoch ms), so another node takes the job over without anyone cleaning up.
      CREATE TABLE job_leases (
        job        TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'housekeeping job indexes',
    sql: `
      -- Inbox expiry finds uncollected messages by acceptance time; only accepted rows are indexed,
      -- so the index stays the size of the inboxes, not of the history.
      CREATE INDEX messages_uncollected ON messages (accepted_at) WHERE status = 'accepted';
      -- Purge and abandoned-upload clean-up find messages by status and time of their last change.
      CREATE INDEX messages_status_updated ON messages (status, updated_at);
      -- The statistics summary counts a day's messages by creation time.
      CREATE INDEX messages_created ON messages (created_at);
    `,
  },
  {
    version: 5,
    name: 'adapter batch progress',
    sql: `
      -- How many records of a routed message an adapter has committed in batches (a GRO file of
      -- 100,000 registrations, say), so a redelivery after a crash resumes instead of starting over.
      CREATE TABLE routed_progress (
        message_id TEXT PRIMARY KEY REFERENCES messages (message_id) ON DELETE CASCADE,
        records    INTEGER NOT NULL,
        -- The adapter's own checkpoint (JSON), e.g. the counts so far for its end-of-file summary.
        state      TEXT,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Applies every migration newer than the database's version, all in one IMMEDIATE transaction,
 * so a second process starting at the same time waits and then finds nothing to do.
 * Returns the versions applied. Refuses a database newer than this code.
 */
export function applyMigrations(db: Database.Database, list: readonly Migration[] = migrations, ledger: MigrationLedger = MESSAGE_STORE_LEDGER): number[] {
  checkLedger(ledger);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version <= list[i - 1]!.version) {
      throw new Error(`${ledger.label} migrations out of order at version ${list[i]!.version}`);
    }
  }
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${ledger.table} (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const row = db.prepare(`SELECT max(version) AS version FROM ${ledger.table}`).get() as { version: number | null };
    const current = row.version ?? 0;
    const latest = list.length > 0 ? list[list.length - 1]!.version : 0;
    if (current > latest) {
      throw new Error(`${ledger.label} schema version ${current} is newer than this code knows (${latest})`);
    }
    const record = db.prepare(`INSERT INTO ${ledger.table} (version, name, applied_at) VALUES (?, ?, ?)`);
    const applied: number[] = [];
    for (const m of list) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}

/** The highest applied migration version, or 0 for an empty database. */
export function schemaVersion(db: Database.Database): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (exists === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}
