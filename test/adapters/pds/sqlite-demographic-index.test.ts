import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import type { Test } from 'tap';
import { pdsMigrations } from '../../../adapters/pds/store/pds-migrations.js';
import { openDemographicIndex } from '../../../adapters/pds/store/open-demographic-index.js';
import { SqliteDemographicIndex } from '../../../adapters/pds/store/sqlite-demographic-index.js';
import { SqliteMessageStore } from '../../../broker/store/sqlite/sqlite-message-store.js';
import { makePerson, registerDemographicIndexTests } from './demographic-index-contract.js';

/** An index on a new file in the test's own directory, closed when `t` ends. */
async function openIndex(t: Test, opts = {}): Promise<{ index: SqliteDemographicIndex; path: string }> {
  const path = join(t.testdir({}), 'meshd.sqlite');
  const index = await SqliteDemographicIndex.open(path, opts);
  t.teardown(() => index.close());
  return { index, path };
}

t.test('contract', async (t) => {
  registerDemographicIndexTests((name, fn) => {
    t.test(name, async (t) => fn(t, (await openIndex(t)).index));
  });
});

t.test('connection settings: WAL, full sync, a 30 s busy timeout by default', async (t) => {
  const { index, path } = await openIndex(t);
  t.strictSame(index.settings(), { journalMode: 'wal', synchronous: 2, busyTimeoutMs: 30_000 });
  await index.upsertPeople([makePerson(1)]);
  t.ok(existsSync(`${path}-wal`), 'write-ahead log in use');
  const { index: quick } = await openIndex(t, { busyTimeoutMs: 1234 });
  t.equal(quick.settings().busyTimeoutMs, 1234);
});

t.test('shares the file with the message store, each with its own migrations', async (t) => {
  const dir = t.testdir({});
  const store = await SqliteMessageStore.open(join(dir, 'meshd.sqlite'));
  t.teardown(() => store.close());
  const index = await openDemographicIndex(null, dir);
  t.teardown(() => index.close());
  await index.upsertPeople([makePerson(1)]);
  t.equal(await index.countPeople(), 1);
  await store.ping();

  const db = new Database(join(dir, 'meshd.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  const versions = db.prepare('SELECT version, name FROM pds_schema_migrations ORDER BY version').all();
  t.same(versions, pdsMigrations.map((m) => ({ version: m.version, name: m.name })), 'the index records its own versions');
  const storeVersions = db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
  t.ok(storeVersions.n > 0, "the message store's versions are untouched");
});

t.test('reopening migrates nothing and keeps the people', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'elsewhere.sqlite');
  const first = await openDemographicIndex(`sqlite:${path}`, '/nonexistent');
  await first.upsertPeople([makePerson(1), makePerson(2)]);
  await first.close();
  const again = await openDemographicIndex(`sqlite:${path}`, '/nonexistent');
  t.teardown(() => again.close());
  t.equal(await again.countPeople(), 2);
  const db = new Database(path, { readonly: true });
  t.teardown(() => db.close());
  t.equal((db.prepare('SELECT count(*) AS n FROM pds_schema_migrations').get() as { n: number }).n, pdsMigrations.length);
});

t.test('a database from newer code is refused', async (t) => {
  const { index, path } = await openIndex(t);
  await index.close();
  const db = new Database(path);
  db.prepare('INSERT INTO pds_schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
  db.close();
  await t.rejects(SqliteDemographicIndex.open(path), /schema version 999 is newer/);
});

t.test('a closed index fails its readiness probe', async (t) => {
  const { index } = await openIndex(t);
  await index.ping();
  await index.close();
  await t.rejects(index.ping());
});
