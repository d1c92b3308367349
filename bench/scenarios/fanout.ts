/**
 * Scenario "fanout": 1 KB messages routed through the `fanout` adapter instead of straight into
 * an inbox. Each sender's workflow BENCH_FANOUT messages are copied to its paired recipient, so a
 * worker sends, polls the recipient's inbox until the copy (`<original>-1`) appears, downloads and
 * acknowledges it. Send→visible is the routing path: outbox, transport (in-process or RabbitMQ),
 * adapter, output commit. Polling adds up to its current interval to that figure.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshClient } from '../../mailbox/client/index.js';
import { startCpuMeter } from '../lib/cpu-meter.js';
import { startMeshdProcess, type MeshdProcess } from '../lib/meshd-process.js';
import { benchQueuePrefix, deleteTopology, startBeamCpuMeter, trackTopology, type BenchTopology } from '../lib/rabbitmq.js';
import { nowMs, summariseLatencies } from '../lib/stats.js';
import { benchClient, mailboxPairs, runPhase, type MailboxPair } from '../lib/worker-pool.js';

export type FanoutTransport = 'embedded' | 'amqp';

export interface FanoutSettings {
  /** Measured messages per run. */
  count: number;
  /** Messages before measuring, so JIT, SQLite cache, sockets and consumers are warm. */
  warmup: number;
  workers: number;
  pairs: number;
  payloadBytes: number;
  /** Longest pause between inbox listings while a copy is missing (pauses double from 1 ms). */
  pollMaxMs: number;
  /** meshd's routing.prefetch; unset keeps meshd's default. */
  prefetch?: number;
  amqpUrl: string;
  logLevel: string;
  cpuProfDir?: string;
}

/** One run's figures; latencies in ms, CPU as % of one core over the measured phase. */
export interface FanoutRunMetrics {
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
  /** Inbox listings per message; the polling load the harness added to meshd. */
  listingsPerMessage: number;
  peakRssMiB: number;
  meshdCpuPercent: number;
  harnessCpuPercent: number;
  /** The local RabbitMQ server (its Erlang VM); part of the workload with the amqp transport, so not "other". */
  rabbitCpuPercent: number;
  otherCpuPercent: number;
  elapsedMs: number;
}

const WORKFLOW = 'BENCH_FANOUT';
const ADAPTER = 'fanout';
/** Written into the config so the delay queues to delete afterwards are known (meshd's defaults). */
const RETRY_DELAYS_MS = [1_000, 10_000, 60_000];
/** A copy this late is lost or parked (a bug or a broken broker), not slow. */
const COPY_TIMEOUT_MS = 30_000;

interface Worker {
  sender: MeshClient;
  recipient: MeshClient;
  payload: Buffer;
}

interface Samples {
  send: number[];
  visible: number[];
  roundTrip: number[];
  listings: number;
}

/** One rule per pair, matched by sender, so each copy goes to that sender's own recipient. */
export function fanoutRoutes(pairs: readonly MailboxPair[]): unknown[] {
  return pairs.map((p) => ({
    name: `bench-${p.sender}`,
    match: { workflow: WORKFLOW, sender: p.sender },
    target: { adapter: ADAPTER, settings: { recipients: [{ mailbox: p.recipient }] } },
  }));
}

/** Runs the fanout scenario once against a fresh meshd on the given transport. */
export async function runFanout(settings: FanoutSettings, transport: FanoutTransport): Promise<FanoutRunMetrics> {
  const topology: BenchTopology | null = transport === 'amqp'
    ? { url: settings.amqpUrl, prefix: benchQueuePrefix(), adapters: [ADAPTER], retryDelaysMs: RETRY_DELAYS_MS }
    : null;
  // Tracked before meshd starts: it may declare queues before an interruption.
  if (topology) trackTopology(topology);
  try {
    return await measure(settings, topology);
  } finally {
    // A cleanup failure is reported, not thrown: it must neither hide a measurement error nor discard a good run.
    if (topology) {
      await deleteTopology(topology).catch((err: unknown) => {
        process.stderr.write(`  warning: could not delete RabbitMQ queues/exchanges with prefix ${topology.prefix}: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    }
  }
}

async function measure(settings: FanoutSettings, topology: BenchTopology | null): Promise<FanoutRunMetrics> {
  const pairs = mailboxPairs(settings.pairs);
  const meshd = await startMeshdProcess({
    mailboxIds: pairs.flatMap((p) => [p.sender, p.recipient]),
    workflows: [{ id: WORKFLOW, senders: pairs.map((p) => p.sender), receivers: pairs.map((p) => p.recipient) }],
    routes: fanoutRoutes(pairs),
    transport: topology ? topology.url : 'embedded',
    routing: {
      queuePrefix: topology?.prefix ?? '',
      retryDelaysMs: RETRY_DELAYS_MS,
      ...(settings.prefetch !== undefined ? { prefetch: settings.prefetch } : {}),
    },
    logLevel: settings.logLevel,
    ...(settings.cpuProfDir ? { cpuProfDir: settings.cpuProfDir } : {}),
  });
  const workers = Array.from({ length: settings.workers }, (_, i): Worker => {
    const pair = pairs[i % pairs.length]!;
    return { sender: benchClient(meshd, pair.sender), recipient: benchClient(meshd, pair.recipient), payload: randomBytes(settings.payloadBytes) };
  });
  try {
    const warmup = freshSamples();
    await runPhase(workers, settings.warmup, (w) => throughFanout(w, warmup, settings.pollMaxMs));
    const samples = freshSamples();
    const cpu = startCpuMeter(meshd);
    const rabbitCpu = startBeamCpuMeter();
    const started = nowMs();
    await runPhase(workers, settings.count, (w) => throughFanout(w, samples, settings.pollMaxMs));
    const elapsedMs = nowMs() - started;
    const cpuShare = cpu();
    const rabbitCpuPercent = rabbitCpu();
    closeClients(workers);
    const usage = await meshd.stop();
    const send = summariseLatencies(samples.send);
    const visible = summariseLatencies(samples.visible);
    const roundTrip = summariseLatencies(samples.roundTrip);
    // RabbitMQ doing the scenario's work is not contention; an idle one in the embedded run is noise.
    const otherCpuPercent = topology ? Math.max(0, cpuShare.otherCpuPercent - rabbitCpuPercent) : cpuShare.otherCpuPercent;
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
      listingsPerMessage: samples.listings / settings.count,
      peakRssMiB: usage.peakRssMiB,
      meshdCpuPercent: cpuShare.meshdCpuPercent,
      harnessCpuPercent: cpuShare.harnessCpuPercent,
      rabbitCpuPercent,
      otherCpuPercent,
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
  return { send: [], visible: [], roundTrip: [], listings: 0 };
}

/** emittedId(source, 1) of broker/adapters/adapter-outputs.ts: the fanout's first (only) copy. */
function copyIdOf(messageId: string): string {
  return `${messageId}-1`;
}

/** One message sent, copied by the adapter, and its copy collected; checks bytes and linkage. */
async function throughFanout(w: Worker, samples: Samples, pollMaxMs: number): Promise<void> {
  const t0 = nowMs();
  const id = await w.sender.sendMessage({ to: w.recipient.mailboxId, workflowId: WORKFLOW, body: w.payload, compress: false });
  const t1 = nowMs();
  const copy = copyIdOf(id);
  // Not `samples.listings += await ...`: that reads the total before awaiting and loses other workers' counts.
  const listings = await waitForCopy(w.recipient, copy, t0, pollMaxMs);
  samples.listings += listings;
  const t2 = nowMs();
  const download = await w.recipient.downloadMessage(copy);
  const parts: Buffer[] = [];
  for await (const piece of download.body) parts.push(piece as Buffer);
  if (!Buffer.concat(parts).equals(w.payload)) throw new Error(`copy ${copy} came back with different bytes`);
  const linked = download.headers['mex-linkedmsgid'];
  if (linked !== id) throw new Error(`copy ${copy} has mex-LinkedMsgID ${JSON.stringify(linked)}, expected ${id}`);
  await w.recipient.acknowledge(copy);
  const t3 = nowMs();
  samples.send.push(t1 - t0);
  samples.visible.push(t2 - t0);
  samples.roundTrip.push(t3 - t0);
}

/**
 * Lists the inbox until the copy is there; resolves with the number of listings. Pauses double
 * from 1 ms so a quick adapter is seen quickly, while 64 waiting workers do not turn into
 * thousands of listings a second competing with the adapter for meshd's event loop.
 */
async function waitForCopy(recipient: MeshClient, copy: string, sentAt: number, pollMaxMs: number): Promise<number> {
  for (let listings = 1, pause = 1; ; listings += 1, pause = Math.min(pause * 2, pollMaxMs)) {
    const page = await recipient.listInbox();
    if (page.messages.includes(copy)) return listings;
    if (nowMs() - sentAt > COPY_TIMEOUT_MS) {
      throw new Error(`copy ${copy} not in ${recipient.mailboxId}'s inbox ${COPY_TIMEOUT_MS} ms after sending (parked? see meshd parked list)`);
    }
    await sleep(pause);
  }
}
