/**
 * The metadata tables' row shapes, shared by the SQLite and PostgreSQL stores: the same columns,
 * differing only in how a driver returns booleans (`B`: 0/1 for SQLite, native for PostgreSQL).
 */

/** A messages row; timestamps are epoch milliseconds. */
export interface MessageRowOf<B> {
  message_id: string;
  message_type: string;
  sender: string;
  recipient: string;
  workflow_id: string;
  status: string;
  total_chunks: number;
  subject: string | null;
  local_id: string | null;
  partner_id: string | null;
  file_name: string | null;
  content_type: string | null;
  mex_content_type: string | null;
  content_encoding: string | null;
  checksum: string | null;
  encrypted: B;
  compressed: B;
  file_size: number;
  linked_message_id: string | null;
  status_code: string | null;
  status_event: string | null;
  status_description: string | null;
  status_success: B | null;
  created_at: number;
  updated_at: number;
  accepted_at: number | null;
  acknowledged_at: number | null;
  expires_at: number | null;
  inbox_seq: number | null;
}

export interface ChunkRow {
  message_id: string;
  chunk_no: number;
  size: number;
  sha256: string;
  object_key: string | null;
  inline: Buffer | null;
  created_at: number;
}

export interface EventRow {
  message_id: string;
  status: string;
  event: string;
  code: string | null;
  description: string | null;
  linked_message_id: string | null;
  at: number;
}

/** Columns of messages, in insert order (SQLite's named and PostgreSQL's $n parameters follow it). */
export const MESSAGE_COLUMNS: readonly (keyof MessageRowOf<unknown>)[] = [
  'message_id', 'message_type', 'sender', 'recipient', 'workflow_id', 'status', 'total_chunks',
  'subject', 'local_id', 'partner_id', 'file_name', 'content_type', 'mex_content_type',
  'content_encoding', 'checksum', 'encrypted', 'compressed', 'file_size', 'linked_message_id',
  'status_code', 'status_event', 'status_description', 'status_success', 'created_at',
  'updated_at', 'accepted_at', 'acknowledged_at', 'expires_at', 'inbox_seq',
];
