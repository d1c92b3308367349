/**
 * Client-side errors. Every failure the client reports is a `MeshError`; the ones
 * caused by a server response are `MeshApiError` and carry what MESH said.
 */

/** Base class for every error the MESH client raises on purpose. */
export class MeshError extends Error {
  /** Creates an error with an optional underlying cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshError';
  }
}

/** The MESH-level fields found in an error body, whichever API version produced it. */
export interface MeshErrorDetails {
  /** MESH error code, e.g. `"06"`, `"12"`, `"EPL-151"`, `"InvalidHeaderChunks"`. */
  code?: string;
  /** MESH event, e.g. `"SEND"`, `"TRANSFER"`, `"COLLECT"`. */
  event?: string;
  /** Human-readable description (`errorDescription`, `detail[0].msg` or a generic `message`). */
  description?: string;
  /** The message ID the error refers to, when the server named one. */
  messageId?: string;
}

/** Constructor arguments for {@link MeshApiError}. */
export interface MeshApiErrorInit extends MeshErrorDetails {
  status: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body?: unknown;
}

/** A MESH response that signals failure: any non-2xx status, or a 2xx body holding an error. */
export class MeshApiError extends MeshError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly code: string | undefined;
  readonly event: string | undefined;
  readonly description: string | undefined;
  readonly messageId: string | undefined;

  /** Creates the error; prefer {@link meshApiErrorFromBody}, which extracts the MESH fields. */
  constructor(init: MeshApiErrorInit) {
    const mesh = [init.event, init.code].filter((x) => x !== undefined && x !== '').join('/');
    const summary = [mesh, init.description].filter((x) => x !== undefined && x !== '').join(' ');
    super(`MESH ${init.method} ${init.path} failed with HTTP ${init.status}${summary ? `: ${summary}` : ''}`);
    this.name = 'MeshApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.headers = init.headers;
    this.body = init.body;
    this.code = init.code;
    this.event = init.event;
    this.description = init.description;
    this.messageId = init.messageId;
  }
}

/** Raised when chunk 1 was accepted but a later chunk failed; resume with `sendChunk`. */
export class MeshUploadError extends MeshError {
  readonly messageId: string;
  /** The chunk number that failed (2..N). */
  readonly failedChunk: number;
  readonly totalChunks: number;

  /** Wraps the failure of one chunk of a partly uploaded message (the original is `cause`). */
  constructor(messageId: string, failedChunk: number, totalChunks: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`upload of ${messageId} failed at chunk ${failedChunk}/${totalChunks}: ${reason}`, { cause });
    this.name = 'MeshUploadError';
    this.messageId = messageId;
    this.failedChunk = failedChunk;
    this.totalChunks = totalChunks;
  }
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Pulls code/event/description/message ID out of a v1 (`errorCode`, `errorEvent`,
 * `errorDescription`, `messageID`) or v2 (`detail: [{code, event, msg}]`, `message_id`)
 * body. FastAPI-style `detail` strings and validation arrays (`{loc, msg, type}`) are
 * handled too, as is a generic `{message}` body.
 */
export function extractMeshErrorDetails(body: unknown): MeshErrorDetails {
  if (!isRecord(body)) return {};
  const details: MeshErrorDetails = {};
  const messageId = str(body['message_id']) ?? str(body['messageID']) ?? str(body['messageId']);
  if (messageId !== undefined) details.messageId = messageId;

  if ('errorDescription' in body || 'errorCode' in body || 'errorEvent' in body) {
    const code = str(body['errorCode']);
    const event = str(body['errorEvent']);
    const description = str(body['errorDescription']);
    if (code !== undefined) details.code = code;
    if (event !== undefined) details.event = event;
    if (description !== undefined) details.description = description;
    return details;
  }

  const detail = body['detail'];
  if (typeof detail === 'string') {
    details.description = detail;
    return details;
  }
  if (Array.isArray(detail)) {
    const first: unknown = detail[0];
    if (isRecord(first)) {
      const code = str(first['code']);
      const event = str(first['event']);
      const description = str(first['msg']) ?? str(first['message']);
      if (code !== undefined) details.code = code;
      if (event !== undefined) details.event = event;
      if (description !== undefined) details.description = description;
    }
    return details;
  }

  const description = str(body['message']) ?? str(body['error']);
  if (description !== undefined) details.description = description;
  return details;
}

/**
 * True when a parsed body carries a MESH error, mirroring the Python client's
 * `_looks_like_send_error` (it checks `errorDescription` and `detail`).
 */
export function bodyLooksLikeMeshError(body: unknown): boolean {
  return isRecord(body) && ('errorDescription' in body || 'detail' in body);
}

/** Builds a {@link MeshApiError} from a response, extracting the MESH fields from its body. */
export function meshApiErrorFromBody(init: {
  status: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}): MeshApiError {
  return new MeshApiError({ ...init, ...extractMeshErrorDetails(init.body) });
}
