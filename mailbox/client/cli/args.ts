/**
 * Argument parsing for the `mesh` CLI: a thin layer over node:util `parseArgs`
 * that turns its errors into one-line usage errors, checks positional counts,
 * renders option help from the same table that drives parsing, and parses sizes.
 */
import { parseArgs } from 'node:util';

/** A mistake on the command line (exit code 2); the message is shown as-is. */
export class UsageError extends Error {
  /** Creates a usage error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One flag: how parseArgs reads it plus what `--help` says about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. `MAILBOX`. */
  value?: string;
  help: string;
}

/** Flags by long name (without the leading `--`). */
export type OptionTable = Record<string, OptionSpec>;

/** Parsed flag values by long name; absent flags are undefined. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** A parsed command line: flags and positionals. */
export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

/** How many positionals a command takes; `max` undefined means any number. */
export interface PositionalSpec {
  min: number;
  max: number | undefined;
}

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function toParseArgsOptions(table: OptionTable): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  return options;
}

/** Node's parseArgs messages carry hints over several clauses; a CLI wants one short line. */
function usageMessage(err: Error & { code?: string }): string {
  const quoted = /'(-[^']*)'/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? err.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (quoted === undefined) return err.message;
      return `option ${quoted.replace(/ <value>$/, '').split(', ').pop() ?? quoted} ${/does not take/.test(err.message) ? 'takes no value' : 'needs a value'}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ''}`.trim();
    default:
      return err.message;
  }
}

/** Parses argv strictly against `table`; any mistake becomes a {@link UsageError}. */
export function parseCommandArgs(argv: string[], table: OptionTable, positional: PositionalSpec): ParsedArgs {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: toParseArgsOptions(table), allowPositionals: true, strict: true });
  } catch (err) {
    if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
      throw new UsageError(usageMessage(err));
    }
    throw err;
  }
  const values: OptionValues = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    // No option is declared `multiple`, so parseArgs only ever yields strings and booleans here.
    if (typeof value === 'string' || typeof value === 'boolean') values[name] = value;
  }
  // --help wins over counting positionals, so `mesh send --help` works without a FILE.
  if (values['help'] !== true) checkPositionals(parsed.positionals, positional);
  return { values, positionals: parsed.positionals };
}

function checkPositionals(positionals: string[], spec: PositionalSpec): void {
  if (positionals.length < spec.min) throw new UsageError('missing argument');
  if (spec.max !== undefined && positionals.length > spec.max) {
    throw new UsageError(`unexpected argument ${positionals[spec.max]}`);
  }
}

/** The string value of a flag, or undefined when it was not given. */
export function optString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** True when a boolean flag was given. */
export function optFlag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** The value of a flag the command cannot run without. */
export function requireString(values: OptionValues, name: string): string {
  const value = optString(values, name);
  if (value === undefined || value === '') throw new UsageError(`missing --${name}`);
  return value;
}

/** Help lines for a table of flags, aligned in two columns. */
export function formatOptions(table: OptionTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, help]) => `${flag.padEnd(width)}${help}\n`).join('');
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses `1000`, `20MB` (10^6) or `75MiB` (2^20) into a positive whole number of bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) {
    throw new UsageError(`invalid size ${JSON.stringify(text)} (use bytes, or a suffix such as KB, MB, MiB)`);
  }
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(`invalid size ${JSON.stringify(text)}: must be a whole number of bytes, at least 1`);
  }
  return bytes;
}
