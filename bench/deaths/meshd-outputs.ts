/**
 * Reads what meshd produced from one source message straight from its SQLite store (read-only):
 * every message whose linked_message_id is the source, with its payload from the chunks table
 * (inline) or the filesystem object store. Bench code only: the product never reads this way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';

/** One output message of the adapter, payload decoded. */
export interface OutputMessage {
  messageId: string;
  messageType: string;
  recipient: string;
  workflowId: string;
  localId: string | null;
  status: string;
  payload: Buffer;
}

/** The source message's state as the store has it, and why it is parked if it is. */
export interface SourceState {
  status: string | null;
  statusDescription: string | null;
  parkedReason: string | null;
  outputs: number;
}

/** Most bytes read for one output payload: notifications and manual cases are a few KB. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/** A read-only view of meshd's embedded metadata store. */
export class MeshdStoreReader {
  private readonly db: Database.Database;

  /** Opens `<dataDir>/meshd.sqlite` read-only (meshd keeps running and writing beside it). */
  constructor(private readonly dataDir: string) {
    this.db = new Database(join(dataDir, 'meshd.sqlite'), { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }

  /** Status of the source message, whether it is parked, and how many outputs exist so far. */
  sourceState(messageId: string): SourceState {
    const row = this.db.prepare('SELECT status, status_description FROM messages WHERE message_id = ?').get(messageId) as { status: string; status_description: string | null } | undefined;
    const parked = this.db.prepare('SELECT reason FROM parked WHERE message_id = ?').get(messageId) as { reason: string } | undefined;
    const outputs = (this.db.prepare('SELECT count(*) AS n FROM messages WHERE linked_message_id = ?').get(messageId) as { n: number }).n;
    return { status: row?.status ?? null, statusDescription: row?.status_description ?? null, parkedReason: parked?.reason ?? null, outputs };
  }

  /** Every message linked to `sourceId`, in creation order, one at a time. */
  *outputsOf(sourceId: string): Generator<OutputMessage, void, undefined> {
    const chunks = this.db.prepare('SELECT inline, object_key, size FROM chunks WHERE message_id = ? ORDER BY chunk_no');
    const rows = this.db
      .prepare(
        `SELECT message_id, message_type, recipient, workflow_id, local_id, status, content_encoding
         FROM messages WHERE linked_message_id = ? ORDER BY created_at, message_id`,
      )
      .iterate(sourceId) as IterableIterator<{ message_id: string; message_type: string; recipient: string; workflow_id: string; local_id: string | null; status: string; content_encoding: string | null }>;
    for (const row of rows) {
      const parts: Buffer[] = [];
      let total = 0;
      for (const c of chunks.all(row.message_id) as Array<{ inline: Buffer | null; object_key: string | null; size: number }>) {
        total += c.size;
        if (total > MAX_OUTPUT_BYTES) throw new Error(`output ${row.message_id} is over ${MAX_OUTPUT_BYTES} bytes`);
        parts.push(c.inline ?? this.readObject(c.object_key));
      }
      const raw = Buffer.concat(parts);
      yield {
        messageId: row.message_id,
        messageType: row.message_type,
        recipient: row.recipient,
        workflowId: row.workflow_id,
        localId: row.local_id,
        status: row.status,
        payload: row.content_encoding === 'gzip' ? gunzipSync(raw) : raw,
      };
    }
  }

  close(): void {
    this.db.close();
  }

  private readObject(key: string | null): Buffer {
    if (key === null) return Buffer.alloc(0);
    // The filesystem store is opened on <dataDir>/objects and keeps objects in its own objects/ below that.
    return readFileSync(join(this.dataDir, 'objects', 'objects', ...key.split('/')));
  }
}
