/**
 * Runs a soak: handshakes every mailbox, starts the receivers, generates traffic for the
 * planned duration, then drains until every accepted message has arrived (or --drain
 * runs out), makes one more full pass to catch late duplicates, and builds the report.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MeshClient } from '../index.js';
import { ErrorCounts } from './errors.js';
import { generate } from './generator.js';
import { SoakLedger } from './ledger.js';
import type { SoakMailbox, SoakPlan } from './plan.js';
import { SoakReceiver } from './receiver.js';
import { buildReport, type SoakReport } from './report.js';
import { nowMs } from './stats.js';

const RSS_SAMPLE_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh run ID: base-36 time plus random hex, letters and digits only. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Reads VmHWM (peak RSS) and VmRSS in KiB from /proc/PID/status; null where unreadable. */
export async function readProcMemory(pid: number): Promise<{ hwmKiB: number | null; rssKiB: number | null }> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number | null => {
      const m = new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    return { hwmKiB: field('VmHWM'), rssKiB: field('VmRSS') };
  } catch {
    return { hwmKiB: null, rssKiB: null };
  }
}

/** Hooks for a run: how to open a client, and where to say what phase it is in. */
export interface SoakHooks {
  openClient(mailbox: SoakMailbox): Promise<MeshClient>;
  progress?(line: string): void;
}

/** Runs the plan and returns the report; clients are closed before it returns. */
export async function runSoak(plan: SoakPlan, hooks: SoakHooks, runId = newRunId()): Promise<SoakReport> {
  const say = hooks.progress ?? (() => undefined);
  const clients = new Map<string, MeshClient>();
  try {
    for (const mb of [...plan.senders, ...plan.receivers]) {
      if (clients.has(mb.mailboxId)) continue;
      const client = await hooks.openClient(mb);
      clients.set(mb.mailboxId, client);
      // Fail fast on bad credentials, before any traffic.
      await client.handshake();
    }
    const ledger = new SoakLedger(runId);
    const errors = new ErrorCounts();
    const receivers = plan.receivers.map(
      (mb) => new SoakReceiver(mb, clients.get(mb.mailboxId)!, ledger, errors, plan.receiverConcurrency, plan.workflowFilter),
    );

    let meshdRssPeakKiB: number | null = null;
    const sampleRss = async (): Promise<void> => {
      if (plan.meshdPid === undefined) return;
      const { hwmKiB, rssKiB } = await readProcMemory(plan.meshdPid);
      const best = Math.max(hwmKiB ?? 0, rssKiB ?? 0);
      if (best > 0) meshdRssPeakKiB = Math.max(meshdRssPeakKiB ?? 0, best);
    };
    await sampleRss();
    const rssTimer = setInterval(() => void sampleRss(), RSS_SAMPLE_MS);

    say(`soak ${runId}: ${plan.rate} msg/s for ${plan.durationMs / 1000}s, ${plan.senders.length} senders -> ${plan.receivers.length} receivers`);
    const start = nowMs();
    for (const r of receivers) r.start();
    const gen = await generate(plan, clients, ledger, errors);
    const sendPhaseMs = nowMs() - start;

    say(`soak ${runId}: sending done (${ledger.summary().accepted} accepted); draining up to ${plan.drainMs / 1000}s for ${ledger.outstanding()} outstanding`);
    const drainDeadline = nowMs() + plan.drainMs;
    while (!ledger.complete() && nowMs() < drainDeadline) await sleep(50);
    const deliveredAt = nowMs();
    // One more full pass per receiver after the last arrival, so a late duplicate still shows.
    const passes = receivers.map((r) => r.passes);
    const sweepDeadline = Math.max(drainDeadline, nowMs() + 5000);
    while (receivers.some((r, i) => r.passes < passes[i]! + 2) && nowMs() < sweepDeadline) await sleep(20);
    await Promise.all(receivers.map((r) => r.stop()));
    clearInterval(rssTimer);
    await sampleRss();

    return buildReport({
      runId,
      plan,
      ledger: ledger.summary(),
      errors,
      sendPhaseMs,
      deliveryMs: deliveredAt - start,
      elapsedMs: nowMs() - start,
      throttled: gen.throttled,
      receivedBytes: receivers.reduce((a, r) => a + r.bytes, 0),
      meshdPeakRssKiB: meshdRssPeakKiB,
      clientPeakRssKiB: process.resourceUsage().maxRSS,
    });
  } finally {
    for (const client of clients.values()) client.close();
  }
}
