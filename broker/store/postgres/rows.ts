/** Row shapes, row <-> record mapping, and the SQL that writes rows, for the PostgreSQL message store. */

import type { WorkflowFilter } from '../message-store.js';
import { MESSAGE_COLUMNS, type ChunkRow, type EventRow, type MessageRowOf } from '../row-shapes.js';
import type { ChunkRecord, MessageEvent, MessageRecord, MessageStatus, MessageType } from '../../message/model.js';

/**
 * A messages row as node-postgres returns it with the store's type parsers: booleans native,
 * BIGINT timestamps as numbers (epoch milliseconds), BYTEA as Buffer.
 */
export type MessageRow = MessageRowOf<boolean>;
export type { ChunkRow, EventRow } from '../row-shapes.js';
export { MESSAGE_COLUMNS } from '../row-shapes.js';

/** Every column of messages the store reads (not the internal row_seq). */
export const MESSAGE_SELECT = MESSAGE_COLUMNS.join(', ');

/** Record to row; `inboxSeq` is the store's, since the record does not carry inbox order. */
export function messageToRow(m: MessageRecord, inboxSeq: number | null): MessageRow {
  return {
    message_id: m.messageId,
    message_type: m.messageType,
    sender: m.sender,
    recipient: m.recipient,
    workflow_id: m.workflowId,
    status: m.status,
    total_chunks: m.totalChunks,
    subject: m.subject,
    local_id: m.localId,
    partner_id: m.partnerId,
    file_name: m.fileName,
    content_type: m.contentType,
    mex_content_type: m.mexContentType,
    content_encoding: m.contentEncoding,
    checksum: m.checksum,
    encrypted: m.encrypted,
    compressed: m.compressed,
    file_size: m.fileSize,
    linked_message_id: m.linkedMessageId,
    status_code: m.statusCode,
    status_event: m.statusEvent,
    status_description: m.statusDescription,
    status_success: m.statusSuccess,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    accepted_at: m.acceptedAt,
    acknowledged_at: m.acknowledgedAt,
    expires_at: m.expiresAt,
    inbox_seq: inboxSeq,
  };
}

/** Row to record. */
export function rowToMessage(r: MessageRow): MessageRecord {
  return {
    messageId: r.message_id,
    messageType: r.message_type as MessageType,
    sender: r.sender,
    recipient: r.recipient,
    workflowId: r.workflow_id,
    status: r.status as MessageStatus,
    totalChunks: r.total_chunks,
    subject: r.subject,
    localId: r.local_id,
    partnerId: r.partner_id,
    fileName: r.file_name,
    contentType: r.content_type,
    mexContentType: r.mex_content_type,
    contentEncoding: r.content_encoding,
    checksum: r.checksum,
    encrypted: r.encrypted,
    compressed: r.compressed,
    fileSize: r.file_size,
    linkedMessageId: r.linked_message_id,
    statusCode: r.status_code,
    statusEvent: r.status_event,
    statusDescription: r.status_description,
    statusSuccess: r.status_success,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    acceptedAt: r.accepted_at,
    acknowledgedAt: r.acknowledged_at,
    expiresAt: r.expires_at,
  };
}

/** Row to record. */
export function rowToChunk(r: ChunkRow): ChunkRecord {
  return {
    messageId: r.message_id,
    chunkNo: r.chunk_no,
    size: r.size,
    sha256: r.sha256,
    objectKey: r.object_key,
    inline: r.inline,
    createdAt: r.created_at,
  };
}

/** Row to record. */
export function rowToEvent(r: EventRow): MessageEvent {
  return {
    messageId: r.message_id,
    status: r.status as MessageStatus,
    event: r.event,
    code: r.code,
    description: r.description,
    linkedMessageId: r.linked_message_id,
    at: r.at,
  };
}

/** SQL shared by the store's write ops, with the parameter lists that go with it. */
export const INSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')})
  VALUES (${MESSAGE_COLUMNS.map((_, i) => '$' + (i + 1)).join(', ')})`;

export function messageParams(row: MessageRow): unknown[] {
  return MESSAGE_COLUMNS.map((c) => row[c]);
}

export const UPSERT_CHUNK = `INSERT INTO chunks (message_id, chunk_no, size, sha256, object_key, inline, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (message_id, chunk_no) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
    object_key = excluded.object_key, inline = excluded.inline, created_at = excluded.created_at`;

export function chunkParams(c: ChunkRecord): unknown[] {
  return [c.messageId, c.chunkNo, c.size, c.sha256, c.objectKey, c.inline, c.createdAt];
}

export const INSERT_EVENT = `INSERT INTO events (message_id, status, event, code, description, linked_message_id, at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

export const UPDATE_STATE = `UPDATE messages SET status = $2, updated_at = $3, file_size = $4,
  accepted_at = $5, acknowledged_at = $6, inbox_seq = $7,
  status_code = $8, status_event = $9, status_description = $10, status_success = $11
  WHERE message_id = $1`;

export function stateParams(r: MessageRow): unknown[] {
  return [
    r.message_id, r.status, r.updated_at, r.file_size, r.accepted_at, r.acknowledged_at, r.inbox_seq,
    r.status_code, r.status_event, r.status_description, r.status_success,
  ];
}

/**
 * Workflow filter as SQL, its parameters numbered from `$first`. Case-sensitive on purpose:
 * LIKE gives % and _ meaning (and ILIKE folds case), so plain comparisons are used instead.
 */
export function filterSql(filter: WorkflowFilter | null | undefined, first: number): { sql: string; params: string[] } {
  if (!filter) return { sql: '', params: [] };
  const p = `$${first}`;
  let test: string;
  switch (filter.kind) {
    case 'equals':
      test = `workflow_id = ${p}`;
      break;
    case 'prefix':
      test = `left(workflow_id, length(${p}::text)) = ${p}::text`;
      break;
    case 'contains':
      test = `strpos(workflow_id, ${p}::text) > 0`;
      break;
    default: {
      const unknownKind: never = filter.kind;
      throw new Error(`unknown workflow filter kind ${String(unknownKind)}`);
    }
  }
  return { sql: filter.negate ? ` AND NOT (${test})` : ` AND ${test}`, params: [filter.value] };
}
