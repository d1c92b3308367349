import pg from 'pg';
import t from 'tap';
import type { Test } from 'tap';
import { openDemographicIndex } from '../../../adapters/pds/store/open-demographic-index.js';
import { pdsMigrations } from '../../../adapters/pds/store/pds-migrations.js';
import { PostgresDemographicIndex } from '../../../adapters/pds/store/postgres-demographic-index.js';
import { PostgresMessageStore } from '../../../broker/store/postgres/postgres-message-store.js';
import { freshSchema, metadataUrl, PG_URL } from '../../helpers/postgres.js';
import { makePerson, registerDemographicIndexTests } from './demographic-index-contract.js';

/** An index in a schema of the test's own, closed before the schema is dropped. */
async function openIndex(t: Test, label = 'pds_idx'): Promise<{ index: PostgresDemographicIndex; schema: string }> {
  const schema = freshSchema(t, label);
  const index = await PostgresDemographicIndex.open(PG_URL, { schema });
  t.teardown(() => index.close());
  return { index, schema };
}

/** Runs `sql` in `schema` on a connection of its own. */
async function inSchema<R extends pg.QueryResultRow>(schema: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

t.test('contract', async (t) => {
  registerDemographicIndexTests((name, fn) => {
    t.test(name, async (t) => fn(t, (await openIndex(t)).index));
  });
});

t.test('a ?schema= URL creates the schema and keeps the tables in it, beside the message store', async (t) => {
  const schema = freshSchema(t, 'pds_open');
  const store = await PostgresMessageStore.open(PG_URL, { schema });
  t.teardown(() => store.close());
  const index = await openDemographicIndex(metadataUrl(schema), '/nonexistent');
  t.teardown(() => index.close());
  await index.upsertPeople([makePerson(1)]);
  t.equal(await index.countPeople(), 1);
  const tables = await inSchema<{ table_name: string }>(schema,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'pds%' ORDER BY table_name`);
  t.same(tables.map((r) => r.table_name), ['pds_name_keys', 'pds_people', 'pds_registrations', 'pds_schema_migrations']);
  const versions = await inSchema<{ version: number }>(schema, 'SELECT version FROM pds_schema_migrations ORDER BY version');
  t.same(versions.map((r) => r.version), pdsMigrations.map((m) => m.version), 'its own version table');
  const storeVersions = await inSchema<{ n: string }>(schema, 'SELECT count(*) AS n FROM schema_migrations');
  t.ok(Number(storeVersions[0]!.n) > 0, "the message store's versions are its own");
});

t.test('two indexes opening one new schema at once migrate it once', async (t) => {
  const schema = freshSchema(t, 'pds_race');
  const [a, b] = await Promise.all([PostgresDemographicIndex.open(PG_URL, { schema }), PostgresDemographicIndex.open(PG_URL, { schema })]);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.upsertPeople([makePerson(1)]);
  t.equal(await b.countPeople(), 1);
  const versions = await inSchema<{ n: string }>(schema, 'SELECT count(*) AS n FROM pds_schema_migrations');
  t.equal(Number(versions[0]!.n), pdsMigrations.length);
});

t.test('an unreachable server fails open with an error, promptly', async (t) => {
  await t.rejects(PostgresDemographicIndex.open('postgres://postgres@127.0.0.1:1/test', { connectTimeoutMs: 2_000 }));
});

t.test('a closed index fails its readiness probe', async (t) => {
  const { index } = await openIndex(t);
  await index.ping();
  await index.close();
  await t.rejects(index.ping());
});
