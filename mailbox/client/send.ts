/**
 * Uploads: chunk 1 to `/outbox` with the MESH headers, chunks 2..N to
 * `/outbox/{id}/{n}` with only the range (and encoding), exactly as the Python
 * client puts them on the wire.
 */
import type { Readable } from 'node:stream';
import { MeshError, MeshUploadError } from './errors.js';
import type { MeshHttp } from './http.js';
import { chunkCount, chunkRange, gzipChunk, openPayload, prepareChunkBody } from './payload.js';
import type { ChunkBody, SendChunkOptions, SendMessageOptions } from './types.js';

const OCTET_STREAM = 'application/octet-stream';

function yn(value: boolean): string {
  return value ? 'Y' : 'N';
}

/** The headers of chunk 1 (the POST to `/outbox`) for a message of `totalChunks` chunks. */
export function firstChunkHeaders(
  options: Omit<SendMessageOptions, 'body'>,
  totalChunks: number,
): Record<string, string> {
  const contentType = totalChunks === 1 && options.contentType ? options.contentType : OCTET_STREAM;
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'mex-Chunk-Range': `1:${totalChunks}`,
    'mex-To': options.to,
    'mex-WorkflowID': options.workflowId,
  };
  if (options.subject !== undefined) headers['mex-Subject'] = options.subject;
  if (options.localId !== undefined) headers['mex-LocalID'] = options.localId;
  if (options.partnerId !== undefined) headers['mex-PartnerID'] = options.partnerId;
  if (options.fileName !== undefined) headers['mex-FileName'] = options.fileName;
  if (options.checksum !== undefined) headers['mex-Content-Checksum'] = options.checksum;
  if (options.encrypted !== undefined) headers['mex-Content-Encrypted'] = yn(options.encrypted);
  if (options.compressed !== undefined) headers['mex-Content-Compressed'] = yn(options.compressed);
  if (options.mexContentType !== undefined) {
    headers['mex-Content-Type'] = options.mexContentType;
  } else if (options.contentType !== undefined && options.contentType !== contentType) {
    // The Python client drops mex-Content-Type when Content-Type already says the same thing.
    headers['mex-Content-Type'] = options.contentType;
  }
  if (options.compress === true) headers['Content-Encoding'] = 'gzip';
  return headers;
}

/** The headers of chunk n >= 2: nothing but type, range and (if compressing) encoding. */
export function laterChunkHeaders(n: number, totalChunks: number, compress: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': OCTET_STREAM,
    'mex-Chunk-Range': `${n}:${totalChunks}`,
  };
  if (compress) headers['Content-Encoding'] = 'gzip';
  return headers;
}

/** Encodes the chunk for the wire: as-is with a known length, or gzipped as a stream. */
function wireBody(chunk: Buffer | Readable, compress: boolean): Buffer | Readable {
  return compress ? gzipChunk(chunk) : chunk;
}

function contentLength(length: number | undefined, compress: boolean): Record<string, string> {
  // Gzip output size is unknown up front, so compressed chunks go out with chunked transfer encoding.
  return !compress && length !== undefined ? { 'Content-Length': String(length) } : {};
}

/** Reads the message ID from a v2 `{message_id}` or v1 `{messageID}` send response. */
export function messageIdFromSendResponse(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const id = record['message_id'] ?? record['messageID'];
    if (typeof id === 'string' && id !== '') return id;
  }
  throw new MeshError(`send response has no message_id/messageID: ${JSON.stringify(body)}`);
}

/** Sends a whole message, chunked and optionally gzipped per chunk; resolves with its message ID. */
export async function sendMessage(
  http: MeshHttp,
  mailboxPath: string,
  defaultChunkSize: number,
  options: SendMessageOptions,
): Promise<string> {
  const chunkSize = options.chunkSize ?? defaultChunkSize;
  const compress = options.compress === true;
  const payload = await openPayload(options.body);
  const total = chunkCount(payload.size, chunkSize);

  const first = chunkRange(1, payload.size, chunkSize);
  const firstBody = payload.slice(first.start, first.end);
  const response = await http.requestJson({
    method: 'POST',
    path: `${mailboxPath}/outbox`,
    headers: { ...firstChunkHeaders(options, total), ...contentLength(first.end - first.start, compress) },
    body: wireBody(firstBody, compress),
  });
  const messageId = messageIdFromSendResponse(response);

  for (let n = 2; n <= total; n += 1) {
    const range = chunkRange(n, payload.size, chunkSize);
    try {
      const chunk = payload.slice(range.start, range.end);
      await postChunk(http, mailboxPath, messageId, n, total, chunk, range.end - range.start, compress);
    } catch (err) {
      throw new MeshUploadError(messageId, n, total, err);
    }
  }
  return messageId;
}

async function postChunk(
  http: MeshHttp,
  mailboxPath: string,
  messageId: string,
  n: number,
  total: number,
  chunk: Buffer | Readable,
  length: number | undefined,
  compress: boolean,
): Promise<void> {
  await http.requestJson({
    method: 'POST',
    path: `${mailboxPath}/outbox/${encodeURIComponent(messageId)}/${n}`,
    headers: { ...laterChunkHeaders(n, total, compress), ...contentLength(length, compress) },
    body: wireBody(chunk, compress),
  });
}

/** Uploads chunk n (normally 2..total) of an existing message, e.g. to resume after a MeshUploadError. */
export async function sendChunk(
  http: MeshHttp,
  mailboxPath: string,
  messageId: string,
  n: number,
  total: number,
  body: ChunkBody,
  options: SendChunkOptions = {},
): Promise<void> {
  // Only shape is checked: out-of-range numbers are sent as given so servers' 406/417 paths can be tested.
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(total) || total < 1) {
    throw new RangeError(`chunk number and total must be positive integers, got ${n}:${total}`);
  }
  const prepared = await prepareChunkBody(body);
  await postChunk(http, mailboxPath, messageId, n, total, prepared.body, prepared.length, options.compress === true);
}
