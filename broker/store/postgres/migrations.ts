import type { PoolClient } from 'pg';
import { checkLedger, MESSAGE_STORE_LEDGER, type MigrationLedger } from '../migration-ledger.js';

/** One schema step. Versions only ever grow; a released migration is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The PostgreSQL schema, oldest first. Tables are created unqualified, in the connection's
 * search_path (the store's schema). Timestamps are BIGINT epoch milliseconds.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, chunks, events, nonces',
    sql: `
      -- Position in the recipient's inbox, taken when the message becomes accepted (visible),
      -- so a chunked message finished late lists after messages accepted before it.
      CREATE SEQUENCE inbox_seq AS BIGINT;

      CREATE TABLE messages (
        message_id         TEXT PRIMARY KEY,
        -- Insertion order, the tie-break for "newest first" (SQLite's rowid).
        row_seq            BIGINT GENERATED ALWAYS AS IDENTITY,
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
        encrypted          BOOLEAN NOT NULL,
        compressed         BOOLEAN NOT NULL,
        file_size          BIGINT NOT NULL,
        linked_message_id  TEXT,
        status_code        TEXT,
        status_event       TEXT,
        status_description TEXT,
        status_success     BOOLEAN,
        created_at         BIGINT NOT NULL,
        updated_at         BIGINT NOT NULL,
        accepted_at        BIGINT,
        acknowledged_at    BIGINT,
        expires_at         BIGINT,
        inbox_seq          BIGINT
      );
      CREATE INDEX messages_inbox ON messages (recipient, status, inbox_seq);
      CREATE INDEX messages_sender_local_id ON messages (sender, local_id);

      CREATE TABLE chunks (
        message_id TEXT NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
        chunk_no   INTEGER NOT NULL,
        size       BIGINT NOT NULL,
        sha256     TEXT NOT NULL,
        object_key TEXT,
        inline     BYTEA,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (message_id, chunk_no)
      );
      -- reset() asks whether any remaining chunk still uses an object.
      CREATE INDEX chunks_object_key ON chunks (object_key) WHERE object_key IS NOT NULL;

      CREATE TABLE events (
        id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id        TEXT NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
        status            TEXT NOT NULL,
        event             TEXT NOT NULL,
        code              TEXT,
        description       TEXT,
        linked_message_id TEXT,
        at                BIGINT NOT NULL
      );
      CREATE INDEX events_message ON events (message_id, id);

      CREATE TABLE nonces (
        mailbox_id  TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        nonce_count TEXT NOT NULL,
        expires_at  BIGINT NOT NULL,
        PRIMARY KEY (mailbox_id, nonce, nonce_count)
      );
      CREATE INDEX nonces_expiry ON nonces (expires_at);
    `,
  },
  {
    version: 2,
    name: 'routing outbox and parking lot',
    sql: `
      -- One row per message waiting for an adapter, written in the same transaction as the
      -- message; deleted in the transaction that records the adapter's result.
      CREATE TABLE outbox (
        message_id   TEXT PRIMARY KEY REFERENCES messages (message_id) ON DELETE CASCADE,
        adapter      TEXT NOT NULL,
        envelope     JSONB NOT NULL,
        state        TEXT NOT NULL,
        parked       BOOLEAN NOT NULL DEFAULT false,
        publishes    INTEGER NOT NULL DEFAULT 0,
        created_at   BIGINT NOT NULL,
        published_at BIGINT
      );
      CREATE INDEX outbox_sweep ON outbox (parked, state, published_at);

      CREATE TABLE parked (
        message_id TEXT PRIMARY KEY REFERENCES messages (message_id) ON DELETE CASCADE,
        adapter    TEXT NOT NULL,
        reason     TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        parked_at  BIGINT NOT NULL
      );
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
        expires_at BIGINT NOT NULL
      );
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
        records    BIGINT NOT NULL,
        -- The adapter's own checkpoint (JSON), e.g. the counts so far for its end-of-file summary.
        state      TEXT,
        updated_at BIGINT NOT NULL
      );
    `,
  },
];

/**
 * Applies every migration newer than the schema's version, all in one transaction holding a
 * transaction-scoped advisory lock keyed on the schema and ledger, so a second process starting at
 * the same time waits and then finds nothing to do. Returns the versions applied. Refuses a schema
 * newer than this code, and a list out of order. `client` must not be inside a transaction.
 */
export async function applyMigrations(client: PoolClient, list: readonly Migration[] = migrations, ledger: MigrationLedger = MESSAGE_STORE_LEDGER): Promise<number[]> {
  checkLedger(ledger);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version <= list[i - 1]!.version) {
      throw new Error(`${ledger.label} migrations out of order at version ${list[i]!.version}`);
    }
  }
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${ledger.lockPrefix}' || coalesce(current_schema(), '')))`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${ledger.table} (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${ledger.table}`);
    const current = rows[0]?.version ?? 0;
    const latest = list.length > 0 ? list[list.length - 1]!.version : 0;
    if (current > latest) {
      throw new Error(`${ledger.label} schema version ${current} is newer than this code knows (${latest})`);
    }
    const applied: number[] = [];
    for (const m of list) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${ledger.table} (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The highest applied migration version, or 0 for an empty schema. */
export async function schemaVersion(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!rows[0]?.t) return 0;
  const v = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return v.rows[0]?.version ?? 0;
}
