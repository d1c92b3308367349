/**
 * Payload sources and chunk arithmetic for uploads. Data is split while still
 * uncompressed (MESH rule), and a file chunk is opened as its own byte-range stream
 * so a multi-gigabyte file never sits in memory.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { MeshError } from './errors.js';
import type { ChunkBody, MessageBody } from './types.js';

/** 75 MiB, the Python client's default `max_chunk_size`. */
export const DEFAULT_MAX_CHUNK_SIZE = 75 * 1024 * 1024;

/** A payload of known size whose byte ranges can be opened independently. */
export interface PayloadSource {
  readonly size: number;
  /** Opens bytes [start, end) as a Buffer (in-memory payloads) or a stream (files). */
  slice(start: number, end: number): Buffer | Readable;
}

/** Rejects chunk sizes that cannot split anything. */
export function assertChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
  }
}

/** Number of chunks for `size` bytes; an empty payload is still one (empty) chunk. */
export function chunkCount(size: number, chunkSize: number): number {
  assertChunkSize(chunkSize);
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Byte range [start, end) of 1-based chunk `n`. */
export function chunkRange(n: number, size: number, chunkSize: number): { start: number; end: number } {
  const start = (n - 1) * chunkSize;
  return { start, end: Math.min(size, start + chunkSize) };
}

function bufferFrom(body: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

class BufferSource implements PayloadSource {
  constructor(private readonly data: Buffer) {}
  get size(): number {
    return this.data.length;
  }
  slice(start: number, end: number): Buffer {
    return this.data.subarray(start, end);
  }
}

/** Streams bytes [start, end) of a file. */
function fileRange(filePath: string, start: number, end: number): Buffer | Readable {
  // createReadStream's `end` is inclusive, and end < start would read from `start` to EOF.
  if (end <= start) return Buffer.alloc(0);
  return createReadStream(filePath, { start, end: end - 1 });
}

class FileSource implements PayloadSource {
  constructor(
    private readonly filePath: string,
    readonly size: number,
  ) {}
  slice(start: number, end: number): Buffer | Readable {
    return fileRange(this.filePath, start, end);
  }
}

/** Wraps a message body so its chunks can be opened one at a time. */
export async function openPayload(body: MessageBody): Promise<PayloadSource> {
  if (typeof body === 'object' && !(body instanceof Uint8Array) && 'filePath' in body) {
    const info = await stat(body.filePath);
    if (!info.isFile()) throw new MeshError(`${body.filePath} is not a regular file`);
    return new FileSource(body.filePath, info.size);
  }
  return new BufferSource(bufferFrom(body));
}

/** A chunk ready to upload: the bytes or stream, plus its length when known. */
export interface PreparedChunk {
  body: Buffer | Readable;
  /** Uncompressed byte length, or undefined for a caller-supplied stream. */
  length: number | undefined;
}

/** Turns any `sendChunk` body into something the HTTP layer can send. */
export async function prepareChunkBody(body: ChunkBody): Promise<PreparedChunk> {
  if (body instanceof Readable) return { body, length: undefined };
  if (typeof body === 'object' && !(body instanceof Uint8Array) && 'filePath' in body) {
    if ('start' in body) {
      const { start, end } = body;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new RangeError(`file range must satisfy 0 <= start <= end, got ${start}..${end}`);
      }
      return { body: fileRange(body.filePath, start, end), length: end - start };
    }
    const source = await openPayload(body);
    return { body: source.slice(0, source.size), length: source.size };
  }
  const data = bufferFrom(body);
  return { body: data, length: data.length };
}

/** Gzips one chunk on its own, as MESH requires for chunked compressed messages. */
export function gzipChunk(chunk: Buffer | Readable): Readable {
  const gzip = createGzip();
  if (Buffer.isBuffer(chunk)) {
    gzip.end(chunk);
    return gzip;
  }
  // The callback form returns the gzip stream and still tears down both ends on failure.
  return pipeline(chunk, gzip, () => undefined);
}
