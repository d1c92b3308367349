import type { MessageRecord } from '../message/model.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a MESH REPORT says and about which message. */
export interface ReportFields {
  messageId: string;
  recipient: string;
  workflowId: string;
  code: string;
  event: string;
  description: string;
  subject: string | null;
  localId: string | null;
  fileName: string | null;
  linkedMessageId: string | null;
}

/**
 * A REPORT message: empty body (no chunks), no sender (the "central system mailbox"), status
 * fields carrying the error, ready for the recipient's inbox. The one place reports are shaped.
 */
export function reportRecord(fields: ReportFields, now: number, inboxExpiryDays: number): MessageRecord {
  return {
    messageId: fields.messageId,
    messageType: 'REPORT',
    sender: '',
    recipient: fields.recipient,
    workflowId: fields.workflowId,
    status: 'accepted',
    totalChunks: 0,
    subject: fields.subject,
    localId: fields.localId,
    partnerId: null,
    fileName: fields.fileName,
    contentType: null,
    mexContentType: null,
    contentEncoding: null,
    checksum: null,
    encrypted: false,
    compressed: false,
    fileSize: 0,
    linkedMessageId: fields.linkedMessageId,
    statusCode: fields.code,
    statusEvent: fields.event,
    statusDescription: fields.description,
    statusSuccess: false,
    createdAt: now,
    updatedAt: now,
    acceptedAt: now,
    acknowledgedAt: null,
    expiresAt: now + inboxExpiryDays * DAY_MS,
  };
}
