import type { Directory } from '../../broker/directory/directory.js';
import type { ChunkRecord, MessageRecord } from '../../broker/message/model.js';
import type { ApiVersion } from '../errors/mesh-errors.js';
import { meshTimestamp } from './time-format.js';

/**
 * The response headers of a download (GET/HEAD inbox/{id}[/{n}]), named as mesh-sandbox names them.
 * Empty values are left out, as the sandbox does.
 */
export function downloadHeaders(message: MessageRecord, chunk: ChunkRecord | null, chunkNo: number, version: ApiVersion, directory: Directory): Record<string, string> {
  const isReport = message.messageType === 'REPORT';
  const total = message.totalChunks;
  const statusAt = message.updatedAt;
  const h: Record<string, string | null | undefined> = {
    'mex-From': message.sender,
    'mex-To': message.recipient,
    'mex-WorkflowID': message.workflowId,
    'mex-MessageID': message.messageId,
    'mex-MessageType': message.messageType,
    'mex-Chunk-Range': `${chunkNo}:${total}`,
    'mex-Total-Chunks': String(total),
    'mex-AddressType': 'ALL',
    'mex-Version': '1.0',
    'mex-LocalID': message.localId,
    'mex-PartnerID': message.partnerId,
    'mex-Subject': message.subject,
    'mex-FileName': message.fileName ?? (isReport ? null : `${message.messageId}.dat`),
    'mex-Content-Encrypted': message.encrypted ? 'Y' : null,
    'mex-Content-Compressed': message.compressed ? 'Y' : null,
    'mex-Content-Checksum': message.checksum,
    'mex-Content-Type': message.mexContentType,
    'mex-LinkedMsgID': message.linkedMessageId,
    'mex-StatusCode': message.statusCode,
    'mex-StatusEvent': message.statusEvent,
    'mex-StatusDescription': message.statusDescription,
    'mex-StatusSuccess': message.statusSuccess === null ? null : message.statusSuccess ? 'SUCCESS' : 'ERROR',
    'mex-StatusTimestamp': message.statusCode ? meshTimestamp(statusAt) : null,
    'Last-Modified': new Date(chunk?.createdAt ?? message.createdAt).toUTCString(),
    ETag: chunk ? `"${chunk.sha256}"` : null,
  };
  const fromMailbox = directory.getMailbox(message.sender);
  if (!fromMailbox && message.sender === '') h['mex-From'] = null;
  // The stored type only makes sense for a whole message; chunks of a larger one are just bytes.
  h['Content-Type'] = version === 2 && total <= 1 && message.contentType ? message.contentType : 'application/octet-stream';
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== null && v !== undefined && v !== '') out[k] = v;
  return out;
}
