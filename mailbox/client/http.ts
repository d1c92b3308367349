/**
 * The one place the client talks HTTP: node:http/https `request` over a keep-alive
 * Agent, request bodies streamed with `stream.pipeline`, responses returned as streams.
 * Every request gets the MESH standard headers and, unless told otherwise, a fresh token.
 */
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { AuthTokenGenerator } from './auth-token.js';
import { MeshError, bodyLooksLikeMeshError, meshApiErrorFromBody } from './errors.js';
import type { MeshHeaders, MeshTlsOptions } from './types.js';

/** Version reported in the User-Agent and handshake headers. */
export const CLIENT_VERSION = '0.1.0';

/** Client name reported in the User-Agent and `mex-ClientVersion`. */
export const CLIENT_NAME = 'mesh-broker-client';

/** Largest JSON body the client will buffer; inbox pages of 5000 IDs are ~150 KB. */
const JSON_BODY_LIMIT = 16 * 1024 * 1024;

/** Error bodies are diagnostics, so a smaller cap keeps a misbehaving server from costing memory. */
const ERROR_BODY_LIMIT = 1024 * 1024;

/** The default User-Agent, in the Python client's `name;version;N/A;arch;os;release` layout. */
export function defaultUserAgent(): string {
  return `${CLIENT_NAME};${CLIENT_VERSION};N/A;${os.arch()};${os.type()};${os.release()}`;
}

/** One request as the MESH layer describes it. */
export interface MeshRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** Host-relative path including any query string, appended to the base URL verbatim. */
  path: string;
  headers?: Record<string, string>;
  /** A Buffer is sent with Content-Length; a stream is piped (set Content-Length yourself if known). */
  body?: Buffer | Readable;
  /** Send a fresh Authorization token (default true). */
  auth?: boolean;
  /** Send `Accept-Encoding: gzip` (default true); false sends `identity`. */
  acceptGzip?: boolean;
}

/** A response whose body has not been read yet. */
export interface MeshResponse {
  status: number;
  headers: MeshHeaders;
  body: Readable;
}

/** Settings for {@link MeshHttp}. */
export interface MeshHttpOptions {
  baseUrl: string;
  apiVersion: 1 | 2;
  tokens: AuthTokenGenerator;
  userAgent: string;
  timeoutMs: number;
  keepAlive: boolean;
  maxSockets?: number;
  tls?: MeshTlsOptions;
}

/** Lower-cases names and flattens repeated headers into one string each. */
export function normaliseHeaders(raw: http.IncomingHttpHeaders): MeshHeaders {
  const out: MeshHeaders = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** True when the response says its body is gzip. */
export function isGzip(headers: MeshHeaders): boolean {
  return (headers['content-encoding'] ?? '').trim().toLowerCase() === 'gzip';
}

/** Returns the body gunzipped when its Content-Encoding says gzip; errors and destroys propagate both ways. */
export function decodedBody(response: MeshResponse): Readable {
  if (!isGzip(response.headers)) return response.body;
  // The callback form returns the last stream, so the caller reads it while failures still reach both ends.
  return pipeline(response.body, createGunzip(), () => undefined);
}

/** Reads a small body fully (after gunzip), refusing more than `limit` bytes. */
export async function readSmallBody(response: MeshResponse, limit = JSON_BODY_LIMIT): Promise<Buffer> {
  const stream = decodedBody(response);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of stream) {
    const buf = piece as Buffer;
    size += buf.length;
    if (size > limit) {
      stream.destroy();
      throw new MeshError(`response body exceeds ${limit} bytes`);
    }
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

/** Parses JSON, or returns the text when it is not JSON, or undefined when empty. */
export function parseBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The request/response facts every MeshApiError records. */
function where(
  req: MeshRequest,
  res: MeshResponse,
): { status: number; method: string; path: string; headers: MeshHeaders } {
  return { status: res.status, method: req.method, path: req.path, headers: res.headers };
}

/** The client's HTTP session: base URL, keep-alive agent, standard headers and token source. */
export class MeshHttp {
  readonly baseUrl: string;
  readonly apiVersion: 1 | 2;
  private readonly tokens: AuthTokenGenerator;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  /** Creates the session and its connection pool. */
  constructor(options: MeshHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const url = new URL(this.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MeshError(`baseUrl must be http: or https:, got ${url.protocol}`);
    }
    this.apiVersion = options.apiVersion;
    this.tokens = options.tokens;
    this.userAgent = options.userAgent;
    this.timeoutMs = options.timeoutMs;
    const agentOptions: http.AgentOptions = { keepAlive: options.keepAlive };
    if (options.maxSockets !== undefined) agentOptions.maxSockets = options.maxSockets;
    if (url.protocol === 'https:') {
      const tls = options.tls ?? {};
      const httpsOptions: https.AgentOptions = { ...agentOptions, minVersion: 'TLSv1.2' };
      if (tls.cert !== undefined) httpsOptions.cert = tls.cert;
      if (tls.key !== undefined) httpsOptions.key = tls.key;
      if (tls.ca !== undefined) httpsOptions.ca = tls.ca;
      if (tls.rejectUnauthorized !== undefined) httpsOptions.rejectUnauthorized = tls.rejectUnauthorized;
      this.agent = new https.Agent(httpsOptions);
      this.transport = https;
    } else {
      this.agent = new http.Agent(agentOptions);
      this.transport = http;
    }
  }

  /** The Accept value for the configured API version. */
  get accept(): string {
    return this.apiVersion === 1 ? 'application/json' : 'application/vnd.mesh.v2+json';
  }

  /** Sends a request and resolves with the response, whatever its status. */
  request(req: MeshRequest): Promise<MeshResponse> {
    const headers: Record<string, string> = {
      Accept: this.accept,
      'User-Agent': this.userAgent,
    };
    // `identity` rather than no header: HTTP reads a missing Accept-Encoding as "anything goes".
    headers['Accept-Encoding'] = req.acceptGzip === false ? 'identity' : 'gzip';
    if (req.auth !== false) headers['Authorization'] = this.tokens.next();
    Object.assign(headers, req.headers);
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
    else if (req.body === undefined && (req.method === 'POST' || req.method === 'PUT')) headers['Content-Length'] = '0';

    return new Promise<MeshResponse>((resolve, reject) => {
      let responded = false;
      let clientRequest: http.ClientRequest;
      try {
        clientRequest = this.transport.request(new URL(this.baseUrl + req.path), {
          method: req.method,
          headers,
          agent: this.agent,
          timeout: this.timeoutMs,
        });
      } catch (err) {
        // Node validates header values synchronously (e.g. control characters).
        if (req.body instanceof Readable) req.body.destroy();
        reject(err instanceof Error ? err : new MeshError(String(err)));
        return;
      }
      clientRequest.on('response', (res) => {
        responded = true;
        resolve({ status: res.statusCode ?? 0, headers: normaliseHeaders(res.headers), body: res });
      });
      clientRequest.on('error', (err) => {
        if (!responded) reject(err);
      });
      clientRequest.on('timeout', () => {
        clientRequest.destroy(new MeshError(`${req.method} ${req.path} timed out after ${this.timeoutMs} ms idle`));
      });
      if (req.body instanceof Readable) {
        // A server may answer (e.g. 417) before reading the whole upload; that answer wins over write errors.
        pipeline(req.body, clientRequest, (err) => {
          if (err && !responded) reject(err);
        });
      } else {
        clientRequest.end(req.body);
      }
    });
  }

  /** Sends a request and rejects with MeshApiError unless the status is 2xx. */
  async requestOk(req: MeshRequest): Promise<MeshResponse> {
    const res = await this.request(req);
    if (res.status >= 200 && res.status < 300) return res;
    let body: unknown;
    try {
      body = parseBody(await readSmallBody(res, ERROR_BODY_LIMIT));
    } catch {
      // The status alone still makes a useful error if the body cannot be read.
      body = undefined;
    }
    throw meshApiErrorFromBody({ ...where(req, res), body });
  }

  /**
   * Sends a request expecting 2xx and returns its parsed body (undefined when empty).
   * Like the Python client, a 2xx body holding `errorDescription` or `detail` is an error.
   */
  async requestJson(req: MeshRequest): Promise<unknown> {
    const res = await this.requestOk(req);
    if (req.method === 'HEAD') {
      res.body.resume();
      return undefined;
    }
    const body = parseBody(await readSmallBody(res));
    if (bodyLooksLikeMeshError(body)) {
      throw meshApiErrorFromBody({ ...where(req, res), body });
    }
    return body;
  }

  /** Closes idle sockets and stops reusing connections. */
  close(): void {
    this.agent.destroy();
  }
}
