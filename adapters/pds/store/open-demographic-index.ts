import { join } from 'node:path';
import type { DemographicIndex } from '../demographic-index.js';
import { PostgresDemographicIndex } from './postgres-demographic-index.js';
import { SqliteDemographicIndex } from './sqlite-demographic-index.js';

/** Settings for either store; each takes the ones that apply to it. */
export interface OpenDemographicIndexOptions {
  /** SQLite: how long a write waits for meshd's writer (default 30 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: most pooled connections (default 4). */
  poolMax?: number;
  /** PostgreSQL: longest wait for a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Clock for updated_at (default Date.now). */
  now?: () => number;
}

/**
 * People per import transaction that suits the store `metadata` names (bench/pds/import-bench.ts,
 * 1 M people, 2 cores). SQLite: NHS numbers, birthdays and name keys arrive in random order, so a
 * batch dirties about one index page per person and entry, written to the WAL and then the file;
 * fewer, larger transactions write far less. 5000 a batch imported 1 M people in a median 44.5 s
 * against 54.5 s at 2000, holding the write lock about 160 ms a batch instead of 100 ms.
 * PostgreSQL: 2000 was faster than 5000 (the next batch is parsed while one is written).
 */
export function importBatchSizeFor(metadata: string | null): number {
  return metadata === null || metadata.startsWith('sqlite:') ? 5000 : 2000;
}

/**
 * Opens (and migrates) the demographic index in the metadata store meshd uses, named the way
 * broker/store/open-store.ts takes it: `sqlite:PATH`, a postgres:// URL (an optional `schema`
 * query parameter picks the schema and is not passed to the server), or, when null, SQLite
 * `meshd.sqlite` in the data directory. The index has its own connection (pool) beside the
 * message store's.
 */
export async function openDemographicIndex(
  metadata: string | null,
  dataDir: string,
  opts: OpenDemographicIndexOptions = {},
): Promise<DemographicIndex> {
  const sqlite = { busyTimeoutMs: opts.busyTimeoutMs, now: opts.now };
  if (metadata === null) return SqliteDemographicIndex.open(join(dataDir, 'meshd.sqlite'), sqlite);
  if (metadata.startsWith('sqlite:')) return SqliteDemographicIndex.open(metadata.slice('sqlite:'.length), sqlite);
  const url = new URL(metadata);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return PostgresDemographicIndex.open(url.toString(), {
    schema: schema || undefined,
    poolMax: opts.poolMax,
    connectTimeoutMs: opts.connectTimeoutMs,
    now: opts.now,
  });
}
