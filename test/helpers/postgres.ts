/**
 * The PostgreSQL server integration tests use, and a schema of a test's own on it, so tests
 * running in parallel never see each other's tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';

/** The server under test; MESH_TEST_PG_URL overrides the local default. */
export const PG_URL = process.env.MESH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh schema name (created by the store that first opens it), dropped with everything in it
 * when `t` ends. Register it before starting anything that uses it: teardowns run last-in first-out.
 */
export function freshSchema(t: Test, label: string): string {
  const schema = `${label}_${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  });
  return schema;
}

/** PG_URL with `?schema=` set, as meshd's --metadata takes it. */
export function metadataUrl(schema: string, base = PG_URL): string {
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  return url.toString();
}
