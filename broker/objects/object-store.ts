import type { Readable } from 'node:stream';

/** What put() measured while streaming. */
export interface PutResult {
  size: number;
  /** Lower-case hex SHA-256 of the stored bytes. */
  sha256: string;
}

/** Inclusive byte range, as in HTTP Range. `end` omitted means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** Raised when a key does not exist. */
export class ObjectNotFoundError extends Error {
  readonly code = 'object_not_found';
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * Payload storage. put() streams (never buffers whole), is durable when it resolves, and is atomic:
 * a failed or aborted put leaves nothing visible under the key.
 */
export interface ObjectStore {
  put(key: string, body: Readable): Promise<PutResult>;
  /** Streams the object, or the range of it; rejects with ObjectNotFoundError. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes the key; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Cheapest check that the store is usable (readiness): resolves if it is, rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
