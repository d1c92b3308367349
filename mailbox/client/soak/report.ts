/**
 * The soak report: counts, throughput, latency percentiles, errors by kind, peak RSS and
 * the verdict, as JSON or as a plain-text table for a terminal.
 */
import type { ErrorCounts } from './errors.js';
import type { LedgerSummary, Problem } from './ledger.js';
import type { SoakPlan } from './plan.js';
import { summarise, type LatencySummary } from './stats.js';

/** Everything a finished run knows, for {@link buildReport}. */
export interface ReportInput {
  runId: string;
  plan: SoakPlan;
  ledger: LedgerSummary;
  errors: ErrorCounts;
  sendPhaseMs: number;
  deliveryMs: number;
  elapsedMs: number;
  throttled: number;
  receivedBytes: number;
  meshdPeakRssKiB: number | null;
  clientPeakRssKiB: number;
}

/** The report printed by `mesh soak` (the --json shape). */
export interface SoakReport {
  ok: boolean;
  /** Why the run failed, one phrase each; empty when ok. */
  failures: string[];
  runId: string;
  plan: {
    senders: string[];
    receivers: string[];
    durationS: number;
    rate: number;
    workflows: string[];
    sizes: Array<{ bytes: number; weight: number }>;
    chunkSize: number | null;
    compressRatio: number;
    drainS: number;
  };
  counts: {
    sent: number;
    accepted: number;
    failedSends: number;
    received: number;
    duplicates: number;
    corrupted: number;
    lost: number;
    unexpected: number;
    receivedAfterFailedSend: number;
  };
  throughput: {
    /** Accepted messages per second over the sending phase. */
    acceptedPerSec: number;
    /** Received messages per second from the start until the last arrival. */
    deliveredPerSec: number;
    receivedMiBPerSec: number;
    /** Times the generator fell behind the rate because --max-in-flight sends were running. */
    throttled: number;
  };
  /** Milliseconds, each measured from the start of the send. */
  latencyMs: { send: LatencySummary; visible: LatencySummary; acknowledged: LatencySummary };
  errors: Record<string, { count: number; example: string }>;
  peakRss: { meshdKiB: number | null; clientKiB: number };
  elapsedS: number;
  problems: Problem[];
}

const round = (v: number, places = 2): number => (Number.isFinite(v) ? Math.round(v * 10 ** places) / 10 ** places : 0);

/** Builds the report and the verdict: ok only with something accepted and no loss, duplicate or corruption. */
export function buildReport(input: ReportInput): SoakReport {
  const { ledger, plan } = input;
  const failures: string[] = [];
  if (ledger.lost > 0) failures.push(`${ledger.lost} lost`);
  if (ledger.duplicates > 0) failures.push(`${ledger.duplicates} duplicated`);
  if (ledger.corrupted > 0) failures.push(`${ledger.corrupted} corrupted`);
  if (ledger.unexpected > 0) failures.push(`${ledger.unexpected} unexpected`);
  if (ledger.stillSending > 0) failures.push(`${ledger.stillSending} sends never finished`);
  if (ledger.accepted === 0) failures.push('no message was accepted');
  return {
    ok: failures.length === 0,
    failures,
    runId: input.runId,
    plan: {
      senders: plan.senders.map((m) => m.mailboxId),
      receivers: plan.receivers.map((m) => m.mailboxId),
      durationS: plan.durationMs / 1000,
      rate: plan.rate,
      workflows: plan.workflows,
      sizes: plan.sizes,
      chunkSize: plan.chunkSize ?? null,
      compressRatio: plan.compressRatio,
      drainS: plan.drainMs / 1000,
    },
    counts: {
      sent: ledger.sent,
      accepted: ledger.accepted,
      failedSends: ledger.failedSends,
      received: ledger.received,
      duplicates: ledger.duplicates,
      corrupted: ledger.corrupted,
      lost: ledger.lost,
      unexpected: ledger.unexpected,
      receivedAfterFailedSend: ledger.receivedAfterFailedSend,
    },
    throughput: {
      acceptedPerSec: round(ledger.accepted / (input.sendPhaseMs / 1000)),
      deliveredPerSec: round(ledger.received / (input.deliveryMs / 1000)),
      receivedMiBPerSec: round(input.receivedBytes / 1024 / 1024 / (input.deliveryMs / 1000)),
      throttled: input.throttled,
    },
    latencyMs: {
      send: summarise(ledger.latencies.sendMs),
      visible: summarise(ledger.latencies.visibleMs),
      acknowledged: summarise(ledger.latencies.ackedMs),
    },
    errors: input.errors.toJSON(),
    peakRss: { meshdKiB: input.meshdPeakRssKiB, clientKiB: input.clientPeakRssKiB },
    elapsedS: round(input.elapsedMs / 1000, 1),
    problems: ledger.problems,
  };
}

function fmtMs(v: number | null): string {
  return v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(1)}ms`;
}

function fmtKiB(v: number | null): string {
  return v === null ? 'n/a' : `${(v / 1024).toFixed(1)} MiB`;
}

function fmtBytes(n: number): string {
  // Decimal units, as --sizes and --chunk-size take them (KB = 1000).
  for (const [unit, size] of [['GB', 1e9], ['MB', 1e6], ['KB', 1e3]] as const) if (n >= size) return `${+(n / size).toFixed(2)}${unit}`;
  return `${n}B`;
}

/** The plain-text form of the report. */
export function formatReport(r: SoakReport): string {
  const c = r.counts;
  const lines: string[] = [];
  lines.push(`mesh soak ${r.runId}: ${r.ok ? 'PASS' : `FAIL (${r.failures.join(', ')})`}`);
  lines.push(
    `plan       ${r.plan.senders.join(',')} -> ${r.plan.receivers.join(',')}, ${r.plan.rate} msg/s for ${r.plan.durationS}s, ` +
      `workflows ${r.plan.workflows.join(',')}, sizes ${r.plan.sizes.map((s) => `${fmtBytes(s.bytes)}:${s.weight}`).join(',')}` +
      `${r.plan.chunkSize !== null ? `, chunk ${fmtBytes(r.plan.chunkSize)}` : ''}, compress ${r.plan.compressRatio}`,
  );
  lines.push(`messages   sent ${c.sent}  accepted ${c.accepted}  failed sends ${c.failedSends}  received ${c.received}`);
  lines.push(`integrity  lost ${c.lost}  duplicates ${c.duplicates}  corrupted ${c.corrupted}  unexpected ${c.unexpected}  arrived-after-failed-send ${c.receivedAfterFailedSend}`);
  lines.push(
    `throughput ${r.throughput.acceptedPerSec} msg/s accepted, ${r.throughput.deliveredPerSec} msg/s delivered, ` +
      `${r.throughput.receivedMiBPerSec} MiB/s received${r.throughput.throttled ? `, throttled ${r.throughput.throttled}x by --max-in-flight` : ''}`,
  );
  lines.push('latency (from send start)   count      p50      p95      p99      max');
  const row = (name: string, s: LatencySummary): string =>
    `  ${name.padEnd(26)}${String(s.count).padStart(6)}${[s.p50, s.p95, s.p99, s.max].map((v) => fmtMs(v).padStart(9)).join('')}`;
  lines.push(row('send -> 202', r.latencyMs.send));
  lines.push(row('send -> visible in inbox', r.latencyMs.visible));
  lines.push(row('send -> acknowledged', r.latencyMs.acknowledged));
  const errs = Object.entries(r.errors);
  lines.push(`errors     ${errs.length === 0 ? 'none' : ''}`);
  for (const [kind, e] of errs) lines.push(`  ${String(e.count).padStart(6)}  ${kind}  (e.g. ${e.example})`);
  lines.push(`peak RSS   meshd ${fmtKiB(r.peakRss.meshdKiB)}${r.peakRss.meshdKiB === null ? ' (use --meshd-pid)' : ''}, this client ${fmtKiB(r.peakRss.clientKiB)}`);
  lines.push(`elapsed    ${r.elapsedS}s`);
  if (r.problems.length > 0) {
    lines.push('problems');
    for (const p of r.problems) lines.push(`  ${p.kind.padEnd(10)} seq ${p.seq ?? '-'} ${p.messageId ?? ''}: ${p.detail}`);
  }
  return `${lines.join('\n')}\n`;
}
