/**
 * What a soak run does: mailboxes, rate, duration, workflow and size mixes. Parsed from
 * the command line here so the runner only ever sees a validated plan.
 */
import { UsageError, parseSize } from '../cli/args.js';

/** One mailbox's credentials. */
export interface SoakMailbox {
  mailboxId: string;
  password: string;
}

/** One entry of the size mix: payload bytes and relative weight. */
export interface SizeWeight {
  bytes: number;
  weight: number;
}

/** A validated soak plan. */
export interface SoakPlan {
  senders: SoakMailbox[];
  receivers: SoakMailbox[];
  durationMs: number;
  /** Messages per second offered, across all senders. */
  rate: number;
  workflows: string[];
  sizes: SizeWeight[];
  chunkSize: number | undefined;
  /** Fraction (0..1) of messages sent with transport gzip. */
  compressRatio: number;
  drainMs: number;
  /** Most sends in flight at once; beyond it the generator falls behind the rate (and says so). */
  maxInFlight: number;
  /** Downloads each receiver runs at once. */
  receiverConcurrency: number;
  /** `workflow_filter` for the receivers' inbox listings. */
  workflowFilter: string | undefined;
  meshdPid: number | undefined;
}

export const DEFAULT_WORKFLOWS = ['MESH_SOAK'];
export const DEFAULT_SIZES = '1KB:80,100KB:15,3MB:5';

/** Parses `MB1:pw,MB2:pw` (a password may itself contain `:`, but not `,`). */
export function parseMailboxes(text: string, flag: string): SoakMailbox[] {
  const out: SoakMailbox[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const colon = item.indexOf(':');
    if (colon <= 0 || colon === item.length - 1) {
      throw new UsageError(`--${flag}: expected MAILBOX:PASSWORD, got ${JSON.stringify(item)}`);
    }
    const mailboxId = item.slice(0, colon);
    if (out.some((m) => m.mailboxId === mailboxId)) throw new UsageError(`--${flag}: mailbox ${mailboxId} given twice`);
    out.push({ mailboxId, password: item.slice(colon + 1) });
  }
  if (out.length === 0) throw new UsageError(`--${flag}: at least one MAILBOX:PASSWORD is needed`);
  return out;
}

/** Parses `500ms`, `30s`, `10m`, `1h` or bare seconds into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`--${flag}: invalid duration ${JSON.stringify(text)} (use e.g. 90s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

/** Parses `1KB:80,100KB:15,3MB:5`; a size without weight counts 1. */
export function parseSizeMix(text: string): SizeWeight[] {
  const out: SizeWeight[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [size, weight, ...rest] = item.split(':');
    const w = weight === undefined ? 1 : Number(weight);
    if (rest.length > 0 || !Number.isFinite(w) || w < 0) throw new UsageError(`--sizes: invalid entry ${JSON.stringify(item)} (use SIZE:WEIGHT)`);
    if (w > 0) out.push({ bytes: parseSize(size ?? ''), weight: w });
  }
  if (out.length === 0) throw new UsageError('--sizes: at least one size with a positive weight is needed');
  return out;
}

function positiveNumber(text: string, flag: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Raw flag text for {@link buildPlan}; undefined means "not given". */
export interface PlanFlags {
  senders: string | undefined;
  receivers: string | undefined;
  duration: string | undefined;
  rate: string | undefined;
  workflows: string | undefined;
  sizes: string | undefined;
  chunkSize: string | undefined;
  compressRatio: string | undefined;
  drain: string | undefined;
  maxInFlight: string | undefined;
  receiverConcurrency: string | undefined;
  workflowFilter: string | undefined;
  meshdPid: string | undefined;
}

/** Validates the flags into a plan; every mistake is a {@link UsageError}. */
export function buildPlan(flags: PlanFlags): SoakPlan {
  if (flags.senders === undefined) throw new UsageError('missing --senders');
  if (flags.receivers === undefined) throw new UsageError('missing --receivers');
  const senders = parseMailboxes(flags.senders, 'senders');
  const receivers = parseMailboxes(flags.receivers, 'receivers');
  const durationMs = parseDuration(flags.duration ?? '60s', 'duration');
  if (durationMs <= 0) throw new UsageError('--duration must be more than zero');
  const workflows = (flags.workflows ?? DEFAULT_WORKFLOWS.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (workflows.length === 0) throw new UsageError('--workflows: at least one workflow ID is needed');
  let compressRatio = 0;
  if (flags.compressRatio !== undefined) {
    compressRatio = Number(flags.compressRatio);
    if (flags.compressRatio.trim() === '' || !Number.isFinite(compressRatio) || compressRatio < 0 || compressRatio > 1) {
      throw new UsageError(`--compress-ratio: expected a number from 0 to 1, got ${JSON.stringify(flags.compressRatio)}`);
    }
  }
  let meshdPid: number | undefined;
  if (flags.meshdPid !== undefined) meshdPid = positiveNumber(flags.meshdPid, 'meshd-pid', true);
  return {
    senders,
    receivers,
    durationMs,
    rate: positiveNumber(flags.rate ?? '10', 'rate', false),
    workflows,
    sizes: parseSizeMix(flags.sizes ?? DEFAULT_SIZES),
    chunkSize: flags.chunkSize === undefined ? undefined : parseSize(flags.chunkSize),
    compressRatio,
    drainMs: parseDuration(flags.drain ?? '30s', 'drain'),
    maxInFlight: positiveNumber(flags.maxInFlight ?? '64', 'max-in-flight', true),
    receiverConcurrency: positiveNumber(flags.receiverConcurrency ?? '4', 'receiver-concurrency', true),
    workflowFilter: flags.workflowFilter,
    meshdPid,
  };
}

/** Picks an entry by weight with `random()` in [0, 1). */
export function pickWeighted<T extends { weight: number }>(items: readonly T[], random: () => number = Math.random): T {
  const total = items.reduce((a, b) => a + b.weight, 0);
  let r = random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1]!;
}
