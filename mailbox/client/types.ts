/**
 * Public types of the MESH client: options, request shapes and the JSON the
 * MESH API returns (v2 shapes by default; v1 where `apiVersion: 1` changes them).
 */
import type { Readable } from 'node:stream';

/** TLS material for mutual TLS; PEM strings or Buffers, as `tls.connect` takes them. */
export interface MeshTlsOptions {
  /** Client certificate chain (real MESH requires one issued by the NHS CA). */
  cert?: string | Buffer;
  /** Private key for `cert`. */
  key?: string | Buffer;
  /** CA bundle to trust instead of the system roots (e.g. the NHS RootCA/SubCA, or a test CA). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Defaults to true; set false only against local servers with throwaway certificates. */
  rejectUnauthorized?: boolean;
}

/** Options for `new MeshClient(...)`. */
export interface MeshClientOptions {
  /** Scheme, host and optional port (and optional path prefix), e.g. `https://msg.intspineservices.nhs.uk`. */
  baseUrl: string;
  /** Mailbox ID, used in paths and tokens exactly as given (MESH expects upper case). */
  mailboxId: string;
  /** Mailbox password, part of the HMAC message. */
  password: string;
  /** Environment-wide shared secret, the HMAC key. */
  sharedKey: string | Buffer;
  /** Mutual TLS settings, used only for `https:` base URLs. */
  tls?: MeshTlsOptions;
  /** 2 sends `Accept: application/vnd.mesh.v2+json` (default); 1 sends `Accept: application/json`. */
  apiVersion?: 1 | 2;
  /** Largest uncompressed chunk `sendMessage` sends; default 75 MiB, as the Python client. */
  maxChunkSize?: number;
  /** Replaces the default `mesh-broker-client;<version>;N/A;<arch>;<os>;<release>` User-Agent. */
  userAgent?: string;
  /** Socket idle timeout per request in milliseconds; default 600000 (10 minutes, as the Python client). */
  timeoutMs?: number;
  /** Keep connections open between requests (default true), so benchmarks measure the server, not TCP/TLS set-up. */
  keepAlive?: boolean;
  /** Most sockets the client opens to the server at once (default: unlimited, Node's default). */
  maxSockets?: number;
}

/** Response headers with lower-case names; repeated headers are joined with `, `. */
export type MeshHeaders = Record<string, string>;

/** What `sendMessage` accepts as a payload; a file is streamed chunk by chunk, never read whole. */
export type MessageBody = Buffer | Uint8Array | string | { filePath: string };

/** What `sendChunk` accepts: anything `sendMessage` takes, a file's bytes [start, end) (end exclusive), or a stream. */
export type ChunkBody = MessageBody | { filePath: string; start: number; end: number } | Readable;

/** Arguments of `sendMessage`. Optional MESH headers are sent only when given. */
export interface SendMessageOptions {
  /** Recipient mailbox ID (`mex-To`). */
  to: string;
  /** Workflow ID (`mex-WorkflowID`). */
  workflowId: string;
  /** The payload; split into chunks of at most `chunkSize` uncompressed bytes. */
  body: MessageBody;
  /** `mex-Subject`. */
  subject?: string;
  /** `mex-LocalID`, the sender's own reference (must not contain PID). */
  localId?: string;
  /** `mex-PartnerID`. */
  partnerId?: string;
  /** `mex-FileName`. */
  fileName?: string;
  /**
   * The payload's media type. As in the Python client it becomes the HTTP `Content-Type`
   * of a single-chunk message (chunked messages always use `application/octet-stream`)
   * and is also sent as `mex-Content-Type` unless that would equal `Content-Type`.
   */
  contentType?: string;
  /** Sends exactly this `mex-Content-Type`, overriding the value derived from `contentType`. */
  mexContentType?: string;
  /** `mex-Content-Checksum`. */
  checksum?: string;
  /** `mex-Content-Encrypted: Y|N`, a flag about the payload only. */
  encrypted?: boolean;
  /** `mex-Content-Compressed: Y|N`, a flag about the payload only (not transport gzip). */
  compressed?: boolean;
  /** Gzip each chunk independently in transit and send `Content-Encoding: gzip`. Default false. */
  compress?: boolean;
  /** Overrides the client's `maxChunkSize` for this message. */
  chunkSize?: number;
}

/** Options for `listInbox`. */
export interface ListInboxOptions {
  /** `max_results` (the server accepts 10..5000). */
  maxResults?: number;
  /** `workflow_filter`, e.g. `WF`, `!WF`, `WF*`, `*_ACK*`. */
  workflowFilter?: string;
  /** `continue_from`: an opaque v2 token, or the last message ID in v1. */
  continueFrom?: string;
  /**
   * A `next` path returned by a previous page. It is host-relative and requested as
   * `baseUrl + next`; the other options are ignored because the path already carries them.
   */
  next?: string;
}

/** One page of the inbox. */
export interface InboxPage {
  /** Message IDs on this page, oldest first. */
  messages: string[];
  /** Host-relative path of the next page (`links.next`), or null when this is the last page. */
  next: string | null;
  /** `approx_inbox_count` when the server sent it (v2 only). */
  approxInboxCount?: number;
}

/** A single chunk download; the caller must consume or destroy `body` to free the connection. */
export interface ChunkResponse {
  /** 200 for the last (or only) chunk, 206 before it. */
  status: number;
  /** Response headers, lower-case names (`mex-chunk-range`, `content-encoding`, ...). */
  headers: MeshHeaders;
  /** The body as sent (gzip stays gzip unless `decompress` was set). */
  body: Readable;
}

/** Options for `downloadChunk`. */
export interface DownloadChunkOptions {
  /** Send `Accept-Encoding: gzip` (default true); false asks the server to decompress. */
  acceptGzip?: boolean;
  /** Gunzip the body when the response has `Content-Encoding: gzip` (default false). */
  decompress?: boolean;
}

/** A whole-message download streaming every chunk in order, each gunzipped separately. */
export interface MessageDownload {
  /** Chunk 1's response headers (lower-case names). */
  headers: MeshHeaders;
  /** N from chunk 1's `mex-chunk-range: 1:N` (0 for some REPORTs with `1:0`). */
  totalChunks: number;
  /** The decoded payload; errors in later chunks surface as stream errors. */
  body: Readable;
}

/** Options for `sendChunk`. */
export interface SendChunkOptions {
  /** Gzip this chunk in transit (`Content-Encoding: gzip`). Must match chunk 1. */
  compress?: boolean;
}

/** v2 tracking response (`GET /outbox/tracking?messageID=`). */
export interface TrackingResponseV2 {
  message_id: string;
  local_id?: string | null;
  workflow_id?: string | null;
  filename?: string | null;
  expiry_time?: string | null;
  upload_timestamp?: string | null;
  recipient?: string | null;
  recipient_name?: string | null;
  recipient_ods_code?: string | null;
  recipient_org_code?: string | null;
  recipient_org_name?: string | null;
  status_success?: boolean | null;
  /** `uploading`, `accepted`, `acknowledged`, `undeliverable` or `error`. */
  status?: string;
  status_event?: string | null;
  status_timestamp?: string | null;
  status_description?: string | null;
  status_code?: string | null;
  [key: string]: unknown;
}

/** v1 tracking response (camelCase); also what the deprecated by-local-ID form returns. */
export interface TrackingResponseV1 {
  messageId?: string;
  dtsId?: string;
  localId?: string | null;
  workflowId?: string | null;
  /** Title case, e.g. `Accepted`. */
  status?: string;
  statusSuccess?: string | null;
  [key: string]: unknown;
}

/** Tracking data: the v2 shape by default, the v1 shape with `apiVersion: 1` or by local ID. */
export type TrackingResponse = TrackingResponseV2 | TrackingResponseV1;

/** Endpoint lookup and workflow search, v2 shape. */
export interface EndpointLookupResponseV2 {
  results: Array<{ mailbox_id: string; mailbox_name: string; [key: string]: unknown }>;
}

/** Endpoint lookup, v1 shape. */
export interface EndpointLookupResponseV1 {
  query_id?: string;
  results: Array<{ address: string; description: string; endpoint_type: string; [key: string]: unknown }>;
}

/** Endpoint lookup in either shape, per `apiVersion`. */
export type EndpointLookupResponse = EndpointLookupResponseV2 | EndpointLookupResponseV1;
