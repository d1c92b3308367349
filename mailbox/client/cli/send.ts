/**
 * `mesh send FILE|-`: uploads a file (streamed chunk by chunk) or standard input,
 * and prints the new message ID. A chunked send of a named file records each chunk
 * the server acknowledged, so running the same command again after an interruption
 * carries on with the chunks the server still lacks, under the same message ID.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MeshApiError, MeshUploadError, bodyLooksLikeMeshError, meshApiErrorFromBody, type MeshClient } from '../index.js';
import { parseBody, readSmallBody } from '../http.js';
import { DEFAULT_MAX_CHUNK_SIZE, chunkCount, chunkRange, gzipChunk } from '../payload.js';
import { firstChunkHeaders, messageIdFromSendResponse } from '../send.js';
import type { SendMessageOptions } from '../types.js';
import { optFlag, optString, parseSize, requireString } from './args.js';
import { JSON_OPTION, writeJson, writeOut, type CliCommand, type CommandContext } from './command.js';
import { ReportedFailure, errorLine, exitCodeFor } from './exit-codes.js';
import { createProgress } from './progress.js';
import { isSendState, readState, removeState, stateDir, stateKey, testChunkDelay, writeState, type SendState } from './resume-state.js';

/** A payload on disk, plus a clean-up for spooled copies. */
interface SpooledFile {
  path: string;
  dispose(): Promise<void>;
}

/**
 * Copies a stream to a private temp file, so its size (and so the chunk count that
 * chunk 1 must declare) is known before upload. Memory stays at one stream buffer.
 */
export async function spoolToTempFile(input: Readable): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-send-'));
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'stdin');
  try {
    // 0600: the payload may be patient data, and the temp dir is shared.
    await pipeline(input, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  } catch (err) {
    await dispose();
    throw err;
  }
  return { path, dispose };
}

/** Builds the library's send options from the parsed flags (everything but the body). */
export function sendOptionsFrom(ctx: CommandContext): Omit<SendMessageOptions, 'body'> {
  const { values } = ctx;
  const options: Omit<SendMessageOptions, 'body'> = {
    to: requireString(values, 'to'),
    workflowId: requireString(values, 'workflow'),
  };
  const subject = optString(values, 'subject');
  const localId = optString(values, 'local-id');
  const contentType = optString(values, 'content-type');
  const chunkSize = optString(values, 'chunk-size');
  const source = ctx.positionals[0];
  // A named file lends its name to mex-FileName unless told otherwise; stdin has no name to lend.
  const fileName = optString(values, 'filename') ?? (source !== undefined && source !== '-' ? basename(source) : undefined);
  if (subject !== undefined) options.subject = subject;
  if (localId !== undefined) options.localId = localId;
  if (fileName !== undefined) options.fileName = fileName;
  if (contentType !== undefined) options.contentType = contentType;
  if (chunkSize !== undefined) options.chunkSize = parseSize(chunkSize);
  if (optFlag(values, 'compress')) options.compress = true;
  return options;
}

/** POSTs chunk 1 (bytes [start, end) of the file) to /outbox; resolves with the new message ID. */
async function sendFirstChunk(
  client: MeshClient,
  options: Omit<SendMessageOptions, 'body'>,
  filePath: string,
  end: number,
  totalChunks: number,
): Promise<string> {
  const compress = options.compress === true;
  const bytes: Buffer | Readable = end > 0 ? createReadStream(filePath, { start: 0, end: end - 1 }) : Buffer.alloc(0);
  const headers = firstChunkHeaders(options, totalChunks);
  // Gzip output has no length up front, so compressed chunks go with chunked transfer encoding.
  if (!compress) headers['Content-Length'] = String(end);
  const path = `/messageexchange/${encodeURIComponent(client.mailboxId)}/outbox`;
  const res = await client.request({ method: 'POST', path, headers, body: compress ? gzipChunk(bytes) : bytes });
  const where = { status: res.status, method: 'POST', path, headers: res.headers };
  if (res.status < 200 || res.status >= 300) {
    let body: unknown;
    try {
      body = parseBody(await readSmallBody(res, 1024 * 1024));
    } catch {
      body = undefined;
    }
    throw meshApiErrorFromBody({ ...where, body });
  }
  const body = parseBody(await readSmallBody(res));
  if (bodyLooksLikeMeshError(body)) throw meshApiErrorFromBody({ ...where, body });
  return messageIdFromSendResponse(body);
}

/** Sends `filePath` chunk by chunk, recording progress in the state dir; resolves with the message ID. */
async function sendResumably(
  ctx: CommandContext,
  client: MeshClient,
  options: Omit<SendMessageOptions, 'body'>,
  filePath: string,
  info: { size: number; mtimeMs: number },
  chunkSize: number,
  totalChunks: number,
): Promise<string> {
  const { env } = ctx.io;
  // Everything that shapes the message on the wire is in the key, so a changed file or flag starts afresh.
  const key = stateKey({
    url: client.baseUrl,
    mailbox: client.mailboxId,
    file: filePath,
    size: info.size,
    mtimeMs: info.mtimeMs,
    chunkSize,
    options,
  });
  const stateFile = join(stateDir(env), `send-${key}.json`);
  let state: SendState | undefined;
  if (optFlag(ctx.values, 'no-resume')) await removeState(stateFile);
  else state = await readState(stateFile, isSendState);
  if (state !== undefined && (state.totalChunks !== totalChunks || state.chunkSize !== chunkSize)) state = undefined;

  const resumed = state !== undefined;
  const progress = createProgress(ctx.io.stderr, optFlag(ctx.values, 'quiet'), { label: `send ${basename(filePath)}`, totalBytes: info.size, totalChunks });
  const countChunk = (n: number): void => {
    const r = chunkRange(n, info.size, chunkSize);
    progress.add(r.end - r.start + 1);
    progress.chunkDone();
  };
  for (const n of state?.sentChunks ?? []) countChunk(n);
  if (state === undefined) {
    const first = chunkRange(1, info.size, chunkSize);
    const messageId = await sendFirstChunk(client, options, filePath, first.end, totalChunks);
    state = { messageId, totalChunks, chunkSize, sentChunks: [1], file: filePath };
    await writeState(stateFile, state);
    countChunk(1);
    await testChunkDelay(env);
  }
  const { messageId } = state;
  const done = new Set(state.sentChunks);
  const pending: number[] = [];
  for (let n = 2; n <= totalChunks; n += 1) if (!done.has(n)) pending.push(n);
  if (resumed) {
    const from = pending[0] === undefined ? 'with nothing left to send' : `at chunk ${pending[0]}/${totalChunks}`;
    await writeOut(ctx.io.stderr, `mesh: resuming upload of ${messageId} ${from}\n`);
  }

  for (const n of pending) {
    const range = chunkRange(n, info.size, chunkSize);
    try {
      await client.sendChunk(messageId, n, totalChunks, { filePath, start: range.start, end: range.end }, { compress: options.compress === true });
    } catch (err) {
      const failure = new MeshUploadError(messageId, n, totalChunks, err);
      if (err instanceof MeshApiError && err.status === 423) {
        // "Upload already finalised": every chunk arrived, the last acknowledgement was lost in the interruption.
        await removeState(stateFile);
        await writeOut(ctx.io.stderr, `mesh: the server already holds every chunk of ${messageId}; upload complete\n`);
        return messageId;
      }
      if (err instanceof MeshApiError && (err.status === 404 || err.status === 410)) {
        await removeState(stateFile);
        await writeOut(ctx.io.stderr, `${errorLine(failure).trimEnd()} (the message is gone; discarded the resume record, so running the command again sends afresh)\n`);
        throw new ReportedFailure(exitCodeFor(failure), failure.message);
      }
      await writeOut(ctx.io.stderr, `${errorLine(failure).trimEnd()} (progress saved: run the same command again to resume)\n`);
      throw new ReportedFailure(exitCodeFor(failure), failure.message);
    }
    state.sentChunks.push(n);
    await writeState(stateFile, state);
    countChunk(n);
    await testChunkDelay(env);
  }
  progress.finish();
  await removeState(stateFile);
  return messageId;
}

async function runSend(ctx: CommandContext): Promise<void> {
  const source = ctx.positionals[0] ?? '-';
  // Validate every flag before reading stdin, so a typo does not swallow the input first.
  const options = sendOptionsFrom(ctx);
  const client = await ctx.client();
  let messageId: string;
  if (source === '-') {
    // Stdin cannot be read twice, so there is nothing to resume from: send it in one go.
    const spooled = await spoolToTempFile(ctx.io.stdin);
    try {
      messageId = await client.sendMessage({ ...options, body: { filePath: spooled.path } });
    } finally {
      await spooled.dispose();
    }
  } else {
    const filePath = resolve(ctx.io.cwd, source);
    const info = await stat(filePath);
    const chunkSize = options.chunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
    const totalChunks = chunkCount(info.size, chunkSize);
    if (!info.isFile() || totalChunks === 1) {
      // One chunk is all or nothing, and the library reports a non-file itself.
      messageId = await client.sendMessage({ ...options, body: { filePath } });
    } else {
      messageId = await sendResumably(ctx, client, options, filePath, info, chunkSize, totalChunks);
    }
  }
  if (optFlag(ctx.values, 'json')) await writeJson(ctx.io.stdout, { message_id: messageId });
  else await writeOut(ctx.io.stdout, `${messageId}\n`);
}

/** `mesh send`. */
export const sendCommand: CliCommand = {
  name: 'send',
  summary: 'send a file or standard input; prints the message ID',
  usage: 'send FILE|- --to MAILBOX --workflow ID [options]',
  description:
    'Sends FILE, or standard input when FILE is -, to another mailbox. The file is streamed\n' +
    'chunk by chunk; standard input is first copied to a private temp file, because MESH needs\n' +
    'the number of chunks up front. mex-FileName defaults to the base name of FILE.\n\n' +
    'Resuming: a FILE sent in more than one chunk is resumable. After each chunk the server\n' +
    'acknowledges, progress is saved under $MESH_STATE_DIR (default ~/.mesh-client/state),\n' +
    'keyed by the server, mailbox, file (path, size, modification time) and every send flag.\n' +
    'If the send is interrupted, run the same command again: it continues the same message\n' +
    'with the chunks not yet acknowledged and prints the same message ID. --no-resume ignores\n' +
    'saved progress and starts a new message. The record is removed once the send completes,\n' +
    'or when the server says the message is gone. Standard input is never resumable.\n',
  options: {
    to: { type: 'string', value: 'MAILBOX', help: 'recipient mailbox ID (required)' },
    workflow: { type: 'string', value: 'ID', help: 'workflow ID (required)' },
    subject: { type: 'string', value: 'S', help: 'mex-Subject' },
    'local-id': { type: 'string', value: 'L', help: 'mex-LocalID, your own reference' },
    filename: { type: 'string', value: 'F', help: 'mex-FileName (default: base name of FILE)' },
    'content-type': { type: 'string', value: 'T', help: 'media type of the payload' },
    compress: { type: 'boolean', help: 'gzip each chunk in transit' },
    'chunk-size': { type: 'string', value: 'SIZE', help: 'largest chunk: bytes, or e.g. 20MB, 75MiB (default 75MiB)' },
    'no-resume': { type: 'boolean', help: 'start a new message even if an earlier send of FILE was interrupted' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress display (it only shows on a terminal anyway)' },
    ...JSON_OPTION,
  },
  positionals: { min: 1, max: 1 },
  run: runSend,
};
