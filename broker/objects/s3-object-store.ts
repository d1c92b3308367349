import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isNetworkErrno } from '../network-errors.js';
import { assertSafeKey } from './object-keys.js';
import { ObjectNotFoundError } from './object-store.js';
import type { ByteRange, ObjectStore, PutResult } from './object-store.js';
import { ObjectStoreUnavailableError } from './object-store-unavailable.js';

const MiB = 1024 * 1024;

export interface S3ObjectStoreConfig {
  bucket: string;
  /** An S3-compatible server, e.g. `http://127.0.0.1:9000`; omitted means AWS S3 in `region`. */
  endpoint?: string;
  /** Default 'us-east-1' (what MinIO and most S3-compatible servers expect). */
  region?: string;
  /** Default true when `endpoint` is given: compatible servers rarely have per-bucket DNS names. */
  forcePathStyle?: boolean;
  /** Create the bucket in open() if it does not exist (default false). */
  createBucket?: boolean;
  /** Keys are stored as `<keyPrefix>/<key>`, so one bucket can hold several brokers' objects. */
  keyPrefix?: string;
  /** Multipart part size (default 5 MiB, the least S3 allows). */
  partSizeBytes?: number;
  /** Parts uploaded at once per put (default 2). */
  partsInFlight?: number;
  /** Explicit credentials (tests, embedding); omitted means the SDK chain (AWS_ACCESS_KEY_ID ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * lib-storage holds about (partsInFlight + 3) parts per put: those in flight, the one being
 * gathered, its concatenated copy, and the previous copy that the leftover bytes still point
 * into. Garbage V8 has not yet collected comes on top (up to ~64 MiB of external memory). With
 * 5 MiB x 2 a 256 MiB put measured 65-85 MiB of RSS growth; 8 MiB x 4 measured 95-127 MiB and
 * 8 MiB x 2 73-109 MiB, over the store contract's 100 MiB. Two in flight still overlap reading
 * the source with uploading; the client upload, not S3, is what limits a broker's put.
 */
const DEFAULT_PART_SIZE = 5 * MiB;
const DEFAULT_PARTS_IN_FLIGHT = 2;
/** A dead or blackholed endpoint must fail fast; a TCP connect in one region takes milliseconds. */
const CONNECT_TIMEOUT_MS = 3_000;
/**
 * Bounds a request from its start to the response headers, including sending a whole part
 * (two 5 MiB parts in 30 s need about 350 kB/s): a server that accepts and then never answers
 * is treated as down instead of hanging the client's request.
 */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * A response body that stops arriving for this long is cut off, so a reader (an adapter, say) is
 * not stuck forever on a frozen server. A caller that stops reading for as long is cut off too.
 */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
/** Three attempts ride out a restart or a 503 SlowDown; more would hold callers for long. */
const MAX_ATTEMPTS = 3;
/**
 * A get holds its socket until the caller has read the whole body, and the connect timeout also
 * runs while a request waits for a free socket, so the SDK's default of 50 would turn 50 slow
 * downloads into timeouts for everything else.
 */
const MAX_SOCKETS = 512;


interface SdkError {
  name?: string;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError | null)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string | undefined {
  return (err as SdkError | null)?.name;
}

/** True for an outage (network failure, timeout, 5xx after the SDK's retries), not a bad request. */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // net.connect tried several addresses (IPv4 and IPv6 for "localhost") and every one failed.
  if (err instanceof AggregateError && err.errors.some(isUnavailable)) return true;
  if (err.name === 'TimeoutError') return true;
  const code = (err as SdkError).code;
  if (isNetworkErrno(code)) return true;
  const status = statusOf(err);
  // 501 NotImplemented is a server that will never do this, not one that is down.
  return status !== undefined && status >= 500 && status !== 501;
}

/** NoSuchKey from GET; HEAD responses have no body, so the SDK can only call a 404 NotFound. */
function isNotFound(err: unknown): boolean {
  const name = nameOf(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(err) === 404 && name !== 'NoSuchBucket');
}

/** The error's message, with its errno code when the message lacks it (AggregateError has none). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as SdkError).code;
  const message = err.message || (err instanceof AggregateError ? err.errors.map(describe).join('; ') : '') || err.name;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Rejects what HTTP Range cannot express before asking the server. */
function checkRangeShape(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`bad range start: ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) throw new RangeError(`bad range end: ${end}`);
}

/**
 * Confirms the server sent exactly the bytes asked for. A server that ignored or misread Range
 * would otherwise hand back the wrong bytes silently; and for an empty object some servers answer
 * 200 or `bytes 0-0/0` where S3 answers 416, which this maps to the same RangeError.
 */
function checkServedRange(range: ByteRange, contentRange: string | undefined, contentLength: number | undefined): void {
  const served = contentRange ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange) : null;
  const size = served ? Number(served[3]) : contentRange ? undefined : contentLength;
  if (size !== undefined && range.start >= size) {
    throw new RangeError(`range start ${range.start} not satisfiable for size ${size}`);
  }
  const expectedEnd = Math.min(range.end ?? Infinity, (size ?? Infinity) - 1);
  if (!served || Number(served[1]) !== range.start || Number(served[2]) !== expectedEnd) {
    throw new Error(`S3 server answered a request for bytes ${range.start}-${range.end ?? ''} with ${contentRange ?? 'the whole object'}`);
  }
}

interface Tally {
  hash: Hash;
  size: number;
  /** Set only when reading the source failed, not when the upload gave up reading it. */
  sourceError: unknown;
}

/**
 * Yields the source's chunks, hashing and counting them. A failure to read the source is recorded
 * as its own, apart from lib-storage abandoning the stream after an S3 failure (which destroys it
 * and so makes the source look failed too).
 */
async function* metered(body: Readable, tally: Tally): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await chunks.next();
      } catch (err) {
        tally.sourceError = err;
        throw err;
      }
      if (step.done) return;
      tally.hash.update(step.value);
      tally.size += step.value.length;
      yield step.value;
    }
  } finally {
    // Stopped early by the consumer: destroy the source rather than leave it paused.
    await chunks.return?.();
  }
}

/**
 * ObjectStore on S3 or an S3-compatible server (MinIO, Ceph RGW...). Puts stream through lib-storage's
 * multipart Upload, so memory stays bounded and the object appears only when the upload completes.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly partsInFlight: number;
  /** Names the store in error messages: which bucket, on which server. */
  private readonly where: string;
  private closed = false;

  private constructor(config: S3ObjectStoreConfig) {
    const region = config.region ?? 'us-east-1';
    this.bucket = config.bucket;
    this.where = `bucket "${config.bucket}" at ${config.endpoint ?? `AWS S3 (${region})`}`;
    this.partSize = config.partSizeBytes ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < 5 * MiB) {
      throw new Error(`S3 part size must be an integer of at least 5 MiB, got ${this.partSize}`);
    }
    this.partsInFlight = config.partsInFlight ?? DEFAULT_PARTS_IN_FLIGHT;
    if (!Number.isSafeInteger(this.partsInFlight) || this.partsInFlight < 1) {
      throw new Error(`S3 parts in flight must be a positive integer, got ${this.partsInFlight}`);
    }
    this.prefix = (config.keyPrefix ?? '').replace(/\/+$/, '');
    if (this.prefix) assertSafeKey(this.prefix);
    this.client = new S3Client({
      region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
      credentials: config.credentials,
      // Since 3.729 the SDK adds CRC32 checksums to every upload (aws-chunked bodies with trailers)
      // and validates them on download. Many S3-compatible servers (older MinIO, Ceph RGW, s3rver)
      // reject such requests or store the chunk framing as data; S3 needs no checksum for these calls.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
        throwOnRequestTimeout: true,
        socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
        httpAgent: { maxSockets: MAX_SOCKETS },
        httpsAgent: { maxSockets: MAX_SOCKETS },
      },
    });
  }

  /** Connects to the bucket (creating it if configured to), failing with a message naming it. */
  static async open(config: S3ObjectStoreConfig): Promise<S3ObjectStore> {
    const store = new S3ObjectStore(config);
    try {
      if (config.createBucket) await store.createBucket(config.region ?? 'us-east-1');
      await store.client.send(new HeadBucketCommand({ Bucket: store.bucket }));
    } catch (err) {
      await store.close();
      throw store.openFailure(err);
    }
    return store;
  }

  /** Streams `body` into the bucket as a multipart upload; rejects with the source's error if it fails. */
  async put(key: string, body: Readable): Promise<PutResult> {
    const name = this.objectName(key);
    const tally: Tally = { hash: createHash('sha256'), size: 0, sourceError: undefined };
    const meter = Readable.from(metered(body, tally), { objectMode: false });
    // leavePartsOnError=false: after any failure lib-storage waits for the parts in flight and
    // then sends AbortMultipartUpload, so no part lands after the abort. If the abort itself cannot
    // reach the server, the parts stay until the bucket's AbortIncompleteMultipartUpload rule.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: name, Body: meter },
      partSize: this.partSize,
      queueSize: this.partsInFlight,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      meter.destroy();
      body.destroy();
      // The source's own failure is the cause; S3's (or lib-storage's abort error) is a consequence.
      throw tally.sourceError ?? this.failure(err, 'put', key);
    }
    return { size: tally.size, sha256: tally.hash.digest('hex') };
  }

  /** The object's bytes (or the range of them) as the response body stream. */
  async get(key: string, range?: ByteRange): Promise<Readable> {
    const name = this.objectName(key);
    if (range) checkRangeShape(range);
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: name,
          ...(range && { Range: `bytes=${range.start}-${range.end ?? ''}` }),
        }),
      );
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (range && (nameOf(err) === 'InvalidRange' || statusOf(err) === 416)) {
        throw new RangeError(`range start ${range.start} not satisfiable for ${key}`);
      }
      throw this.failure(err, 'get', key);
    }
    const stream = response.Body;
    if (!(stream instanceof Readable)) throw new Error(`S3 GetObject for ${key} returned no Node.js stream`);
    if (range) {
      try {
        checkServedRange(range, response.ContentRange, response.ContentLength);
      } catch (err) {
        stream.destroy();
        throw err;
      }
    }
    return stream;
  }

  /** Deletes the object; S3 answers 204 for a missing key too. */
  async delete(key: string): Promise<void> {
    const name = this.objectName(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
    } catch (err) {
      throw this.failure(err, 'delete', key);
    }
  }

  /** HEAD of the object. A missing bucket also reads as false: a HEAD 404 has no body to tell them apart. */
  async exists(key: string): Promise<boolean> {
    const name = this.objectName(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.failure(err, 'exists', key);
    }
  }

  /** HEAD of the bucket: reachable, credentials accepted, bucket there. */
  async ping(): Promise<void> {
    if (this.closed) throw new Error(`S3 object store for ${this.where} is closed`);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw this.openFailure(err);
    }
  }

  /** Releases the client's sockets; read streams still open are cut off. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  /** The S3 object name of a key, refusing keys that could mean something else in a path. */
  private objectName(key: string): string {
    assertSafeKey(key);
    if (this.closed) throw new Error(`S3 object store for ${this.where} is closed`);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** Creates the bucket, accepting one that is already there. */
  private async createBucket(region: string): Promise<void> {
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region S3 refuses as an explicit LocationConstraint.
          ...(region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
          }),
        }),
      );
    } catch (err) {
      const name = nameOf(err);
      if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
      throw err;
    }
  }

  /** Wraps outages (and a bucket that has gone) as ObjectStoreUnavailableError; passes others on. */
  private failure(err: unknown, op: string, key: string): unknown {
    if (isUnavailable(err) || nameOf(err) === 'NoSuchBucket') {
      return new ObjectStoreUnavailableError(`object store unavailable: ${op} ${key} in ${this.where}: ${describe(err)}`, err);
    }
    return err;
  }

  /** One line an operator can act on, for a bucket that open() could not use. */
  private openFailure(err: unknown): Error {
    const status = statusOf(err);
    if (isUnavailable(err)) {
      return new ObjectStoreUnavailableError(`S3 ${this.where} is unreachable: ${describe(err)}`, err);
    }
    if (status === 404 || nameOf(err) === 'NoSuchBucket' || nameOf(err) === 'NotFound') {
      return new Error(`S3 ${this.where} does not exist (create it, or set createBucket=true)`, { cause: err });
    }
    if (status === 403 || status === 401 || nameOf(err) === 'CredentialsProviderError') {
      return new Error(
        `S3 ${this.where}: access denied or no credentials (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): ${describe(err)}`,
        { cause: err },
      );
    }
    return new Error(`S3 ${this.where} cannot be opened: ${describe(err)}`, { cause: err });
  }
}
