/**
 * The receiving side: `mesh inbox` lists every page of the inbox, `mesh download`
 * streams a message to a file or stdout, and `mesh ack` removes messages.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { optFlag, optString } from './args.js';
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

async function runDownload(ctx: CommandContext): Promise<void> {
  const messageId = ctx.positionals[0] as string;
  const output = optString(ctx.values, 'output') ?? '-';
  const client = await ctx.client();
  // Chunk 1 is requested before any file is created, so a 404 leaves nothing behind.
  const download = await client.downloadMessage(messageId);
  if (output === '-') await writeToStdout(download.body, ctx.io.stdout);
  else await writeFileAtomically(download.body, resolve(ctx.io.cwd, output));
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
    'standard output. --ack acknowledges the message only after the output is complete.\n',
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE instead of standard output' },
    ack: { type: 'boolean', help: 'acknowledge the message once it is fully written' },
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
