import type { IncomingHttpHeaders } from 'node:http';
import type { NewMessage } from '../../broker/messages/message-service.js';
import { meshErrors } from '../errors/mesh-errors.js';

/** Maximum lengths of the send headers, from the MESH API v2 specification. */
export const SEND_HEADER_LIMITS: Readonly<Record<string, number>> = {
  'mex-to': 100,
  'mex-from': 100,
  'mex-workflowid': 300,
  'mex-chunk-range': 20,
  'mex-subject': 500,
  'mex-localid': 300,
  'mex-partnerid': 500,
  'mex-filename': 300,
  'mex-content-checksum': 100,
  'mex-content-type': 100,
  'mex-content-encrypted': 20,
  'mex-content-compressed': 20,
  'content-type': 255,
  'content-encoding': 50,
};

const CONTROL = /[\x00-\x1f\x7f]/;
const URL_LIKE = /https?:\/\//i;
const CHECKSUM_CHARS = /^[A-Za-z0-9\s:\-/]*$/;
const CHUNK_RANGE = /^(\d{1,10}):(\d{1,10})$/;
const YES = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const NO = new Set(['n', 'no', 'f', 'false', 'off', '0']);

/** A header's single value (Node joins repeats with ', '; MESH headers are never lists). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Lengths and characters of every mex-* header, checked before anything else (06 / 400). */
export function checkHeaderShapes(headers: IncomingHttpHeaders): void {
  const malformed: string[] = [];
  for (const [name, max] of Object.entries(SEND_HEADER_LIMITS)) {
    const value = header(headers, name);
    if (value === undefined) continue;
    if (value.length > max) throw meshErrors.headerTooLong(name, max);
    if (name.startsWith('mex-') && CONTROL.test(value)) malformed.push(name);
  }
  for (const name of ['mex-to', 'mex-workflowid', 'mex-content-checksum']) {
    const value = header(headers, name);
    if (value !== undefined && URL_LIKE.test(value)) malformed.push(name);
  }
  if (malformed.length > 0) throw meshErrors.malformedControlFile([...new Set(malformed)]);
}

/** A `n:N` chunk range, or a 417 InvalidHeaderChunks. */
export function parseChunkRange(value: string | undefined, maxChunks: number, messageId: string | null = null): { chunkNo: number; totalChunks: number } | null {
  if (value === undefined || value.trim() === '') return null;
  const m = CHUNK_RANGE.exec(value.trim());
  const chunkNo = m ? Number(m[1]) : NaN;
  const totalChunks = m ? Number(m[2]) : NaN;
  if (!m || chunkNo < 1 || totalChunks < 1 || chunkNo > totalChunks || totalChunks > maxChunks) {
    throw meshErrors.invalidChunkHeader(`invalid mex-Chunk-Range: ${value}`, messageId);
  }
  return { chunkNo, totalChunks };
}

/** `gzip`, or null for identity; anything else is 422 UnsupportedContentEncoding. */
export function parseContentEncoding(value: string | undefined): string | null {
  const v = value?.trim().toLowerCase();
  if (!v || v === 'identity') return null;
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  throw meshErrors.unsupportedEncoding(value ?? '');
}

function parseFlag(headers: IncomingHttpHeaders, name: string): boolean {
  const v = header(headers, name)?.trim().toLowerCase();
  if (v === undefined || v === '') return false;
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  throw meshErrors.validation(['header', name], 'expected Y or N');
}

function optional(headers: IncomingHttpHeaders, name: string): string | null {
  const v = header(headers, name);
  return v === undefined || v === '' ? null : v;
}

/** Validates the headers of POST /outbox into what the broker needs; throws the MESH error. */
export function parseSendHeaders(headers: IncomingHttpHeaders, authenticatedMailbox: string, maxChunks: number): NewMessage {
  checkHeaderShapes(headers);
  const to = header(headers, 'mex-to');
  if (to === undefined) throw meshErrors.missingHeader('mex-to');
  if (to.trim() === '') throw meshErrors.toMissing();
  const workflowId = header(headers, 'mex-workflowid');
  if (workflowId === undefined) throw meshErrors.missingHeader('mex-workflowid');
  if (workflowId.trim() === '') throw meshErrors.validation(['header', 'mex-workflowid'], 'mex-WorkflowID must not be blank');
  const from = header(headers, 'mex-from');
  if (from !== undefined && from.trim() !== '' && from.trim().toUpperCase() !== authenticatedMailbox) throw meshErrors.fromMismatch();
  const checksum = optional(headers, 'mex-content-checksum');
  if (checksum !== null && !CHECKSUM_CHARS.test(checksum)) throw meshErrors.invalidChecksum();
  const range = parseChunkRange(header(headers, 'mex-chunk-range'), maxChunks);
  if (range && range.chunkNo !== 1) throw meshErrors.invalidChunkHeader(`the first request of a message must be chunk 1, not ${range.chunkNo}`);
  const contentEncoding = parseContentEncoding(header(headers, 'content-encoding'));
  const contentType = optional(headers, 'content-type');
  return {
    to: to.trim().toUpperCase(),
    workflowId: workflowId.trim(),
    totalChunks: range?.totalChunks ?? 1,
    subject: optional(headers, 'mex-subject'),
    localId: optional(headers, 'mex-localid'),
    partnerId: optional(headers, 'mex-partnerid'),
    fileName: optional(headers, 'mex-filename'),
    contentType,
    mexContentType: optional(headers, 'mex-content-type') ?? contentType,
    contentEncoding,
    checksum,
    encrypted: parseFlag(headers, 'mex-content-encrypted'),
    // Transport gzip means the stored payload is compressed; mesh-sandbox reports it the same way.
    compressed: parseFlag(headers, 'mex-content-compressed') || contentEncoding === 'gzip',
  };
}
