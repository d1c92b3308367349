/**
 * Scenario "rate": 1 KB messages sent OPEN LOOP at a fixed rate (DESIGN §7's "p99 send→visible
 * < 50 ms at 500 msg/s"). Each send starts at its scheduled time whether or not earlier ones have
 * finished, and every latency is measured from that scheduled time, so a stall in meshd shows up
 * as the queue of late sends it causes instead of being hidden by workers that simply wait
 * (coordinated omission). One receiver per pair polls its inbox every few ms, noting when each
 * message first appears, then downloads and acknowledges it alongside the polling.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshClient } from '../../mailbox/client/index.js';
import { startCpuMeter, type CpuShare } from '../lib/cpu-meter.js';
import { startMeshdProcess } from '../lib/meshd-process.js';
import { nowMs, summariseLatencies } from '../lib/stats.js';
import { benchClient, mailboxPairs } from '../lib/worker-pool.js';

export interface RateSettings {
  /** Scheduled sends per second, over all pairs. */
  rate: number;
  /** Measured seconds at that rate. */
  seconds: number;
  /** Unmeasured seconds at the same rate first, run without a gap so the measured part starts warm. */
  warmupSeconds: number;
  pairs: number;
  payloadBytes: number;
  /** Pause between one receiver's inbox listings. */
  pollMs: number;
  logLevel: string;
  cpuProfDir?: string;
}

/** One run's figures; latencies in ms from each send's scheduled start, CPU as % of one core. */
export interface RateRunMetrics {
  targetRate: number;
  /** Measured 202s per second, from the first measured scheduled start to the last measured 202. */
  achievedRate: number;
  sendP50: number;
  sendP95: number;
  sendP99: number;
  visibleP50: number;
  visibleP95: number;
  visibleP99: number;
  roundTripP50: number;
  roundTripP95: number;
  roundTripP99: number;
  /** How late the harness itself started sends (timer granularity, its own load); part of every latency above. */
  startLagP99: number;
  /** Inbox listings per message: the polling load the receivers added to meshd. */
  listingsPerMessage: number;
  peakRssMiB: number;
  meshdCpuPercent: number;
  harnessCpuPercent: number;
  otherCpuPercent: number;
  elapsedMs: number;
}

const WORKFLOW = 'BENCH_RATE';
/** Messages not all acknowledged this long after the last 202 are lost, not slow. */
const DRAIN_TIMEOUT_MS = 30_000;
/** The server's largest page, so a backlog never hides a message behind `next` and inflates its latency. */
const LIST_MAX_RESULTS = 5000;
/** Lead before the first scheduled send, so it is not late merely because scheduling took a moment. */
const START_LEAD_MS = 20;

interface Pair {
  sender: MeshClient;
  recipient: MeshClient;
  payload: Buffer;
}

interface Sent {
  scheduled: number;
  measured: boolean;
  doneAt: number;
}

/** Everything the sending and receiving sides record; read once both have finished. */
interface RunState {
  sent: Map<string, Sent>;
  seenAt: Map<string, number>;
  ackedAt: Map<string, number>;
  startLag: number[];
  listings: number;
  failure: Error | null;
  stopReceivers: boolean;
}

/** Runs the fixed-rate scenario once against a fresh meshd. */
export async function runFixedRate(settings: RateSettings): Promise<RateRunMetrics> {
  const ids = mailboxPairs(settings.pairs);
  const meshd = await startMeshdProcess({
    mailboxIds: ids.flatMap((p) => [p.sender, p.recipient]),
    workflows: [{ id: WORKFLOW, senders: ids.map((p) => p.sender), receivers: ids.map((p) => p.recipient) }],
    logLevel: settings.logLevel,
    ...(settings.cpuProfDir ? { cpuProfDir: settings.cpuProfDir } : {}),
  });
  const pairs = ids.map((p): Pair => ({ sender: benchClient(meshd, p.sender), recipient: benchClient(meshd, p.recipient), payload: randomBytes(settings.payloadBytes) }));
  const state: RunState = { sent: new Map(), seenAt: new Map(), ackedAt: new Map(), startLag: [], listings: 0, failure: null, stopReceivers: false };
  const fail = (err: unknown): void => {
    state.failure ??= err instanceof Error ? err : new Error(String(err));
  };
  // Every request promise lands here with its rejection already turned into `failure`, so none floats.
  const tasks: Array<Promise<void>> = [];
  let receivers: Array<Promise<void>> = [];
  let schedule: Promise<void> = Promise.resolve();
  try {
    const intervalMs = 1000 / settings.rate;
    const warmupCount = Math.round(settings.rate * settings.warmupSeconds);
    const total = warmupCount + Math.round(settings.rate * settings.seconds);
    receivers = pairs.map((p) => receive(p, state, settings.pollMs, tasks, fail));
    const origin = nowMs() + START_LEAD_MS;
    const measureFrom = origin + warmupCount * intervalMs;
    schedule = issueOnSchedule(total, intervalMs, origin, (i, scheduled) => {
      const pair = pairs[i % pairs.length]!;
      const measured = i >= warmupCount;
      if (measured) state.startLag.push(nowMs() - scheduled);
      tasks.push(pair.sender.sendMessage({ to: pair.recipient.mailboxId, workflowId: WORKFLOW, body: pair.payload, compress: false }).then(
        (id) => void state.sent.set(id, { scheduled, measured, doneAt: nowMs() }),
        fail,
      ));
    }, () => state.failure !== null);
    await sleep(Math.max(0, measureFrom - nowMs()));
    const cpu = startCpuMeter(meshd);
    await schedule;
    await drain(state, tasks);
    const cpuShare: CpuShare = cpu();
    const elapsedMs = nowMs() - measureFrom;
    state.stopReceivers = true;
    await Promise.all(receivers);
    await Promise.all(tasks);
    if (state.failure) throw state.failure;
    closeClients(pairs);
    const usage = await meshd.stop();
    return { ...metrics(state, settings, measureFrom), peakRssMiB: usage.peakRssMiB, ...cpuShare, elapsedMs };
  } finally {
    state.stopReceivers = true;
    // Also stops the schedule when an exception got here before it finished.
    state.failure ??= new Error('run abandoned');
    // Settle everything still in flight before closing its sockets; the results are no longer wanted.
    await Promise.allSettled([schedule, ...receivers, ...tasks]);
    closeClients(pairs);
    await meshd.stop();
  }
}

/**
 * Calls `issue` for sends 0..total-1 at origin + i × interval without waiting for any of them:
 * after a slow timer it issues every overdue send at once, as independent clients would.
 */
async function issueOnSchedule(total: number, intervalMs: number, origin: number, issue: (i: number, scheduled: number) => void, stop: () => boolean): Promise<void> {
  for (let i = 0; i < total && !stop(); ) {
    const now = nowMs();
    for (; i < total && origin + i * intervalMs <= now; i += 1) issue(i, origin + i * intervalMs);
    if (i < total) await sleep(Math.max(0, origin + i * intervalMs - nowMs()));
  }
}

/** Waits for every send's 202 and then for every accepted message to be acknowledged. */
async function drain(state: RunState, tasks: Array<Promise<void>>): Promise<void> {
  // Receivers append download tasks while this waits; only the sends are needed here.
  await Promise.all([...tasks]);
  const deadline = nowMs() + DRAIN_TIMEOUT_MS;
  while (state.failure === null && state.ackedAt.size < state.sent.size) {
    if (nowMs() > deadline) throw new Error(`${state.sent.size - state.ackedAt.size} of ${state.sent.size} messages not acknowledged ${DRAIN_TIMEOUT_MS} ms after the last send`);
    await sleep(5);
  }
}

/** One pair's receiver: lists the inbox every `pollMs`, and downloads + acks each new message without holding up the polling. */
async function receive(pair: Pair, state: RunState, pollMs: number, tasks: Array<Promise<void>>, fail: (err: unknown) => void): Promise<void> {
  const handled = new Set<string>();
  try {
    while (!state.stopReceivers && state.failure === null) {
      const page = await pair.recipient.listInbox({ maxResults: LIST_MAX_RESULTS });
      const seen = nowMs();
      state.listings += 1;
      for (const id of page.messages) {
        // Acknowledged messages stay listed until the ack commits; collect each only once.
        if (handled.has(id)) continue;
        handled.add(id);
        state.seenAt.set(id, seen);
        tasks.push(collect(pair, id, state).catch(fail));
      }
      await sleep(pollMs);
    }
  } catch (err) {
    fail(err);
  }
}

/** Downloads one message, checks its bytes, acknowledges it. */
async function collect(pair: Pair, id: string, state: RunState): Promise<void> {
  const download = await pair.recipient.downloadMessage(id);
  const parts: Buffer[] = [];
  for await (const piece of download.body) parts.push(piece as Buffer);
  if (!Buffer.concat(parts).equals(pair.payload)) throw new Error(`message ${id} came back with different bytes`);
  await pair.recipient.acknowledge(id);
  state.ackedAt.set(id, nowMs());
}

function metrics(state: RunState, settings: RateSettings, measureFrom: number): Omit<RateRunMetrics, 'peakRssMiB' | keyof CpuShare | 'elapsedMs'> {
  const send: number[] = [];
  const visible: number[] = [];
  const roundTrip: number[] = [];
  let lastDone = measureFrom;
  for (const [id, s] of state.sent) {
    if (!s.measured) continue;
    send.push(s.doneAt - s.scheduled);
    // A listing can show the message before its 202 reaches the sender; that still counts as visible then.
    visible.push(state.seenAt.get(id)! - s.scheduled);
    roundTrip.push(state.ackedAt.get(id)! - s.scheduled);
    lastDone = Math.max(lastDone, s.doneAt);
  }
  const sendL = summariseLatencies(send);
  const visibleL = summariseLatencies(visible);
  const roundTripL = summariseLatencies(roundTrip);
  return {
    targetRate: settings.rate,
    achievedRate: send.length / ((lastDone - measureFrom) / 1000),
    sendP50: sendL.p50,
    sendP95: sendL.p95,
    sendP99: sendL.p99,
    visibleP50: visibleL.p50,
    visibleP95: visibleL.p95,
    visibleP99: visibleL.p99,
    roundTripP50: roundTripL.p50,
    roundTripP95: roundTripL.p95,
    roundTripP99: roundTripL.p99,
    startLagP99: summariseLatencies(state.startLag).p99,
    listingsPerMessage: state.listings / state.sent.size,
  };
}

/** Closes every keep-alive pool (idempotent), so meshd's shutdown does not wait on idle sockets. */
function closeClients(pairs: Pair[]): void {
  for (const p of pairs) {
    p.sender.close();
    p.recipient.close();
  }
}
