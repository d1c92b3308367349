/** Row shapes, row <-> record mapping, and the SQL that writes rows, for the SQLite message store. */

import type { WorkflowFilter } from '../message-store.js';
import { MESSAGE_COLUMNS, type ChunkRow, type EventRow, type MessageRowOf } from '../row-shapes.js';
import type { ChunkRecord, MessageEvent, MessageRecord, MessageStatus, MessageType } from '../../message/model.js';

/** A messages row as better-sqlite3 returns it: booleans are 0/1. */
export type MessageRow = MessageRowOf<number>;
export type { ChunkRow, EventRow } from '../row-shapes.js';
export { MESSAGE_COLUMNS } from '../row-shapes.js';

function bit(value: boolean): number {
  return value ? 1 : 0;
}

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
    encrypted: bit(m.encrypted),
    compressed: bit(m.compressed),
    file_size: m.fileSize,
    linked_message_id: m.linkedMessageId,
    status_code: m.statusCode,
    status_event: m.statusEvent,
    status_description: m.statusDescription,
    status_success: m.statusSuccess === null ? null : bit(m.statusSuccess),
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
    encrypted: r.encrypted !== 0,
    compressed: r.compressed !== 0,
    fileSize: r.file_size,
    linkedMessageId: r.linked_message_id,
    statusCode: r.status_code,
    statusEvent: r.status_event,
    statusDescription: r.status_description,
    statusSuccess: r.status_success === null ? null : r.status_success !== 0,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    acceptedAt: r.accepted_at,
    acknowledgedAt: r.acknowledged_at,
    expiresAt: r.expires_at,
  };
}

/** Record to row. */
export function chunkToRow(c: ChunkRecord): ChunkRow {
  return {
    message_id: c.messageId,
    chunk_no: c.chunkNo,
    size: c.size,
    sha256: c.sha256,
    object_key: c.objectKey,
    inline: c.inline,
    created_at: c.createdAt,
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

/** SQL shared by the store's write ops; named parameters are the row's column names. */
export const INSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')})
  VALUES (${MESSAGE_COLUMNS.map((c) => '@' + c).join(', ')})`;
export const UPSERT_CHUNK = `INSERT INTO chunks (message_id, chunk_no, size, sha256, object_key, inline, created_at)
  VALUES (@message_id, @chunk_no, @size, @sha256, @object_key, @inline, @created_at)
  ON CONFLICT (message_id, chunk_no) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
    object_key = excluded.object_key, inline = excluded.inline, created_at = excluded.created_at`;
export const INSERT_EVENT = `INSERT INTO events (message_id, status, event, code, description, linked_message_id, at)
  VALUES (@message_id, @status, @event, @code, @description, @linked_message_id, @at)`;
export const UPDATE_STATE = `UPDATE messages SET status = @status, updated_at = @updated_at, file_size = @file_size,
  accepted_at = @accepted_at, acknowledged_at = @acknowledged_at, inbox_seq = @inbox_seq,
  status_code = @status_code, status_event = @status_event, status_description = @status_description,
  status_success = @status_success
  WHERE message_id = @message_id`;

/** Workflow filter as SQL. Case-sensitive on purpose: LIKE folds ASCII case and gives % and _ meaning. */
export function filterSql(filter: WorkflowFilter | null | undefined): { sql: string; params: string[] } {
  if (!filter) return { sql: '', params: [] };
  let test: string;
  let params: string[];
  switch (filter.kind) {
    case 'equals':
      test = 'workflow_id = ?';
      params = [filter.value];
      break;
    case 'prefix':
      test = 'substr(workflow_id, 1, length(?)) = ?';
      params = [filter.value, filter.value];
      break;
    case 'contains':
      test = 'instr(workflow_id, ?) > 0';
      params = [filter.value];
      break;
    default: {
      const unknownKind: never = filter.kind;
      throw new Error(`unknown workflow filter kind ${String(unknownKind)}`);
    }
  }
  return { sql: filter.negate ? ` AND NOT (${test})` : ` AND ${test}`, params };
}
