/**
 * What a `mesh` subcommand is (name, flags, help, run) and what it is given to run
 * with (parsed arguments, the process streams, a lazily opened client). New commands
 * are one module exporting a {@link CliCommand}, listed in main.ts.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { MeshClient } from '../index.js';
import type { OptionTable, OptionValues, PositionalSpec } from './args.js';

/** The process surroundings a command may touch; tests can substitute any of them. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Everything a command's `run` receives. */
export interface CommandContext {
  values: OptionValues;
  positionals: string[];
  io: CliIo;
  /** Opens (once) the client for the configured mailbox; main.ts closes it after `run`. */
  client(): Promise<MeshClient>;
}

/** One `mesh` subcommand. */
export interface CliCommand {
  name: string;
  /** One line for `mesh --help`. */
  summary: string;
  /** The synopsis after `mesh `, e.g. `ack ID...`. */
  usage: string;
  /** Longer help text shown by `mesh COMMAND --help`, before the flags. */
  description: string;
  /** Command-specific flags; connection flags and --help are added by main.ts. */
  options: OptionTable;
  positionals: PositionalSpec;
  /** Throws on failure; main.ts turns errors into an exit code and one stderr line. */
  run(ctx: CommandContext): Promise<void>;
}

/** The `--json` flag, shared by commands that can print either form. */
export const JSON_OPTION: OptionTable = {
  json: { type: 'boolean', help: 'print JSON instead of plain text' },
};

/** Writes text, waiting for the stream to drain when its buffer is full. */
export async function writeOut(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** Writes one value as indented JSON followed by a newline. */
export function writeJson(stream: Writable, value: unknown): Promise<void> {
  return writeOut(stream, `${JSON.stringify(value, null, 2)}\n`);
}

/** Resolves once everything written so far has been handed to the OS (or fails with the write error). */
export function flushed(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write('', (err) => (err ? reject(err) : resolve()));
  });
}
