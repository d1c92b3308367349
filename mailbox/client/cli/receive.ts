/**
 * The receiving side: `mesh inbox` lists every page of the inbox, `mesh download`
 * streams a message to a file or stdout, and `mesh ack` removes messages.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MeshApiError, MeshError, parseChunkRange, totalChunksFrom, type ChunkResponse, type MeshClient } from '../index.js';
import { optFlag, optString } from './args.js';
import { createProgress } from './progress.js';
import { isDownloadState, readState, removeState, testChunkDelay, writeState, type DownloadState } from './resume-state.js';
import { EXIT, ReportedFailure, errorLine, exitCodeFor, type ExitCode } from './exit-codes.js';
import { JSON_OPTION, flushed, writeJson, writeOut, type CliCommand, type CommandContext } from './command.js';

async function runInbox(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const workflowFilter = optString(ctx.values, 'workflow-filter');
  const ids = client.iterateInbox(workflowFilter === undefined ? {} : { workflowFilter });
  if (optFlag(ctx.values, 'json')) {
    const all: string[] = [];
    for await (const id of ids) all.push(id);
    await writeJson(ctx.io.stdout, all);
    return;
  }
  // Print as pages arrive, so a huge inbox shows progress and a pipe can start work early.
  for await (const id of ids) await writeOut(ctx.io.stdout, `${id}\n`);
}

/** `mesh inbox`. */
export const inboxCommand: CliCommand = {
  name: 'inbox',
  summary: 'list the message IDs in your inbox (every page)',
  usage: 'inbox [--workflow-filter F] [--json]',
  description: 'Prints one message ID per line, oldest first, following every page of the inbox.\n',
  options: {
    'workflow-filter': { type: 'string', value: 'F', help: 'only these workflows: WF, !WF, WF*, *_ACK*' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0 },
  run: runInbox,
};

/**
 * Streams `body` to `target` through `target.part`, fsyncs, then renames, so the
 * final name only ever holds a complete file (and is safe to acknowledge).
 */
export async function writeFileAtomically(body: Readable, target: string): Promise<void> {
  const part = `${target}.part`;
  const out = createWriteStream(part, { flush: true });
  try {
    await pipeline(body, out);
  } catch (err) {
    // Removing the file while the stream still holds it open would leave it to reappear on close.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await rm(part, { force: true });
    throw err;
  }
  await rename(part, target);
}

/** Streams `body` to stdout, leaving stdout open, and waits until the bytes have left the process. */
async function writeToStdout(body: Readable, stdout: Writable): Promise<void> {
  await pipeline(body, stdout, { end: false });
  await flushed(stdout);
}

/** Size of a file, or undefined when it does not exist. */
async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Fetches chunk n (n >= 2) of a message of `totalChunks`, checking the range it came back with. */
async function fetchChunk(client: MeshClient, messageId: string, n: number, totalChunks: number): Promise<ChunkResponse> {
  const res = await client.downloadChunk(messageId, n, { decompress: true });
  const range = parseChunkRange(res.headers['mex-chunk-range']);
  if (n > 1 && range && (range.chunk !== n || range.total !== totalChunks)) {
    res.body.destroy();
    throw new MeshError(
      `chunk ${n} of ${messageId} came back with mex-Chunk-Range ${range.chunk}:${range.total}, expected ${n}:${totalChunks}`,
    );
  }
  return res;
}

/**
 * Downloads a message to `target` through `target.part`, one chunk at a time, recording in
 * `target.part.json` how many chunks (and bytes) the part file holds after each. A rerun
 * with that record cuts off any torn chunk and continues with the next; once complete the
 * part file is renamed to `target` and the record removed.
 */
async function downloadResumably(ctx: CommandContext, client: MeshClient, messageId: string, target: string): Promise<void> {
  const part = `${target}.part`;
  const sidecar = `${part}.json`;
  const saved = await readState(sidecar, isDownloadState);
  const partSize = await sizeOf(part);
  let state: DownloadState | undefined =
    saved !== undefined && saved.messageId === messageId && partSize !== undefined && partSize >= saved.bytes ? saved : undefined;

  let next: ChunkResponse | undefined;
  if (state === undefined) {
    // Chunk 1 is requested before any file is created, so a 404 leaves nothing behind.
    next = await fetchChunk(client, messageId, 1, 0);
    state = { messageId, totalChunks: totalChunksFrom(next.headers), completeChunks: 0, bytes: 0 };
  } else {
    // Whatever follows the recorded length is a chunk that was cut off part-way.
    await truncate(part, state.bytes);
    const from = state.completeChunks + 1;
    const where = from > state.totalChunks ? 'with nothing left to fetch' : `at chunk ${from}/${state.totalChunks}`;
    await writeOut(ctx.io.stderr, `mesh: resuming download of ${messageId} ${where}\n`);
  }

  const progress = createProgress(ctx.io.stderr, optFlag(ctx.values, 'quiet'), { label: `download ${messageId}`, totalChunks: state.totalChunks });
  progress.add(state.bytes);
  for (let n = 0; n < state.completeChunks; n++) progress.chunkDone();
  try {
    for (let n = state.completeChunks + 1; n <= state.totalChunks; n += 1) {
      const res = next ?? (await fetchChunk(client, messageId, n, state.totalChunks));
      next = undefined;
      // A fresh download starts the part file over; a resumed one appends after the kept chunks.
      const out = createWriteStream(part, { flags: n === 1 ? 'w' : 'a', flush: true });
      res.body.on('data', (b: Buffer) => progress.add(b.length));
      try {
        await pipeline(res.body, out);
      } catch (err) {
        if (!out.closed) await once(out, 'close').catch(() => undefined);
        throw err;
      }
      state = { ...state, completeChunks: n, bytes: state.bytes + out.bytesWritten };
      await writeState(sidecar, state);
      progress.chunkDone();
      await testChunkDelay(ctx.io.env);
    }
  } catch (err) {
    next?.body.destroy();
    if (state.completeChunks === 0 || (err instanceof MeshApiError && (err.status === 404 || err.status === 410))) {
      // Nothing worth keeping, or the message is gone for good: leave no debris behind.
      await rm(part, { force: true });
      await removeState(sidecar);
      throw err;
    }
    await writeOut(ctx.io.stderr, `${errorLine(err).trimEnd()} (progress saved: run the same command again to resume)\n`);
    throw new ReportedFailure(exitCodeFor(err), err instanceof Error ? err.message : String(err));
  }
  progress.finish();
  await rename(part, target);
  await removeState(sidecar);
}

async function runDownload(ctx: CommandContext): Promise<void> {
  const messageId = ctx.positionals[0] as string;
  const output = optString(ctx.values, 'output') ?? '-';
  const client = await ctx.client();
  if (output === '-') {
    // Standard output cannot be rewound, so it is streamed straight through, chunk by chunk.
    const download = await client.downloadMessage(messageId);
    await writeToStdout(download.body, ctx.io.stdout);
  } else {
    await downloadResumably(ctx, client, messageId, resolve(ctx.io.cwd, output));
  }
  // Only now is the payload safe on our side; acknowledging earlier could lose it for good.
  if (optFlag(ctx.values, 'ack')) await client.acknowledge(messageId);
}

/** `mesh download`. */
export const downloadCommand: CliCommand = {
  name: 'download',
  summary: 'download a message to a file or standard output',
  usage: 'download ID [-o FILE|-] [--ack]',
  description:
    'Downloads every chunk of message ID, decompressing as needed. With -o FILE the bytes go to\n' +
    'FILE.part, which is renamed to FILE once complete; without -o (or with -o -) they go to\n' +
    'standard output. --ack acknowledges the message only after the output is complete.\n\n' +
    'Resuming: with -o FILE, FILE.part.json records after each chunk how many chunks and bytes\n' +
    'FILE.part holds. If the download is interrupted, run the same command again: it cuts\n' +
    'FILE.part back to the last complete chunk and fetches the rest. Delete FILE.part and\n' +
    'FILE.part.json to start over. Standard output is not resumable.\n',
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE instead of standard output' },
    ack: { type: 'boolean', help: 'acknowledge the message once it is fully written' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress display (it only shows on a terminal anyway)' },
  },
  positionals: { min: 1, max: 1 },
  run: runDownload,
};

async function runAck(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  let firstCode: ExitCode | undefined;
  // One bad ID should not strand the rest, so report each failure and carry on.
  for (const messageId of ctx.positionals) {
    try {
      await client.acknowledge(messageId);
    } catch (err) {
      const code = exitCodeFor(err);
      firstCode ??= code;
      await writeOut(ctx.io.stderr, errorLine(err).replace(/^mesh: /, `mesh: ack ${messageId}: `));
      // Refused credentials will refuse every other ID too; one line says it all.
      if (code === EXIT.auth) break;
    }
  }
  if (firstCode !== undefined) throw new ReportedFailure(firstCode, 'some messages could not be acknowledged');
}

/** `mesh ack`. */
export const ackCommand: CliCommand = {
  name: 'ack',
  summary: 'acknowledge messages, removing them from your inbox',
  usage: 'ack ID...',
  description: 'Acknowledges each message ID in turn; a failure is reported and the rest still run.\n',
  options: {},
  positionals: { min: 1, max: undefined },
  run: runAck,
};
