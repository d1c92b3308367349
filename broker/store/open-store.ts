import { join } from 'node:path';
import type { MessageStore } from './message-store.js';
import { PostgresMessageStore } from './postgres/postgres-message-store.js';
import { SqliteMessageStore } from './sqlite/sqlite-message-store.js';

/**
 * Opens (and migrates) the metadata store named by configuration: `sqlite:PATH`, a postgres://
 * URL (an optional `schema` query parameter picks the schema; it is not passed to the server),
 * or, when null, SQLite in the data directory.
 */
export async function openMessageStore(metadata: string | null, dataDir: string): Promise<MessageStore> {
  if (metadata === null) return SqliteMessageStore.open(join(dataDir, 'meshd.sqlite'));
  if (metadata.startsWith('sqlite:')) return SqliteMessageStore.open(metadata.slice('sqlite:'.length));
  const url = new URL(metadata);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return PostgresMessageStore.open(url.toString(), schema ? { schema } : {});
}
