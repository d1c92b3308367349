import pg from 'pg';
import type { PoolConfig } from 'pg';
import { ident, typeParsers } from './queries.js';

export interface SchemaPoolOptions {
  /** Every pooled connection starts with this schema as its search_path; created if missing. */
  schema?: string;
  poolMax: number;
  /** A bounded connect wait: with the server unreachable, calls fail in seconds, not after the OS's TCP timeout. */
  connectTimeoutMs?: number;
  /** More server settings for every connection, e.g. `jit=off`. */
  settings?: readonly string[];
}

const UNIQUE_VIOLATION = '23505';
const DUPLICATE_SCHEMA = '42P06';

/** A pg Pool on `url` in its own schema, as the message store and the demographic index both use. */
export async function openSchemaPool(url: string, opts: SchemaPoolOptions): Promise<pg.Pool> {
  const config: PoolConfig = { connectionString: url, max: opts.poolMax, types: typeParsers, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000 };
  const settings = (opts.settings ?? []).map((s) => `-c ${s}`);
  if (opts.schema !== undefined) settings.push(`-c search_path=${ident(opts.schema).replaceAll(' ', '\\ ')}`);
  if (settings.length > 0) config.options = settings.join(' ');
  const pool = new pg.Pool(config);
  // An idle client's connection dropping is reported here; the pool replaces it on next use.
  pool.on('error', () => undefined);
  if (opts.schema === undefined) return pool;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}`);
  } catch (err) {
    // Two processes creating the schema at once: the loser sees the winner's schema as a conflict.
    const code = (err as { code?: string }).code;
    if (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA) {
      await pool.end();
      throw err;
    }
  }
  return pool;
}
