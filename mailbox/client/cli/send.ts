/**
 * `mesh send FILE|-`: uploads a file (streamed chunk by chunk by the client
 * library) or standard input, and prints the new message ID.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SendMessageOptions } from '../types.js';
import { optFlag, optString, parseSize, requireString } from './args.js';
import { JSON_OPTION, writeJson, writeOut, type CliCommand, type CommandContext } from './command.js';

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

async function runSend(ctx: CommandContext): Promise<void> {
  const source = ctx.positionals[0] ?? '-';
  // Validate every flag before reading stdin, so a typo does not swallow the input first.
  const options = sendOptionsFrom(ctx);
  const client = await ctx.client();
  let messageId: string;
  if (source === '-') {
    const spooled = await spoolToTempFile(ctx.io.stdin);
    try {
      messageId = await client.sendMessage({ ...options, body: { filePath: spooled.path } });
    } finally {
      await spooled.dispose();
    }
  } else {
    messageId = await client.sendMessage({ ...options, body: { filePath: resolve(ctx.io.cwd, source) } });
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
    'the number of chunks up front. mex-FileName defaults to the base name of FILE.\n',
  options: {
    to: { type: 'string', value: 'MAILBOX', help: 'recipient mailbox ID (required)' },
    workflow: { type: 'string', value: 'ID', help: 'workflow ID (required)' },
    subject: { type: 'string', value: 'S', help: 'mex-Subject' },
    'local-id': { type: 'string', value: 'L', help: 'mex-LocalID, your own reference' },
    filename: { type: 'string', value: 'F', help: 'mex-FileName (default: base name of FILE)' },
    'content-type': { type: 'string', value: 'T', help: 'media type of the payload' },
    compress: { type: 'boolean', help: 'gzip each chunk in transit' },
    'chunk-size': { type: 'string', value: 'SIZE', help: 'largest chunk: bytes, or e.g. 20MB, 75MiB (default 75MiB)' },
    ...JSON_OPTION,
  },
  positionals: { min: 1, max: 1 },
  run: runSend,
};
