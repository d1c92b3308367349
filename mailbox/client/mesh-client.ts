/**
 * `MeshClient`: the MESH API v2 (and v1) client the `mesh` CLI and the conformance
 * tests are built on. One instance = one mailbox, one token nonce, one keep-alive pool.
 */
import os from 'node:os';
import { AuthTokenGenerator } from './auth-token.js';
import { downloadChunk, downloadMessage } from './download.js';
import { MeshError } from './errors.js';
import {
  CLIENT_NAME,
  CLIENT_VERSION,
  MeshHttp,
  defaultUserAgent,
  type MeshRequest,
  type MeshResponse,
} from './http.js';
import { DEFAULT_MAX_CHUNK_SIZE, assertChunkSize } from './payload.js';
import { sendChunk, sendMessage } from './send.js';
import type {
  ChunkBody,
  ChunkResponse,
  DownloadChunkOptions,
  EndpointLookupResponse,
  EndpointLookupResponseV2,
  InboxPage,
  ListInboxOptions,
  MeshClientOptions,
  MeshHeaders,
  MessageDownload,
  SendChunkOptions,
  SendMessageOptions,
  TrackingResponse,
} from './types.js';

/** Ten minutes, the Python client's default timeout. */
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

function asRecord(body: unknown, what: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new MeshError(`${what}: expected a JSON object, got ${JSON.stringify(body)}`);
}

/** Parses one inbox response (v2 with links, or v1 with messages only). */
export function parseInboxPage(body: unknown): InboxPage {
  const record = asRecord(body, 'inbox');
  const messages = record['messages'];
  if (!Array.isArray(messages) || !messages.every((m): m is string => typeof m === 'string')) {
    throw new MeshError(`inbox: "messages" must be an array of strings, got ${JSON.stringify(messages)}`);
  }
  const links = record['links'];
  const next =
    typeof links === 'object' && links !== null ? (links as Record<string, unknown>)['next'] : undefined;
  const page: InboxPage = { messages, next: typeof next === 'string' && next !== '' ? next : null };
  const approx = record['approx_inbox_count'];
  if (typeof approx === 'number') page.approxInboxCount = approx;
  return page;
}

/** A MESH mailbox session; call `close()` when done to release pooled sockets. */
export class MeshClient {
  readonly mailboxId: string;
  readonly baseUrl: string;
  readonly apiVersion: 1 | 2;
  /** Mints this client's Authorization tokens (exposed so tests can inspect the nonce). */
  readonly tokens: AuthTokenGenerator;
  private readonly http: MeshHttp;
  private readonly maxChunkSize: number;
  private readonly mailboxPath: string;

  /** Creates a client; no connection is made until the first call. */
  constructor(options: MeshClientOptions) {
    this.mailboxId = options.mailboxId;
    this.apiVersion = options.apiVersion ?? 2;
    this.maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
    assertChunkSize(this.maxChunkSize);
    this.tokens = new AuthTokenGenerator({
      sharedKey: options.sharedKey,
      mailboxId: options.mailboxId,
      password: options.password,
    });
    const httpOptions: ConstructorParameters<typeof MeshHttp>[0] = {
      baseUrl: options.baseUrl,
      apiVersion: this.apiVersion,
      tokens: this.tokens,
      userAgent: options.userAgent ?? defaultUserAgent(),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      keepAlive: options.keepAlive ?? true,
    };
    if (options.maxSockets !== undefined) httpOptions.maxSockets = options.maxSockets;
    if (options.tls !== undefined) httpOptions.tls = options.tls;
    this.http = new MeshHttp(httpOptions);
    this.baseUrl = this.http.baseUrl;
    this.mailboxPath = `/messageexchange/${encodeURIComponent(options.mailboxId)}`;
  }

  /** GET /messageexchange/_ping (no token); resolves with the server's status object. */
  async ping(): Promise<Record<string, unknown>> {
    const body = await this.http.requestJson({ method: 'GET', path: '/messageexchange/_ping', auth: false });
    return body === undefined ? {} : asRecord(body, 'ping');
  }

  /** POST /messageexchange/{mb} with the client telemetry headers; resolves when authenticated. */
  async handshake(): Promise<void> {
    await this.http.requestJson({
      method: 'POST',
      path: this.mailboxPath,
      headers: {
        'mex-ClientVersion': `${CLIENT_NAME}==${CLIENT_VERSION}`,
        'mex-OSName': os.type(),
        'mex-OSVersion': `${os.release()} ${os.version()}`,
        'mex-OSArchitecture': os.arch(),
        'mex-JavaVersion': 'N/A',
      },
    });
  }

  /** GET /{mb}/count (deprecated endpoint); resolves with the inbox count. */
  async count(): Promise<number> {
    const record = asRecord(await this.http.requestJson({ method: 'GET', path: `${this.mailboxPath}/count` }), 'count');
    const count = record['count'];
    if (typeof count !== 'number') throw new MeshError(`count: "count" is not a number: ${JSON.stringify(count)}`);
    return count;
  }

  /** GET /{mb}/inbox: one page of message IDs plus the host-relative `next` path, if any. */
  async listInbox(options: ListInboxOptions = {}): Promise<InboxPage> {
    let path: string;
    if (options.next !== undefined) {
      // Real MESH returns a path; an absolute URL would mean a server bug worth surfacing (CLI issue 60).
      if (!options.next.startsWith('/')) {
        throw new MeshError(`links.next must be a host-relative path, got ${options.next}`);
      }
      path = options.next;
    } else {
      const query = new URLSearchParams();
      if (options.maxResults !== undefined) query.set('max_results', String(options.maxResults));
      if (options.workflowFilter !== undefined) query.set('workflow_filter', options.workflowFilter);
      if (options.continueFrom !== undefined) query.set('continue_from', options.continueFrom);
      const qs = query.toString();
      path = `${this.mailboxPath}/inbox${qs ? `?${qs}` : ''}`;
    }
    return parseInboxPage(await this.http.requestJson({ method: 'GET', path }));
  }

  /** Yields every message ID in the inbox, following `links.next` page after page. */
  async *iterateInbox(options: Omit<ListInboxOptions, 'next'> = {}): AsyncGenerator<string, void, undefined> {
    let page = await this.listInbox(options);
    yield* page.messages;
    let previous: string | null = null;
    while (page.next !== null) {
      if (page.next === previous) throw new MeshError(`inbox paging loops: links.next repeats ${page.next}`);
      previous = page.next;
      page = await this.listInbox({ next: page.next });
      yield* page.messages;
    }
  }

  /** Sends a message (chunked and optionally gzipped per chunk); resolves with its message ID. */
  sendMessage(options: SendMessageOptions): Promise<string> {
    return sendMessage(this.http, this.mailboxPath, this.maxChunkSize, options);
  }

  /** POST /{mb}/outbox/{id}/{n}: uploads one later chunk, e.g. to resume a failed upload. */
  sendChunk(
    messageId: string,
    n: number,
    total: number,
    body: ChunkBody,
    options: SendChunkOptions = {},
  ): Promise<void> {
    return sendChunk(this.http, this.mailboxPath, messageId, n, total, body, options);
  }

  /** GET /{mb}/inbox/{id}[/{n}]: one chunk as a raw stream with its headers. */
  downloadChunk(messageId: string, n: number, options: DownloadChunkOptions = {}): Promise<ChunkResponse> {
    return downloadChunk(this.http, this.mailboxPath, messageId, n, options);
  }

  /** Downloads every chunk in order as one decoded stream; consume or destroy `body`. */
  downloadMessage(messageId: string, options: { acceptGzip?: boolean } = {}): Promise<MessageDownload> {
    return downloadMessage(this.http, this.mailboxPath, messageId, options);
  }

  /** HEAD /{mb}/inbox/{id}: chunk 1's headers without the body. */
  async headMessage(messageId: string): Promise<MeshHeaders> {
    const res = await this.http.requestOk({
      method: 'HEAD',
      path: `${this.mailboxPath}/inbox/${encodeURIComponent(messageId)}`,
    });
    res.body.resume();
    return res.headers;
  }

  /** PUT /{mb}/inbox/{id}/status/acknowledged: removes the message from the inbox. */
  async acknowledge(messageId: string): Promise<void> {
    await this.http.requestJson({
      method: 'PUT',
      path: `${this.mailboxPath}/inbox/${encodeURIComponent(messageId)}/status/acknowledged`,
    });
  }

  /** GET /{mb}/outbox/tracking?messageID=: status of a message this mailbox sent. */
  async trackMessage(messageId: string): Promise<TrackingResponse> {
    const query = new URLSearchParams({ messageID: messageId });
    const body = await this.http.requestJson({ method: 'GET', path: `${this.mailboxPath}/outbox/tracking?${query}` });
    return asRecord(body, 'tracking') as TrackingResponse;
  }

  /** GET /{mb}/outbox/tracking/{localId} (deprecated; v1 shape; 300 when several match). */
  async trackByLocalId(localId: string): Promise<TrackingResponse> {
    const body = await this.http.requestJson({
      method: 'GET',
      path: `${this.mailboxPath}/outbox/tracking/${encodeURIComponent(localId)}`,
    });
    return asRecord(body, 'tracking') as TrackingResponse;
  }

  /** GET /messageexchange/endpointlookup/{ods}/{workflow}: mailboxes receiving that workflow for an ODS code. */
  async lookupEndpoint(odsCode: string, workflowId: string): Promise<EndpointLookupResponse> {
    const body = await this.http.requestJson({
      method: 'GET',
      path: `/messageexchange/endpointlookup/${encodeURIComponent(odsCode)}/${encodeURIComponent(workflowId)}`,
    });
    return asRecord(body, 'endpointlookup') as unknown as EndpointLookupResponse;
  }

  /** GET /messageexchange/workflowsearch/{workflow}: every mailbox receiving a workflow (v2 shape). */
  async workflowSearch(workflowId: string): Promise<EndpointLookupResponseV2> {
    const body = await this.http.requestJson({
      method: 'GET',
      path: `/messageexchange/workflowsearch/${encodeURIComponent(workflowId)}`,
    });
    return asRecord(body, 'workflowsearch') as unknown as EndpointLookupResponseV2;
  }

  /**
   * Sends an arbitrary request with this client's headers and token, whatever the status.
   * An escape hatch for conformance tests and new endpoints; the caller must consume the body.
   */
  request(req: MeshRequest): Promise<MeshResponse> {
    return this.http.request(req);
  }

  /** Destroys the keep-alive pool; in-flight requests fail. */
  close(): void {
    this.http.close();
  }
}
