/**
 * A tiny HTTP server for client tests: records exactly what the client put on the
 * wire (method, path, headers, body bytes and hash) and lets each test script the reply.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path plus query string, exactly as sent. */
  url: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The body bytes, unless the server was started with `keepBodies: false`. */
  body: Buffer;
  /** Bytes received, counted even when bodies are not kept. */
  size: number;
  sha256: string;
  /** Client port, so tests can tell whether a connection was reused. */
  remotePort: number;
}

/** How a test answers a request. */
export type FakeHandler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** A running fake server. */
export interface FakeServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Receives every body piece in arrival order; lets a test hash 50 MiB without keeping it. */
  onData?: (req: http.IncomingMessage, piece: Buffer) => void;
  close(): Promise<void>;
}

/** Replies with a JSON body and the given status. */
export function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/vnd.mesh.v2+json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts a server on 127.0.0.1, port 0; closed automatically when the test ends. */
export async function startFakeServer(
  t: { teardown(fn: () => unknown): void },
  handler: FakeHandler,
  options: { keepBodies?: boolean } = {},
): Promise<FakeServer> {
  const keepBodies = options.keepBodies !== false;
  const requests: RecordedRequest[] = [];
  const fake: FakeServer = {
    baseUrl: '',
    requests,
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (piece: Buffer) => {
      size += piece.length;
      hash.update(piece);
      if (keepBodies) parts.push(piece);
      fake.onData?.(req, piece);
    });
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(parts),
        size,
        sha256: hash.digest('hex'),
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.writeHead(599);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(() => fake.close());
  return fake;
}

/** Test credentials shared by the client tests. */
export const CREDS = { mailboxId: 'X26ABC1', password: 'password', sharedKey: 'TestKey' } as const;
