/**
 * Scenario "small": many concurrent 1 KB round trips (send → recipient lists inbox → downloads →
 * acknowledges) against a fresh meshd, the workload of DESIGN §7's 3,000 msg/s target.
 */
import { randomBytes } from 'node:crypto';
import type { MeshClient } from '../../mailbox/client/index.js';
import { startCpuMeter } from '../lib/cpu-meter.js';
import { startMeshdProcess } from '../lib/meshd-process.js';
import { nowMs, summariseLatencies } from '../lib/stats.js';
import { benchClient, mailboxPairs, runPhase } from '../lib/worker-pool.js';

export interface SmallSettings {
  /** Measured round trips per run. */
  count: number;
  /** Round trips before measuring, so JIT, SQLite cache and sockets are warm. */
  warmup: number;
  /** Concurrent workers, each with its own sender and recipient client. */
  workers: number;
  /** Sender/recipient mailbox pairs the workers are spread over. */
  pairs: number;
  payloadBytes: number;
  logLevel: string;
  cpuProfDir?: string;
  /** Run meshd on PostgreSQL + S3 instead of its embedded stores. */
  stores?: { metadata: string; objects: string; env: Record<string, string> };
}

/** One run's figures; latencies in ms, CPU as % of one core over the measured phase. */
export interface SmallRunMetrics {
  messagesPerSecond: number;
  sendP50: number;
  sendP95: number;
  sendP99: number;
  visibleP50: number;
  visibleP95: number;
  visibleP99: number;
  roundTripP50: number;
  roundTripP95: number;
  roundTripP99: number;
  /** Inbox listings that did not yet show the message just sent (should be 0: 202 means visible). */
  extraListings: number;
  peakRssMiB: number;
  meshdCpuPercent: number;
  harnessCpuPercent: number;
  /** CPU used by other processes on the machine; results with much of it are not comparable. */
  otherCpuPercent: number;
  elapsedMs: number;
}

const WORKFLOW = 'BENCH_SMALL';
/** A message missing from the inbox this many times after its 202 is a bug, not slowness. */
const MAX_LISTINGS = 50;

interface Worker {
  sender: MeshClient;
  recipient: MeshClient;
  payload: Buffer;
}

interface Samples {
  send: number[];
  visible: number[];
  roundTrip: number[];
  extraListings: number;
}

/** Runs the small-message scenario once against a fresh meshd. */
export async function runSmallMessages(settings: SmallSettings): Promise<SmallRunMetrics> {
  const pairs = mailboxPairs(settings.pairs);
  const meshd = await startMeshdProcess({
    mailboxIds: pairs.flatMap((p) => [p.sender, p.recipient]),
    workflows: [{ id: WORKFLOW, senders: pairs.map((p) => p.sender), receivers: pairs.map((p) => p.recipient) }],
    logLevel: settings.logLevel,
    ...(settings.cpuProfDir ? { cpuProfDir: settings.cpuProfDir } : {}),
    ...(settings.stores ? { stores: settings.stores } : {}),
  });
  const workers = Array.from({ length: settings.workers }, (_, i): Worker => {
    const pair = pairs[i % pairs.length]!;
    return { sender: benchClient(meshd, pair.sender), recipient: benchClient(meshd, pair.recipient), payload: randomBytes(settings.payloadBytes) };
  });
  try {
    const warmup = freshSamples();
    await runPhase(workers, settings.warmup, (w) => oneRoundTrip(w, warmup));
    const samples = freshSamples();
    const cpu = startCpuMeter(meshd);
    const started = nowMs();
    await runPhase(workers, settings.count, (w) => oneRoundTrip(w, samples));
    const elapsedMs = nowMs() - started;
    const cpuShare = cpu();
    closeClients(workers);
    const usage = await meshd.stop();
    const send = summariseLatencies(samples.send);
    const visible = summariseLatencies(samples.visible);
    const roundTrip = summariseLatencies(samples.roundTrip);
    return {
      messagesPerSecond: settings.count / (elapsedMs / 1000),
      sendP50: send.p50,
      sendP95: send.p95,
      sendP99: send.p99,
      visibleP50: visible.p50,
      visibleP95: visible.p95,
      visibleP99: visible.p99,
      roundTripP50: roundTrip.p50,
      roundTripP95: roundTrip.p95,
      roundTripP99: roundTrip.p99,
      extraListings: samples.extraListings,
      peakRssMiB: usage.peakRssMiB,
      ...cpuShare,
      elapsedMs,
    };
  } finally {
    closeClients(workers);
    await meshd.stop();
  }
}

/** Closes every keep-alive pool (idempotent), so meshd's shutdown does not wait on idle sockets. */
function closeClients(workers: Worker[]): void {
  for (const w of workers) {
    w.sender.close();
    w.recipient.close();
  }
}

function freshSamples(): Samples {
  return { send: [], visible: [], roundTrip: [], extraListings: 0 };
}

/** One message through its whole life, checking the bytes that come back. */
async function oneRoundTrip(w: Worker, samples: Samples): Promise<void> {
  const t0 = nowMs();
  const id = await w.sender.sendMessage({ to: w.recipient.mailboxId, workflowId: WORKFLOW, body: w.payload, compress: false });
  const t1 = nowMs();
  for (let listings = 1; ; listings += 1) {
    const page = await w.recipient.listInbox();
    if (page.messages.includes(id)) break;
    samples.extraListings += 1;
    if (listings >= MAX_LISTINGS) throw new Error(`message ${id} not in ${w.recipient.mailboxId}'s inbox after ${MAX_LISTINGS} listings`);
  }
  const t2 = nowMs();
  const download = await w.recipient.downloadMessage(id);
  const parts: Buffer[] = [];
  // A 1 KB payload: buffering it to compare is cheaper than hashing both sides.
  for await (const piece of download.body) parts.push(piece as Buffer);
  if (!Buffer.concat(parts).equals(w.payload)) throw new Error(`message ${id} came back with different bytes`);
  await w.recipient.acknowledge(id);
  const t3 = nowMs();
  samples.send.push(t1 - t0);
  samples.visible.push(t2 - t0);
  samples.roundTrip.push(t3 - t0);
}
