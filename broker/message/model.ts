/** The message model shared by every layer: MESH's words where MESH has them. */

/** Lifecycle states; `uploading → accepted → acknowledged` plus the side exits. */
export type MessageStatus =
  | 'uploading'
  | 'accepted'
  /** Committed and waiting for (or being processed by) an adapter; tracking shows `accepted`. */
  | 'routed'
  /** An adapter has handled it and emitted its outputs; tracking shows `accepted`. */
  | 'processed'
  | 'acknowledged'
  | 'undeliverable'
  | 'error'
  | 'expired'
  | 'purged';

export type MessageType = 'DATA' | 'REPORT';

/** A message's metadata: what the sender's headers said plus what the exchange knows. */
export interface MessageRecord {
  messageId: string;
  messageType: MessageType;
  /** Sending mailbox; '' for system-generated reports. */
  sender: string;
  recipient: string;
  workflowId: string;
  status: MessageStatus;
  /** Chunks the sender announced (1 for an unchunked message, 0 for an empty REPORT). */
  totalChunks: number;
  subject: string | null;
  localId: string | null;
  partnerId: string | null;
  fileName: string | null;
  /** HTTP Content-Type of chunk 1 as sent. */
  contentType: string | null;
  /** mex-Content-Type: the type of the whole message, surviving chunking. */
  mexContentType: string | null;
  /** Transport encoding the stored bytes are in ('gzip' or null for identity). */
  contentEncoding: string | null;
  checksum: string | null;
  encrypted: boolean;
  compressed: boolean;
  /** Stored bytes over all chunks (updated as chunks arrive). */
  fileSize: number;
  linkedMessageId: string | null;
  /** Status fields of the latest event, echoed in mex-Status* headers and tracking. */
  statusCode: string | null;
  statusEvent: string | null;
  statusDescription: string | null;
  statusSuccess: boolean | null;
  createdAt: number;
  updatedAt: number;
  acceptedAt: number | null;
  acknowledgedAt: number | null;
  /** When an accepted message stops being collectable (inbox expiry). */
  expiresAt: number | null;
}

/** Where one chunk's bytes live: inline in the metadata store (small) or under an object key. */
export interface ChunkRecord {
  messageId: string;
  /** 1-based chunk number. */
  chunkNo: number;
  size: number;
  sha256: string;
  /** Object-store key, or null when the bytes are inline. */
  objectKey: string | null;
  /** The stored bytes themselves, for small chunks (kept with the metadata, one fsync). */
  inline: Buffer | null;
  createdAt: number;
}

/** One row of a message's event history; tracking reads these. */
export interface MessageEvent {
  messageId: string;
  status: MessageStatus;
  event: string;
  code: string | null;
  description: string | null;
  linkedMessageId: string | null;
  at: number;
}

/** The event written with a state transition. */
export type EventInput = Omit<MessageEvent, 'messageId' | 'at'> & { at?: number };
