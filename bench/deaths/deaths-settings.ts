/**
 * Knobs of `npm run bench:deaths`: flags for a one-off run, DEATHS_BENCH_* and BENCH_* variables
 * for the rest. Every size is bounded, so a typo cannot ask for a week of generation.
 */
import { parseArgs } from 'node:util';
import type { PartialDateStyle } from './gro-xml.js';
import { MAX_POPULATION } from './population.js';

export interface DeathsBenchSettings {
  seed: number;
  people: number;
  registrations: number;
  practices: number;
  runs: number;
  /** Share of registrations amended in a second file sent after the first (0: none, the default). */
  amendmentRate: number;
  partialDateStyle: PartialDateStyle;
  /** Largest uncompressed MESH chunk for the XML upload. */
  chunkBytes: number;
  /** Longest wait for the file to be processed, per run. */
  timeoutMs: number;
  logLevel: string;
  /** Keep the generated inputs (people, XML) after the run; the truth and mismatches are always kept. */
  keepInputs: boolean;
  /** Where to put the run's files; default a new directory under the system temp dir. */
  workDir: string | null;
}

export const DEATHS_BENCH_HELP = `Usage: npm run bench:deaths [-- --seed N --people N --registrations N --runs N]

Generates a synthetic population and GRO death registrations with known truth (bench/deaths/),
imports the people with 'meshd pds import', sends the XML to a meshd child through the
gro-deaths adapter, and scores every outcome: auto-matched, manual, false matches (must be 0:
the exit status is 1 otherwise), missed; with import and trace throughput and peak RSS.

Environment:
  DEATHS_BENCH_SEED=1                seed of the generator (same seed, same files)
  DEATHS_BENCH_PEOPLE=1000000        population size (quick: 100000)
  DEATHS_BENCH_REGISTRATIONS=100000  first registrations in the file (quick: 10000)
  DEATHS_BENCH_PRACTICES=200         GP practices, one mailbox each
  DEATHS_BENCH_AMENDMENTS=0          share amended in a second file sent afterwards (e.g. 0.02)
  DEATHS_BENCH_PARTIAL_DATES=sibling partial birth dates beside DeceasedBirthDate's place, or nested
  DEATHS_BENCH_CHUNK_BYTES=50MiB     MESH chunk size for the upload
  DEATHS_BENCH_TIMEOUT_S=1800        longest wait for the file to be processed
  DEATHS_BENCH_KEEP=0                1 keeps the generated people and XML files
  DEATHS_BENCH_DIR=                  working directory (default: a new one under the temp dir)
  BENCH_RUNS=1                       runs (each: fresh meshd, import, send)
  BENCH_LOG_LEVEL=warn               meshd log level
`;

const SIZE = /^(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)?$/i;
const UNITS: Record<string, number> = { kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A setting that could not be used: the message names it. */
export class DeathsSettingsError extends Error {}

/** Reads flags then environment; null when --help was asked for. */
export function loadDeathsSettings(argv: string[], env: NodeJS.ProcessEnv): DeathsBenchSettings | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { seed: { type: 'string' }, people: { type: 'string' }, registrations: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    throw new DeathsSettingsError((err as Error).message.split('. ')[0] ?? String(err));
  }
  if (values.help) return null;
  const people = int('DEATHS_BENCH_PEOPLE', values.people ?? env['DEATHS_BENCH_PEOPLE'], 1_000_000, 2, MAX_POPULATION);
  const registrations = int('DEATHS_BENCH_REGISTRATIONS', values.registrations ?? env['DEATHS_BENCH_REGISTRATIONS'], 100_000, 1, 1_000_000);
  if (registrations > people / 2) throw new DeathsSettingsError(`DEATHS_BENCH_REGISTRATIONS (${registrations}) must be at most half of DEATHS_BENCH_PEOPLE (${people})`);
  const style = env['DEATHS_BENCH_PARTIAL_DATES'] ?? 'sibling';
  if (style !== 'sibling' && style !== 'nested') throw new DeathsSettingsError(`DEATHS_BENCH_PARTIAL_DATES must be sibling or nested, got ${style}`);
  const amendmentRate = Number(env['DEATHS_BENCH_AMENDMENTS'] ?? '0');
  if (!(amendmentRate >= 0 && amendmentRate <= 1)) throw new DeathsSettingsError(`DEATHS_BENCH_AMENDMENTS must be a share in [0, 1], got ${env['DEATHS_BENCH_AMENDMENTS']}`);
  const logLevel = env['BENCH_LOG_LEVEL'] ?? 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new DeathsSettingsError(`BENCH_LOG_LEVEL ${logLevel} is not a pino level`);
  return {
    seed: int('DEATHS_BENCH_SEED', values.seed ?? env['DEATHS_BENCH_SEED'], 1, 0, 2 ** 32 - 1),
    people,
    registrations,
    practices: int('DEATHS_BENCH_PRACTICES', env['DEATHS_BENCH_PRACTICES'], 200, 1, 10_000),
    runs: int('BENCH_RUNS', values.runs ?? env['BENCH_RUNS'], 1, 1, 20),
    amendmentRate,
    partialDateStyle: style,
    chunkBytes: size('DEATHS_BENCH_CHUNK_BYTES', env['DEATHS_BENCH_CHUNK_BYTES'], 50 * 1024 ** 2, 1024 ** 2, 95 * 1024 ** 2),
    timeoutMs: int('DEATHS_BENCH_TIMEOUT_S', env['DEATHS_BENCH_TIMEOUT_S'], 1800, 10, 24 * 3600) * 1000,
    logLevel,
    keepInputs: env['DEATHS_BENCH_KEEP'] === '1',
    workDir: env['DEATHS_BENCH_DIR'] || null,
  };
}

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new DeathsSettingsError(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
  return value;
}

function size(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const m = SIZE.exec(raw.trim());
  const value = m ? Math.round(Number(m[1]) * (m[2] ? UNITS[m[2].toLowerCase()]! : 1)) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new DeathsSettingsError(`${name} must be a size from ${min} to ${max} bytes (KiB/MiB/GiB allowed), got ${raw}`);
  return value;
}
