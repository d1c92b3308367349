import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { brokerError } from '../errors.js';
import type { ChunkRecord } from '../message/model.js';
import type { ObjectStore } from '../objects/object-store.js';
import { chunkObjectKey, newUploadId } from '../objects/object-keys.js';

/** A chunk's bytes once stored: inline or under an object key. */
export type StoredChunk = Omit<ChunkRecord, 'createdAt'>;

export interface IngestOptions {
  messageId: string;
  chunkNo: number;
  /** Bodies up to this many bytes are returned inline instead of written to the object store. */
  inlineMaxBytes: number;
  /** Bodies over this many bytes are refused ('payload_too_large'); nothing is left stored. */
  maxBytes: number;
}

/**
 * Streams a request body into storage. Small bodies come back inline (they are committed with the
 * metadata, one fsync); larger ones stream to the object store with at most `inlineMaxBytes` held.
 */
export async function ingestPayload(objects: ObjectStore, body: Readable, opts: IngestOptions): Promise<StoredChunk> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headBytes = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
    if (headBytes > opts.maxBytes) throw tooLarge(body, opts);
    if (headBytes > opts.inlineMaxBytes) return streamToObjectStore(objects, body, iterator, head, headBytes, opts);
  }
  if (headBytes === 0) throw brokerError('payload_empty', 'the request body is empty', opts.messageId);
  const inline = head.length === 1 ? head[0]! : Buffer.concat(head, headBytes);
  return {
    messageId: opts.messageId,
    chunkNo: opts.chunkNo,
    size: inline.length,
    sha256: createHash('sha256').update(inline).digest('hex'),
    objectKey: null,
    inline,
  };
}

async function streamToObjectStore(
  objects: ObjectStore,
  body: Readable,
  iterator: AsyncIterator<Buffer>,
  head: Buffer[],
  headBytes: number,
  opts: IngestOptions,
): Promise<StoredChunk> {
  const key = chunkObjectKey(opts.messageId, opts.chunkNo, newUploadId());
  let total = headBytes;
  let overLimit = false;
  // Re-emit the bytes already read, then the rest; the limit is checked on every byte that flows.
  async function* rest(): AsyncGenerator<Buffer> {
    for (const b of head) yield b;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      total += next.value.length;
      if (total > opts.maxBytes) {
        overLimit = true;
        throw tooLarge(body, opts);
      }
      yield next.value;
    }
  }
  try {
    const put = await objects.put(key, Readable.from(rest(), { objectMode: false }));
    return { messageId: opts.messageId, chunkNo: opts.chunkNo, size: put.size, sha256: put.sha256, objectKey: key, inline: null };
  } catch (err) {
    await objects.delete(key).catch(() => undefined);
    if (overLimit) throw tooLarge(body, opts);
    throw err;
  }
}

function tooLarge(_body: Readable, opts: IngestOptions): Error {
  return brokerError('payload_too_large', `the request body exceeds ${opts.maxBytes} bytes`, opts.messageId);
}

/** Opens a stored chunk for reading, inline or from the object store. */
export async function openPayload(objects: ObjectStore, chunk: ChunkRecord): Promise<Readable> {
  if (chunk.inline) return Readable.from([chunk.inline]);
  if (!chunk.objectKey) return Readable.from([]);
  return objects.get(chunk.objectKey);
}
