import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { Test } from 'tap';
import type { ChunkRecord, EventInput, MessageRecord } from '../../../broker/message/model.js';
import { StoreError } from '../../../broker/store/message-store.js';
import { applyMigrations, migrations, schemaVersion } from '../../../broker/store/sqlite/migrations.js';
import { SqliteMessageStore, type SqliteMessageStoreOptions } from '../../../broker/store/sqlite/sqlite-message-store.js';
import { WriteBatcher } from '../../../broker/store/sqlite/write-batcher.js';
import { messageStoreContract } from './message-store-contract.js';

/** A fresh temporary directory, removed when `t` ends. */
async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-sqlite-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a new file in its own temp dir, closed when `t` ends. */
async function openStore(t: Test, opts: SqliteMessageStoreOptions = {}): Promise<{ store: SqliteMessageStore; path: string }> {
  const path = join(await tempDir(t), 'mesh.db');
  const store = await SqliteMessageStore.open(path, opts);
  t.teardown(() => store.close());
  return { store, path };
}

function message(recipient: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'MSG-' + randomUUID(), messageType: 'DATA', sender: 'SENDER', recipient, workflowId: 'WF',
    status: 'accepted', totalChunks: 1, subject: null, localId: null, partnerId: null, fileName: null,
    contentType: null, mexContentType: null, contentEncoding: null, checksum: null, encrypted: false,
    compressed: false, fileSize: 1, linkedMessageId: null, statusCode: null, statusEvent: null,
    statusDescription: null, statusSuccess: null, createdAt: 1, updatedAt: 1, acceptedAt: 1,
    acknowledgedAt: null, expiresAt: null, ...overrides,
  };
}

function chunk(messageId: string, chunkNo = 1): ChunkRecord {
  return { messageId, chunkNo, size: 1, sha256: '0'.repeat(64), objectKey: `k/${messageId}/${chunkNo}`, inline: null, createdAt: 1 };
}

const event: EventInput = { status: 'accepted', event: 'created', code: null, description: null, linkedMessageId: null };

t.test('contract: fresh database per test', async (t) => {
  messageStoreContract(t, async () => SqliteMessageStore.open(join(await tempDir(t), 'mesh.db')));
});

t.test('contract: small batches, so ops span several commits', async (t) => {
  messageStoreContract(t, async () => SqliteMessageStore.open(join(await tempDir(t), 'mesh.db'), { maxBatch: 7 }));
});

t.test('connection settings are durable ones', async (t) => {
  const { store, path } = await openStore(t, { busyTimeoutMs: 1234 });
  t.strictSame(store.settings(), { journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: 1234 });
  await store.createMessage(message('MB1'), null, event);
  t.ok(existsSync(path + '-wal'), 'write-ahead log in use');
});

t.test('migrations apply once and are recorded; reopening changes nothing', async (t) => {
  const { store, path } = await openStore(t);
  const id = 'MSG-KEEP';
  await store.createMessage(message('MB1', { messageId: id }), chunk(id), event);
  await store.close();

  const reopened = await SqliteMessageStore.open(path);
  t.teardown(() => reopened.close());
  t.equal((await reopened.getMessage(id))?.messageId, id, 'data survives close and reopen');
  t.equal((await reopened.getChunk(id, 1))?.objectKey, `k/${id}/1`);

  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  const rows = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
  t.strictSame(rows, migrations.map((m) => m.version), 'each migration recorded exactly once');
  t.equal(schemaVersion(raw), migrations[migrations.length - 1]!.version);
  const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").pluck().all();
  t.ok(indexes.includes('messages_inbox') && indexes.includes('messages_sender_local_id') && indexes.includes('nonces_expiry'));
});

t.test('applyMigrations: pending only, refuses a newer database and disordered lists', async (t) => {
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  t.equal(schemaVersion(db), 0);
  t.strictSame(applyMigrations(db), migrations.map((m) => m.version));
  t.strictSame(applyMigrations(db), [], 'second run applies nothing');
  const extra = [...migrations, { version: 1000, name: 'extra', sql: 'CREATE TABLE extra (x)' }];
  t.strictSame(applyMigrations(db, extra), [1000], 'only the new one');
  t.throws(() => applyMigrations(db), /newer than this code/);
  const broken = [...extra, { version: 1001, name: 'bad', sql: 'CREATE TABLE ok (x); THIS IS NOT SQL' }];
  t.throws(() => applyMigrations(db, broken));
  t.equal(schemaVersion(db), 1000, 'a failing migration leaves nothing half-applied');
  t.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'ok'").pluck().get(), 0);
  t.throws(() => applyMigrations(db, [extra[1]!, extra[0]!]), /out of order/);
});

t.test('inbox order continues across a reopen', async (t) => {
  const { store, path } = await openStore(t);
  const first = message('MB1');
  await store.createMessage(first, null, event);
  await store.close();
  const reopened = await SqliteMessageStore.open(path);
  t.teardown(() => reopened.close());
  const second = message('MB1');
  await reopened.createMessage(second, null, event);
  t.strictSame((await reopened.listInbox({ recipient: 'MB1', limit: 10 })).messageIds, [first.messageId, second.messageId]);
});

t.test('close commits writes still queued', async (t) => {
  const { store, path } = await openStore(t);
  const m = message('MB1');
  const pending = store.createMessage(m, null, event);
  await store.close();
  await pending;
  const raw = new Database(path, { readonly: true });
  t.teardown(() => raw.close());
  t.equal(raw.prepare('SELECT count(*) FROM messages WHERE message_id = ?').pluck().get(m.messageId), 1);
  await t.rejects(store.createMessage(message('MB1'), null, event), /closed/, 'writes after close are refused');
});

t.test('timestamps the store sets come from its clock', async (t) => {
  let clock = 5_000;
  const { store } = await openStore(t, { now: () => clock });
  const m = message('MB1', { status: 'uploading', totalChunks: 2, acceptedAt: null });
  await store.createMessage(m, chunk(m.messageId, 1), event);
  clock = 6_000;
  const done = await store.putChunk(chunk(m.messageId, 2), { ...event, event: 'accepted' });
  t.equal(done.message.acceptedAt, 6_000);
  t.equal(done.message.updatedAt, 6_000);
  clock = 7_000;
  const acked = await store.transition(m.messageId, ['accepted'], 'acknowledged', { ...event, status: 'acknowledged' });
  t.equal(acked?.acknowledgedAt, 7_000);
  t.strictSame((await store.listEvents(m.messageId)).map((e) => e.at), [5_000, 6_000, 7_000]);
});

t.test('group commit: concurrent writes share transactions', async (t) => {
  const { store } = await openStore(t);
  const msgs = Array.from({ length: 500 }, () => message('MB1'));
  await Promise.all(msgs.map((m) => store.createMessage(m, chunk(m.messageId), event)));
  t.equal(store.writeStats.ops, 500);
  t.ok(store.writeStats.commits <= 3, `500 writes in ${store.writeStats.commits} commits`);
  t.strictSame((await store.listInbox({ recipient: 'MB1', limit: 500 })).messageIds, msgs.map((m) => m.messageId), 'call order kept');
});

t.test('group commit: a failing op in a batch fails alone', async (t) => {
  const { store } = await openStore(t);
  const existing = message('MB1');
  await store.createMessage(existing, chunk(existing.messageId), event);
  const commitsBefore = store.writeStats.commits;
  const a = message('MB1');
  const b = message('MB1');
  const results = await Promise.allSettled([
    store.createMessage(a, chunk(a.messageId), event),
    store.createMessage({ ...existing, subject: 'changed' }, chunk(existing.messageId), event),
    store.putChunk(chunk('MSG-NOPE'), event),
    store.createMessage(b, chunk(b.messageId), event),
  ]);
  t.strictSame(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  const reasons = results.map((r) => (r.status === 'rejected' && r.reason instanceof StoreError ? r.reason.code : null));
  t.strictSame(reasons, [null, 'conflict', 'not_found', null]);
  t.equal(store.writeStats.commits, commitsBefore + 1, 'one transaction for the whole batch');
  t.strictSame((await store.listInbox({ recipient: 'MB1', limit: 10 })).messageIds, [existing.messageId, a.messageId, b.messageId]);
  t.equal((await store.getMessage(existing.messageId))?.subject, null, 'the failed op left no trace');
});

t.test('WriteBatcher', async (t) => {
  const setup = (t: Test, maxBatch?: number) => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE c (pid INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);`);
    db.pragma('foreign_keys = ON');
    const batcher = new WriteBatcher(db, maxBatch === undefined ? {} : { maxBatch });
    t.teardown(() => {
      batcher.close();
      db.close();
    });
    const insert = db.prepare('INSERT INTO p (id) VALUES (?)');
    const count = () => db.prepare('SELECT count(*) FROM p').pluck().get() as number;
    return { db, batcher, insert, count };
  };

  t.test('an op that throws undoes its own partial writes only', async (t) => {
    const { batcher, insert, count } = setup(t);
    const results = await Promise.allSettled([
      batcher.enqueue(() => insert.run(1).changes),
      batcher.enqueue(() => {
        insert.run(2);
        throw new Error('boom');
      }),
      batcher.enqueue(() => insert.run(3).changes),
    ]);
    t.strictSame(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    t.match((results[1] as PromiseRejectedResult).reason, { message: 'boom' });
    t.equal(count(), 2);
    t.strictSame(batcher.stats, { commits: 1, ops: 2 });
  });

  t.test('a failed COMMIT rejects every op of the batch', async (t) => {
    const { db, batcher, insert, count } = setup(t);
    const results = await Promise.allSettled([
      batcher.enqueue(() => insert.run(1)),
      // Deferred foreign key: the op itself succeeds; COMMIT finds the orphan and fails.
      batcher.enqueue(() => db.prepare('INSERT INTO c (pid) VALUES (99)').run()),
    ]);
    t.strictSame(results.map((r) => r.status), ['rejected', 'rejected']);
    t.match((results[0] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    t.equal(count(), 0, 'nothing committed');
    t.notOk(db.inTransaction, 'transaction rolled back');
    t.equal(await batcher.enqueue(() => insert.run(5).changes), 1, 'later batches still work');
  });

  t.test('batches are capped at maxBatch', async (t) => {
    const { batcher, insert, count } = setup(t, 10);
    await Promise.all(Array.from({ length: 25 }, (_, i) => batcher.enqueue(() => insert.run(i + 1))));
    t.equal(count(), 25);
    t.strictSame(batcher.stats, { commits: 3, ops: 25 });
  });

  t.test('flush commits synchronously; close refuses more work', async (t) => {
    const { batcher, insert, count } = setup(t);
    const p = batcher.enqueue(() => insert.run(1));
    t.equal(count(), 0, 'not yet run');
    batcher.flush();
    t.equal(count(), 1, 'committed by flush');
    await p;
    batcher.close();
    await t.rejects(batcher.enqueue(() => 1), /closed/);
  });
});

t.test('pruning many expired nonces works in slices and keeps the live ones', async (t) => {
  const { store } = await openStore(t);
  await Promise.all(Array.from({ length: 12_345 }, (_, i) => store.recordNonce('MB', `old-${i}`, '0', 1_000)));
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.recordNonce('MB', `live-${i}`, '0', 9_000)));
  const before = store.writeStats.commits;
  t.equal(await store.pruneNonces(5_000), 12_345, 'every expired nonce removed');
  t.ok(store.writeStats.commits - before >= 3, 'in more than one transaction');
  t.equal(await store.recordNonce('MB', 'live-3', '0', 9_000), false, 'live nonces kept');
  t.equal(await store.recordNonce('MB', 'old-3', '0', 9_000), true, 'expired ones forgotten');
});
