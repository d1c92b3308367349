import { randomUUID } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import type { Test } from 'tap';
import type { ChunkRecord, EventInput, MessageRecord } from '../../../broker/message/model.js';
import { applyMigrations, migrations, schemaVersion } from '../../../broker/store/postgres/migrations.js';
import { PostgresMessageStore, type PostgresMessageStoreOptions } from '../../../broker/store/postgres/postgres-message-store.js';
import { messageStoreContract } from './message-store-contract.js';

/** The server under test; MESH_TEST_PG_URL overrides the local default. */
const URL = process.env['MESH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const admin = new pg.Pool({ connectionString: URL, max: 2 });
admin.on('error', () => undefined);
t.teardown(() => admin.end());

/** A fresh schema name, dropped (with everything in it) when `t` ends. */
function freshSchema(t: Test): string {
  const schema = 'mesh_test_' + randomUUID().replaceAll('-', '').slice(0, 16);
  t.teardown(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
  return schema;
}

/** A store on a fresh schema, closed when `t` ends (before the schema is dropped). */
async function openStore(t: Test, opts: Omit<PostgresMessageStoreOptions, 'schema'> = {}): Promise<{ store: PostgresMessageStore; schema: string }> {
  const schema = freshSchema(t);
  const store = await PostgresMessageStore.open(URL, { ...opts, schema });
  t.teardown(() => store.close());
  return { store, schema };
}

/** A client of the admin pool with search_path set to `schema`, released when `t` ends. */
async function clientIn(t: Test, schema: string): Promise<pg.PoolClient> {
  const c = await admin.connect();
  await c.query(`SET search_path TO ${schema}`);
  t.teardown(async () => {
    await c.query('RESET search_path');
    c.release();
  });
  return c;
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

let reachable = true;
try {
  await admin.query('SELECT 1');
} catch (err) {
  reachable = false;
  t.comment(`PostgreSQL not reachable at ${URL}: ${(err as Error).message}`);
}

if (!reachable) {
  t.test('PostgreSQL message store', { skip: `no PostgreSQL server at ${URL}` }, async () => undefined);
} else {
  t.test('contract: fresh schema per test', async (t) => {
    messageStoreContract(t, async () => PostgresMessageStore.open(URL, { schema: freshSchema(t) }));
  });

  t.test('contract: a pool of two connections', async (t) => {
    messageStoreContract(t, async () => PostgresMessageStore.open(URL, { schema: freshSchema(t), poolMax: 2 }));
  });

  t.test('migrations apply once and are recorded; reopening changes nothing', async (t) => {
    const { store, schema } = await openStore(t);
    const id = 'MSG-KEEP';
    await store.createMessage(message('MB1', { messageId: id }), chunk(id), event);
    await store.close();

    const reopened = await PostgresMessageStore.open(URL, { schema });
    t.teardown(() => reopened.close());
    t.equal((await reopened.getMessage(id))?.messageId, id, 'data survives close and reopen');
    t.equal((await reopened.getChunk(id, 1))?.objectKey, `k/${id}/1`);

    const c = await clientIn(t, schema);
    const rows = (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    t.strictSame(rows, migrations.map((m) => m.version), 'each migration recorded exactly once');
    t.equal(await schemaVersion(c), migrations[migrations.length - 1]!.version);
    const indexes = (await c.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [schema])).rows.map((r) => r.indexname);
    for (const name of ['messages_inbox', 'messages_sender_local_id', 'nonces_expiry', 'outbox_sweep']) {
      t.ok(indexes.includes(name), `index ${name}`);
    }
    const seq = await c.query(`SELECT 1 FROM pg_sequences WHERE schemaname = $1 AND sequencename = 'inbox_seq'`, [schema]);
    t.equal(seq.rowCount, 1, 'inbox_seq sequence in the schema');
  });

  t.test('applyMigrations: pending only, refuses a newer schema and disordered lists', async (t) => {
    const schema = freshSchema(t);
    await admin.query(`CREATE SCHEMA ${schema}`);
    const c = await clientIn(t, schema);
    t.equal(await schemaVersion(c), 0);
    t.strictSame(await applyMigrations(c), migrations.map((m) => m.version));
    t.strictSame(await applyMigrations(c), [], 'second run applies nothing');
    const extra = [...migrations, { version: 1000, name: 'extra', sql: 'CREATE TABLE extra (x int)' }];
    t.strictSame(await applyMigrations(c, extra), [1000], 'only the new one');
    await t.rejects(applyMigrations(c), /newer than this code/);
    const broken = [...extra, { version: 1001, name: 'bad', sql: 'CREATE TABLE ok (x int); THIS IS NOT SQL' }];
    await t.rejects(applyMigrations(c, broken));
    t.equal(await schemaVersion(c), 1000, 'a failing migration leaves nothing half-applied');
    t.equal((await c.query(`SELECT to_regclass('ok') AS r`)).rows[0].r, null, 'its table was rolled back');
    await t.rejects(applyMigrations(c, [extra[1]!, extra[0]!]), /out of order/);
  });

  t.test('concurrent starters on one schema: one migrates, the rest find nothing to do', async (t) => {
    const schema = freshSchema(t);
    await admin.query(`CREATE SCHEMA ${schema}`);
    const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresMessageStore.open(URL, { schema, poolMax: 2 })));
    t.teardown(() => Promise.all(stores.map((s) => s.close())));
    const c = await clientIn(t, schema);
    const rows = (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    t.strictSame(rows, migrations.map((m) => m.version));
    const m = message('MB1');
    await stores[0]!.createMessage(m, null, event);
    t.equal((await stores[4]!.getMessage(m.messageId))?.messageId, m.messageId, 'all see the same schema');
  });

  t.test('schemas isolate stores from each other', async (t) => {
    const { store: a } = await openStore(t);
    const { store: b } = await openStore(t);
    const m = message('MB1');
    await a.createMessage(m, chunk(m.messageId), event);
    t.equal(await b.getMessage(m.messageId), null);
    t.strictSame(await b.reset(), []);
    t.ok(await a.getMessage(m.messageId));
  });

  t.test('inbox order continues across a reopen', async (t) => {
    const { store, schema } = await openStore(t);
    const first = message('MB1');
    await store.createMessage(first, null, event);
    await store.close();
    const reopened = await PostgresMessageStore.open(URL, { schema });
    t.teardown(() => reopened.close());
    const second = message('MB1');
    await reopened.createMessage(second, null, event);
    t.strictSame((await reopened.listInbox({ recipient: 'MB1', limit: 10 })).messageIds, [first.messageId, second.messageId]);
  });

  t.test('timestamps the store sets come from its clock, and large ones stay numbers', async (t) => {
    let clock = 5_000;
    const { store } = await openStore(t, { now: () => clock });
    const m = message('MB1', { status: 'uploading', totalChunks: 2, acceptedAt: null, expiresAt: 8_640_000_000_000_000 });
    await store.createMessage(m, chunk(m.messageId, 1), event);
    clock = 6_000;
    const done = await store.putChunk(chunk(m.messageId, 2), { ...event, event: 'accepted' });
    t.equal(done.message.acceptedAt, 6_000);
    t.equal(done.message.updatedAt, 6_000);
    clock = 7_000;
    const acked = await store.transition(m.messageId, ['accepted'], 'acknowledged', { ...event, status: 'acknowledged' });
    t.equal(acked?.acknowledgedAt, 7_000);
    t.strictSame((await store.listEvents(m.messageId)).map((e) => e.at), [5_000, 6_000, 7_000]);
    t.equal((await store.getMessage(m.messageId))?.expiresAt, 8_640_000_000_000_000, 'BIGINT read back as a number');
  });

  t.test('concurrent chunk uploads complete a message exactly once', async (t) => {
    const { store } = await openStore(t);
    const m = message('MB1', { status: 'uploading', totalChunks: 20, acceptedAt: null });
    await store.createMessage(m, null, event);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.putChunk(chunk(m.messageId, i + 1), { ...event, event: 'accepted' })),
    );
    t.equal(results.filter((r) => r.message.status === 'accepted').length, 1, 'one upload completes it');
    t.equal((await store.getMessage(m.messageId))?.fileSize, 20);
    t.strictSame((await store.listEvents(m.messageId)).map((e) => e.event), ['created', 'accepted']);
  });

  t.test('writes after close are refused', async (t) => {
    const { store } = await openStore(t);
    await store.close();
    await t.rejects(store.createMessage(message('MB1'), null, event));
    await store.close();
  });

  t.test('job leases: two stores (two pools, one schema) racing for one lease, exactly one holder wins', async (t) => {
    const { store: a, schema } = await openStore(t);
    const b = await PostgresMessageStore.open(URL, { schema });
    t.teardown(() => b.close());
    const c = await clientIn(t, schema);
    const T0 = 1_700_000_000_000;
    const TTL = 30_000;
    // Several rounds, each both a race for a free lease (concurrent INSERTs) and, one TTL later,
    // for the expired one (concurrent UPDATEs of the same row).
    for (let round = 0; round < 5; round++) {
      const job = `race-${round}`;
      for (const [phase, at] of [['free', T0], ['expired', T0 + TTL]] as const) {
        const attempts = [a, b].flatMap((store, s) =>
          Array.from({ length: 20 }, (_, i) => {
            const holder = `${phase}-store${s}-${i}`;
            return store.acquireJobLease(job, holder, at, TTL).then((won) => ({ holder, won }));
          }),
        );
        const winners = (await Promise.all(attempts)).filter((r) => r.won);
        t.equal(winners.length, 1, `round ${round}, ${phase} lease: one winner of 40`);
        const row = await c.query<{ holder: string; expires_at: string }>('SELECT holder, expires_at FROM job_leases WHERE job = $1', [job]);
        t.strictSame(row.rows, [{ holder: winners[0]?.holder, expires_at: String(at + TTL) }], "the stored lease is the winner's");
      }
    }
  });

  t.test('pruning many expired nonces works in slices and keeps the live ones', async (t) => {
    const { store, schema } = await openStore(t);
    const c = await clientIn(t, schema);
    await c.query(
      `INSERT INTO nonces (mailbox_id, nonce, nonce_count, expires_at) SELECT 'MB', 'old-' || i, '0', 1000 FROM generate_series(0, 12344) i`,
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.recordNonce('MB', `live-${i}`, '0', 9_000)));
    t.equal(await store.pruneNonces(5_000), 12_345, 'every expired nonce removed');
    t.equal(await store.recordNonce('MB', 'live-3', '0', 9_000), false, 'live nonces kept');
    t.equal(await store.recordNonce('MB', 'old-3', '0', 9_000), true, 'expired ones forgotten');
  });
}
