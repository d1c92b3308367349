/**
 * The `mesh` CLI's dispatcher: picks the command, parses its flags (plus the
 * connection flags and --help), runs it with a lazily opened client, and turns
 * any failure into one stderr line and an exit code. bin/mesh.ts only wires the process in.
 */
import type { MeshClient } from '../index.js';
import { CLIENT_VERSION } from '../index.js';
import { UsageError, formatOptions, parseCommandArgs, type OptionTable, type ParsedArgs } from './args.js';
import { writeOut, type CliCommand, type CliIo, type CommandContext } from './command.js';
import { CONNECTION_OPTIONS, openClient, resolveConnection } from './connection.js';
import { EXIT, ReportedFailure, errorLine, exitCodeFor } from './exit-codes.js';
import { countCommand, handshakeCommand, lookupCommand, trackCommand } from './info.js';
import { watchCommand } from './watch.js';
import { ackCommand, downloadCommand, inboxCommand } from './receive.js';
import { sendCommand } from './send.js';
import { soakCommand } from './soak.js';

/** Every command, in the order `mesh --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  handshakeCommand,
  sendCommand,
  inboxCommand,
  downloadCommand,
  ackCommand,
  trackCommand,
  lookupCommand,
  countCommand,
  watchCommand,
  soakCommand,
];

const HELP_OPTION: OptionTable = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

/** `mesh --help`: the command list and where settings come from. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('');
  return (
    'Usage: mesh COMMAND [options]\n\n' +
    'A client for MESH API v2 mailboxes.\n\n' +
    `Commands:\n${lines}\n` +
    `Connection options (every command; flags override the environment):\n${formatOptions(CONNECTION_OPTIONS)}\n` +
    'Exit codes: 0 ok, 2 usage error, 3 authentication failed, 4 not found, 5 other failure.\n' +
    "Run 'mesh COMMAND --help' for a command's own options.\n"
  );
}

/** `mesh COMMAND --help`. */
export function commandHelp(command: CliCommand): string {
  const own = Object.keys(command.options).length > 0 ? `Options:\n${formatOptions({ ...command.options, ...HELP_OPTION })}\n` : '';
  return (
    `Usage: mesh ${command.usage}\n\n${command.description}\n${own}` +
    `Connection options:\n${formatOptions(CONNECTION_OPTIONS)}`
  );
}

/** Process streams, environment and working directory, as the real process sees them. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

async function runCommand(command: CliCommand, argv: string[], io: CliIo): Promise<void> {
  const table: OptionTable = { ...command.options, ...CONNECTION_OPTIONS, ...HELP_OPTION };
  let parsed: ParsedArgs;
  try {
    parsed = parseCommandArgs(argv, table, command.positionals);
  } catch (err) {
    // The synopsis on the same line usually shows what was missing or misspelt.
    if (err instanceof UsageError) throw new UsageError(`${err.message} (usage: mesh ${command.usage})`);
    throw err;
  }
  const { values, positionals } = parsed;
  if (values['help'] === true) {
    await writeOut(io.stdout, commandHelp(command));
    return;
  }
  let opened: Promise<MeshClient> | undefined;
  const ctx: CommandContext = {
    values,
    positionals,
    io,
    // Resolved on first use, so a command's own flag errors are reported before missing settings;
    // commands ask for the client before any slow work (such as spooling stdin).
    client: () => (opened ??= (async () => openClient(resolveConnection(values, io.env)))()),
  };
  try {
    await command.run(ctx);
  } finally {
    // Closing the pool lets the process exit as soon as output drains.
    if (opened !== undefined) (await opened.catch(() => undefined))?.close();
  }
}

/** Runs `mesh` with the given arguments; resolves with the exit code and never rejects. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError("missing command (try 'mesh --help')");
    if (name === '--help' || name === '-h' || name === 'help') {
      await writeOut(io.stdout, globalHelp());
      return EXIT.ok;
    }
    if (name === '--version') {
      await writeOut(io.stdout, `mesh ${CLIENT_VERSION}\n`);
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
      const what = name.startsWith('-') ? 'unknown option' : 'unknown command';
      throw new UsageError(`${what} ${name} (try 'mesh --help')`);
    }
    await runCommand(command, rest, io);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ReportedFailure)) await writeOut(io.stderr, errorLine(err)).catch(() => undefined);
    return exitCodeFor(err);
  }
}
