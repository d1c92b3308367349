/**
 * Downloads: single chunks as raw streams, and whole messages as one stream that
 * fetches chunk after chunk, gunzipping each on its own (chunks are compressed
 * independently, so they cannot be treated as one gzip stream).
 */
import { Readable } from 'node:stream';
import { MeshError } from './errors.js';
import { decodedBody, type MeshHttp } from './http.js';
import type { ChunkResponse, DownloadChunkOptions, MessageDownload } from './types.js';

/** Parses `mex-Chunk-Range: n:N`; undefined when absent or malformed. */
export function parseChunkRange(value: string | undefined): { chunk: number; total: number } | undefined {
  const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(value ?? '');
  if (!match) return undefined;
  return { chunk: Number(match[1]), total: Number(match[2]) };
}

/** Path of chunk n: `/inbox/{id}` for chunk 1 (as real clients ask for it), `/inbox/{id}/{n}` after. */
export function inboxChunkPath(mailboxPath: string, messageId: string, n: number): string {
  const base = `${mailboxPath}/inbox/${encodeURIComponent(messageId)}`;
  return n === 1 ? base : `${base}/${n}`;
}

/** GETs one chunk; rejects with MeshApiError on non-2xx, otherwise hands back the body stream. */
export async function downloadChunk(
  http: MeshHttp,
  mailboxPath: string,
  messageId: string,
  n: number,
  options: DownloadChunkOptions = {},
): Promise<ChunkResponse> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chunk number must be a positive integer, got ${n}`);
  const res = await http.requestOk({
    method: 'GET',
    path: inboxChunkPath(mailboxPath, messageId, n),
    acceptGzip: options.acceptGzip !== false,
  });
  return { status: res.status, headers: res.headers, body: options.decompress === true ? decodedBody(res) : res.body };
}

/** Total chunk count from chunk 1's headers; a missing range means 1:1, as the Python client assumes. */
export function totalChunksFrom(headers: Record<string, string>): number {
  const range = parseChunkRange(headers['mex-chunk-range']);
  if (range) return range.total;
  const total = Number(headers['mex-total-chunks']);
  return Number.isSafeInteger(total) && total >= 0 ? total : 1;
}

async function* chunkBytes(response: ChunkResponse): AsyncGenerator<Buffer> {
  // Leaving the loop early destroys the stream, which pipeline() carries back to the socket.
  for await (const piece of decodedBody(response)) yield piece as Buffer;
}

/** Downloads a whole message as one decoded stream; rejects only if chunk 1 fails. */
export async function downloadMessage(
  http: MeshHttp,
  mailboxPath: string,
  messageId: string,
  options: { acceptGzip?: boolean } = {},
): Promise<MessageDownload> {
  const acceptGzip = options.acceptGzip !== false;
  const first = await downloadChunk(http, mailboxPath, messageId, 1, { acceptGzip });
  const totalChunks = totalChunksFrom(first.headers);

  async function* everyChunk(): AsyncGenerator<Buffer> {
    yield* chunkBytes(first);
    for (let n = 2; n <= totalChunks; n += 1) {
      const next = await downloadChunk(http, mailboxPath, messageId, n, { acceptGzip });
      const range = parseChunkRange(next.headers['mex-chunk-range']);
      if (range && (range.chunk !== n || range.total !== totalChunks)) {
        next.body.destroy();
        throw new MeshError(
          `chunk ${n} of ${messageId} came back with mex-Chunk-Range ${range.chunk}:${range.total}, ` +
            `expected ${n}:${totalChunks}`,
        );
      }
      yield* chunkBytes(next);
    }
  }

  const body = Readable.from(everyChunk(), { objectMode: false });
  // A generator that never started has no finally to run, so free chunk 1's socket here.
  body.once('close', () => {
    if (!first.body.readableEnded) first.body.destroy();
  });
  return { headers: first.headers, totalChunks, body };
}
