import { Readable } from 'node:stream';
import type { ChunkRecord, MessageRecord } from '../message/model.js';
import type { ObjectStore } from '../objects/object-store.js';
import { reportRecord } from '../messages/report-record.js';
import { ingestPayload } from '../payloads/payload-ingest.js';
import type { Router } from '../routing/router.js';
import type { MessageStore, OutputWrite } from '../store/message-store.js';
import type { Envelope } from '../transport/transport.js';
import type { EmitInput } from './adapter.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface OutputDeps {
  store: MessageStore;
  objects: ObjectStore;
  router: Router;
  inlineChunkBytes: number;
  maxRequestBytes: number;
  inboxExpiryDays: number;
  now: number;
}

/**
 * Output IDs are derived from the source and the output's index, so a message processed twice
 * (after a crash, or a redelivery) produces the same IDs and its outputs are committed once.
 */
export const emittedId = (sourceId: string, index: number): string => `${sourceId}-${index}`;
export const reportId = (sourceId: string, index: number): string => `${sourceId}-R${index}`;

/** Builds the message (and its chunks) for one emitted output; payload bytes are stored first. */
export async function buildEmitted(deps: OutputDeps, source: MessageRecord, envelope: Envelope, index: number, emit: EmitInput): Promise<OutputWrite> {
  const messageId = emit.key === undefined ? emittedId(source.messageId, index) : `${source.messageId}-${emit.key}`;
  const shared = emit.payload === 'source';
  const chunks = shared ? await sharedChunks(deps, source, messageId) : [await storeBytes(deps, messageId, emit.payload as Buffer | string)];
  const base: MessageRecord = {
    ...source,
    messageId,
    messageType: 'DATA',
    recipient: emit.to.toUpperCase(),
    workflowId: emit.workflowId ?? source.workflowId,
    status: 'accepted',
    totalChunks: chunks.length,
    subject: emit.subject ?? null,
    localId: emit.localId ?? null,
    fileName: emit.fileName ?? null,
    contentType: shared ? source.contentType : emit.contentType ?? null,
    mexContentType: shared ? source.mexContentType : emit.contentType ?? null,
    contentEncoding: shared ? source.contentEncoding : null,
    compressed: shared ? source.compressed : false,
    checksum: shared ? source.checksum : null,
    fileSize: chunks.reduce((n, c) => n + c.size, 0),
    linkedMessageId: source.messageId,
    statusCode: '00',
    statusEvent: 'TRANSFER',
    statusDescription: 'Transferred to recipient mailbox',
    statusSuccess: true,
    createdAt: deps.now,
    updatedAt: deps.now,
    acceptedAt: deps.now,
    acknowledgedAt: null,
    expiresAt: deps.now + deps.inboxExpiryDays * DAY_MS,
  };
  const outbox = deps.router.outboxFor(base, { traceId: envelope.traceId, hops: envelope.hops ?? 0, adapter: envelope.adapter });
  const message: MessageRecord = outbox ? { ...base, status: 'routed', acceptedAt: null, expiresAt: null } : base;
  return {
    message,
    chunks,
    event: outbox
      ? { status: 'routed', event: 'ROUTED', code: null, description: `Routed to adapter ${outbox.adapter}`, linkedMessageId: source.messageId }
      : { status: 'accepted', event: 'TRANSFER', code: '00', description: 'Transferred to recipient mailbox', linkedMessageId: source.messageId },
    outbox,
  };
}

/** A MESH REPORT to the source's sender, as real MESH sends for a message it could not deliver. */
export function buildReport(deps: OutputDeps, source: MessageRecord, index: number, code: string, description: string): OutputWrite {
  const message = reportRecord(
    {
      messageId: reportId(source.messageId, index),
      recipient: source.sender,
      workflowId: source.workflowId,
      code,
      event: 'SEND',
      description,
      subject: source.subject,
      localId: source.localId,
      fileName: source.fileName,
      linkedMessageId: source.messageId,
    },
    deps.now,
    deps.inboxExpiryDays,
  );
  return { message, chunks: [], event: { status: 'accepted', event: 'SEND', code, description, linkedMessageId: source.messageId }, outbox: null };
}

/** Object keys an uncommitted output wrote itself (shared source objects are not its to delete). */
export function ownObjectKeys(outputs: OutputWrite[], source: ChunkRecord[]): string[] {
  const sourceKeys = new Set(source.map((c) => c.objectKey));
  return outputs.flatMap((o) => o.chunks.map((c) => c.objectKey)).filter((k): k is string => k !== null && !sourceKeys.has(k));
}

async function sharedChunks(deps: OutputDeps, source: MessageRecord, messageId: string): Promise<ChunkRecord[]> {
  const out: ChunkRecord[] = [];
  for (let n = 1; n <= source.totalChunks; n++) {
    const chunk = await deps.store.getChunk(source.messageId, n);
    if (!chunk) throw new Error(`source ${source.messageId} has no chunk ${n}`);
    out.push({ ...chunk, messageId, createdAt: deps.now });
  }
  return out;
}

async function storeBytes(deps: OutputDeps, messageId: string, payload: Buffer | string): Promise<ChunkRecord> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (bytes.length === 0) return { messageId, chunkNo: 1, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', objectKey: null, inline: bytes, createdAt: deps.now };
  const stored = await ingestPayload(deps.objects, Readable.from([bytes]), { messageId, chunkNo: 1, inlineMaxBytes: deps.inlineChunkBytes, maxBytes: Number.MAX_SAFE_INTEGER });
  return { ...stored, createdAt: deps.now };
}
