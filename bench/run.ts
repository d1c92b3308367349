/**
 * `npm run bench`: runs the DESIGN §7 scenarios against meshd child processes, prints a summary
 * table and writes every run's raw numbers to bench/results/<timestamp>.json for comparison.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuShare } from './lib/cpu-meter.js';
import { killAllMeshd } from './lib/meshd-process.js';
import { deletePendingTopologies, probeRabbitMq, redactUrl } from './lib/rabbitmq.js';
import { BENCH_HELP, UsageError, loadSettings, type BenchSettings } from './lib/settings.js';
import { probePostgres, startScaledStores, type ScaledStores } from './lib/scaled-stores.js';
import { spreadAll, type Spread } from './lib/stats.js';
import { median, medianOnly, renderTable } from './lib/table.js';
import { runFanout, type FanoutRunMetrics, type FanoutTransport } from './scenarios/fanout.js';
import { runLargeFile, writePayloadFile, type LargeRunMetrics } from './scenarios/large-file.js';
import { runFixedRate, type RateRunMetrics } from './scenarios/fixed-rate.js';
import { runSmallMessages, type SmallRunMetrics } from './scenarios/small-messages.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface ScenarioResult<M> {
  settings: unknown;
  runs: M[];
  medians: Record<keyof M & string, Spread>;
}

interface Results {
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  commit: string | null;
  small?: ScenarioResult<SmallRunMetrics>;
  rate?: ScenarioResult<RateRunMetrics>;
  fanoutEmbedded?: ScenarioResult<FanoutRunMetrics>;
  fanoutAmqp?: ScenarioResult<FanoutRunMetrics>;
  large?: ScenarioResult<LargeRunMetrics>;
  /** The same scenarios with meshd on PostgreSQL + S3 (DESIGN §4.5's scaled-out stores). */
  smallScaled?: ScenarioResult<SmallRunMetrics>;
  largeScaled?: ScenarioResult<LargeRunMetrics>;
  /** Scenarios not run, with the reason (RabbitMQ unreachable). */
  skipped?: Record<string, string>;
}

/** Runs the benchmark; resolves with the process exit code. */
async function main(argv: string[]): Promise<number> {
  const settings = loadSettings(argv, process.env, join(REPO_ROOT, 'bench', 'results'));
  if (!settings) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  if (settings.small.cpuProfDir) await mkdir(settings.small.cpuProfDir, { recursive: true });
  const results: Results = { startedAt: new Date().toISOString(), machine: machine(), commit: gitCommit() };
  log(`mesh-broker bench: ${settings.scenarios.join(' + ')}, ${settings.runs} run(s) each, ${os.cpus().length} CPU(s), node ${process.version}`);

  if (settings.scenarios.includes('small')) results.small = await benchSmall(settings, null);
  if (settings.scenarios.includes('rate')) results.rate = await benchRate(settings);
  if (settings.scenarios.includes('fanout-embedded')) results.fanoutEmbedded = await benchFanout(settings, 'embedded');
  if (settings.scenarios.includes('fanout-amqp')) {
    const reason = await probeRabbitMq(settings.fanout.amqpUrl);
    if (reason === null) results.fanoutAmqp = await benchFanout(settings, 'amqp');
    else {
      // One unreachable broker should not cost the other scenarios' figures.
      results.skipped = { 'fanout-amqp': `RabbitMQ at ${redactUrl(settings.fanout.amqpUrl)} unreachable: ${reason}` };
      log(`fanout-amqp: SKIPPED, ${results.skipped['fanout-amqp']} (set BENCH_AMQP_URL to use another)`);
    }
  }
  if (settings.scenarios.includes('large')) results.large = await benchLarge(settings, null);
  const scaled = settings.scenarios.filter((n) => n === 'small-scaled' || n === 'large-scaled');
  if (scaled.length > 0) {
    const reason = await probePostgres(settings.pgUrl);
    if (reason === null) {
      if (scaled.includes('small-scaled')) results.smallScaled = await benchSmall(settings, settings.pgUrl);
      if (scaled.includes('large-scaled')) results.largeScaled = await benchLarge(settings, settings.pgUrl);
    } else {
      results.skipped ??= {};
      for (const name of scaled) results.skipped[name] = `PostgreSQL unreachable: ${reason}`;
      log(`${scaled.join(', ')}: SKIPPED, PostgreSQL unreachable: ${reason} (set BENCH_PG_URL to use another)`);
    }
  }
  results.finishedAt = new Date().toISOString();

  process.stdout.write(`\n${summary(results, settings)}\n\n`);
  await mkdir(settings.resultsDir, { recursive: true });
  // Colons are legal on Linux but not on every filesystem a results directory may be copied to.
  const file = join(settings.resultsDir, `${results.startedAt.replace(/:/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`raw results: ${file}\n`);
  return 0;
}

/**
 * Runs `fn` with fresh scaled-out stores (a new PostgreSQL schema and S3 server) when `pgUrl` is
 * given, or with the embedded stores when it is null; the stores are removed afterwards.
 */
async function withStores<T>(pgUrl: string | null, fn: (stores: ScaledStores | null) => Promise<T>): Promise<T> {
  if (pgUrl === null) return fn(null);
  const stores = await startScaledStores(pgUrl);
  try {
    return await fn(stores);
  } finally {
    await stores.stop();
  }
}

async function benchSmall(settings: BenchSettings, pgUrl: string | null): Promise<ScenarioResult<SmallRunMetrics>> {
  const s = settings.small;
  const name = pgUrl ? 'small-scaled' : 'small';
  const runs: SmallRunMetrics[] = [];
  for (let r = 1; r <= settings.runs; r += 1) {
    log(`${name} ${r}/${settings.runs}: ${s.count} × ${s.payloadBytes} B round trips, ${s.workers} workers over ${s.pairs} mailbox pairs${pgUrl ? ', PostgreSQL + S3' : ''}...`);
    const m = await withStores(pgUrl, (stores) => runSmallMessages(stores ? { ...s, stores } : s));
    log(`  ${m.messagesPerSecond.toFixed(0)} msg/s, send p99 ${m.sendP99.toFixed(1)} ms, round trip p99 ${m.roundTripP99.toFixed(1)} ms, peak RSS ${m.peakRssMiB.toFixed(0)} MiB, ${cpuText(m, pgUrl !== null)}`);
    runs.push(m);
  }
  return { settings: s, runs, medians: spreadAll(runs) };
}

async function benchRate(settings: BenchSettings): Promise<ScenarioResult<RateRunMetrics>> {
  const s = settings.rate;
  const runs: RateRunMetrics[] = [];
  for (let r = 1; r <= settings.runs; r += 1) {
    log(`rate ${r}/${settings.runs}: ${s.payloadBytes} B open loop at ${s.rate} msg/s for ${s.seconds} s (after ${s.warmupSeconds} s warm-up) over ${s.pairs} pairs...`);
    const m = await runFixedRate(s);
    log(`  achieved ${m.achievedRate.toFixed(0)} msg/s, send p99 ${m.sendP99.toFixed(1)} ms, visible p50/p99 ${m.visibleP50.toFixed(1)}/${m.visibleP99.toFixed(1)} ms, start lag p99 ${m.startLagP99.toFixed(1)} ms, peak RSS ${m.peakRssMiB.toFixed(0)} MiB, ${cpuText(m)}`);
    runs.push(m);
  }
  return { settings: s, runs, medians: spreadAll(runs) };
}

async function benchFanout(settings: BenchSettings, transport: FanoutTransport): Promise<ScenarioResult<FanoutRunMetrics>> {
  const s = settings.fanout;
  const via = transport === 'amqp' ? `RabbitMQ ${redactUrl(s.amqpUrl)}` : 'embedded transport';
  const runs: FanoutRunMetrics[] = [];
  for (let r = 1; r <= settings.runs; r += 1) {
    log(`fanout-${transport} ${r}/${settings.runs}: ${s.count} × ${s.payloadBytes} B through fanout (${via}), ${s.workers} workers over ${s.pairs} pairs...`);
    const m = await runFanout(s, transport);
    const rabbit = transport === 'amqp' ? `RabbitMQ CPU ${m.rabbitCpuPercent.toFixed(0)}%, ` : '';
    log(`  ${m.messagesPerSecond.toFixed(0)} msg/s, send p99 ${m.sendP99.toFixed(1)} ms, visible p50/p99 ${m.visibleP50.toFixed(1)}/${m.visibleP99.toFixed(1)} ms, ${m.listingsPerMessage.toFixed(1)} listings/msg, peak RSS ${m.peakRssMiB.toFixed(0)} MiB, ${rabbit}${cpuText(m)}`);
    runs.push(m);
  }
  // The URL may carry a password; the results file is meant to be shared.
  return { settings: { ...s, transport, amqpUrl: transport === 'amqp' ? redactUrl(s.amqpUrl) : undefined }, runs, medians: spreadAll(runs) };
}

async function benchLarge(settings: BenchSettings, pgUrl: string | null): Promise<ScenarioResult<LargeRunMetrics>> {
  const s = settings.large;
  const name = pgUrl ? 'large-scaled' : 'large';
  log(`large: writing a ${(s.payloadBytes / 1024 ** 2).toFixed(0)} MiB payload file...`);
  const payload = await writePayloadFile(s.payloadBytes);
  // 'exit' handlers cannot wait, so an interrupted run deletes the payload synchronously.
  const removeOnExit = (): void => payload.removeSync();
  process.once('exit', removeOnExit);
  try {
    const runs: LargeRunMetrics[] = [];
    for (let r = 1; r <= settings.runs; r += 1) {
      log(`${name} ${r}/${settings.runs}: upload + download in ${(s.chunkBytes / 1024 ** 2).toFixed(0)} MiB chunks${pgUrl ? ', PostgreSQL + S3' : ''}...`);
      const m = await withStores(pgUrl, (stores) => runLargeFile(stores ? { ...s, stores } : s, payload));
      log(`  up ${m.uploadMiBps.toFixed(0)} MiB/s, down ${m.downloadMiBps.toFixed(0)} MiB/s, meshd peak RSS ${m.peakRssMiB.toFixed(0)} MiB, ${cpuText(m, pgUrl !== null)}`);
      runs.push(m);
    }
    return { settings: { ...s, sha256: payload.sha256 }, runs, medians: spreadAll(runs) };
  } finally {
    process.removeListener('exit', removeOnExit);
    await payload.remove();
  }
}

/** The table: one line per measured operation; latencies are medians of each run's percentile. */
function summary(results: Results, settings: BenchSettings): string {
  const header = ['scenario', 'throughput', 'p50 ms', 'p95 ms', 'p99 ms', 'meshd peak RSS', 'meshd CPU'];
  const rows: string[][] = [];
  const runs = `${settings.runs} run${settings.runs === 1 ? '' : 's'}`;
  const small = results.small?.medians;
  for (const [label, medians] of [['embedded', small], ['PostgreSQL + S3', results.smallScaled?.medians]] as const) {
    if (!medians) continue;
    const kb = settings.small.payloadBytes >= 1024 ? `${settings.small.payloadBytes / 1024} KB` : `${settings.small.payloadBytes} B`;
    rows.push([`${kb} send→list→download→ack (${label})`, median(medians.messagesPerSecond, 0, 'msg/s'), '', '', '', median(medians.peakRssMiB, 0, 'MiB'), median(medians.meshdCpuPercent, 0, '%')]);
    rows.push(['  send (POST until 202)', '', medianOnly(medians.sendP50), medianOnly(medians.sendP95), medianOnly(medians.sendP99), '', '']);
    rows.push(['  send until visible in inbox', '', medianOnly(medians.visibleP50), medianOnly(medians.visibleP95), medianOnly(medians.visibleP99), '', '']);
    rows.push(['  full round trip', '', medianOnly(medians.roundTripP50), medianOnly(medians.roundTripP95), medianOnly(medians.roundTripP99), '', '']);
  }
  const rate = results.rate?.medians;
  if (rate) {
    rows.push([`1 KB at ${settings.rate.rate} msg/s fixed rate (embedded)`, median(rate.achievedRate, 0, 'msg/s'), '', '', '', median(rate.peakRssMiB, 0, 'MiB'), median(rate.meshdCpuPercent, 0, '%')]);
    rows.push(['  send (scheduled start until 202)', '', medianOnly(rate.sendP50), medianOnly(rate.sendP95), medianOnly(rate.sendP99), '', '']);
    rows.push(['  scheduled start until visible in inbox', '', medianOnly(rate.visibleP50), medianOnly(rate.visibleP95), medianOnly(rate.visibleP99), '', '']);
  }
  for (const [label, result] of [['embedded', results.fanoutEmbedded], ['RabbitMQ', results.fanoutAmqp]] as const) {
    const f = result?.medians;
    if (!f) continue;
    const kb = settings.fanout.payloadBytes >= 1024 ? `${settings.fanout.payloadBytes / 1024} KB` : `${settings.fanout.payloadBytes} B`;
    rows.push([`${kb} through fanout (${label})`, median(f.messagesPerSecond, 0, 'msg/s'), '', '', '', median(f.peakRssMiB, 0, 'MiB'), median(f.meshdCpuPercent, 0, '%')]);
    rows.push(['  send (POST until 202)', '', medianOnly(f.sendP50), medianOnly(f.sendP95), medianOnly(f.sendP99), '', '']);
    rows.push(['  send until copy visible (via adapter)', '', medianOnly(f.visibleP50), medianOnly(f.visibleP95), medianOnly(f.visibleP99), '', '']);
    rows.push(['  full round trip (copy acked)', '', medianOnly(f.roundTripP50), medianOnly(f.roundTripP95), medianOnly(f.roundTripP99), '', '']);
  }
  const large = results.large?.medians;
  for (const [label, medians] of [['embedded', large], ['PostgreSQL + S3', results.largeScaled?.medians]] as const) {
    if (!medians) continue;
    const size = `${(settings.large.payloadBytes / 1024 ** 3).toFixed(settings.large.payloadBytes % 1024 ** 3 ? 2 : 0)} GiB`;
    rows.push([`${size} chunked upload + download (${label})`, '', '', '', '', median(medians.peakRssMiB, 0, 'MiB'), median(medians.meshdCpuPercent, 0, '%')]);
    rows.push(['  upload', median(medians.uploadMiBps, 0, 'MiB/s'), '', '', '', median(medians.uploadPeakRssMiB, 0, 'MiB'), '']);
    rows.push(['  download (streamed to SHA-256, verified)', median(medians.downloadMiBps, 0, 'MiB/s'), '', '', '', '', '']);
  }
  const fe = results.fanoutEmbedded?.medians;
  const fa = results.fanoutAmqp?.medians;
  const harness = [
    small && `small ${median(small.harnessCpuPercent, 0, '%')}`,
    rate && `rate ${median(rate.harnessCpuPercent, 0, '%')}`,
    fe && `fanout embedded ${median(fe.harnessCpuPercent, 0, '%')}`,
    fa && `fanout RabbitMQ ${median(fa.harnessCpuPercent, 0, '%')}`,
    large && `large ${median(large.harnessCpuPercent, 0, '%')}`,
    results.smallScaled && `small scaled ${median(results.smallScaled.medians.harnessCpuPercent, 0, '%')}`,
    results.largeScaled && `large scaled ${median(results.largeScaled.medians.harnessCpuPercent, 0, '%')}`,
  ].filter(Boolean).join(', ');
  // On a small machine the load generator competes with meshd for the same cores; show how much it took.
  let note = `\nload generator (this process) CPU, % of a core: ${harness}`;
  // The broker shares the cores too, and is not in the meshd column.
  if (fa) note += `\nRabbitMQ server (local Erlang VM) CPU during fanout (RabbitMQ), % of a core: ${median(fa.rabbitCpuPercent, 0, '%')}`;
  const polls = [fe && `embedded ${median(fe.listingsPerMessage, 1)}`, fa && `RabbitMQ ${median(fa.listingsPerMessage, 1)}`].filter(Boolean).join(', ');
  // PostgreSQL and the S3 server share the cores too and show as "other" CPU, not as meshd's.
  if (results.smallScaled || results.largeScaled) {
    const other = [results.smallScaled && `small ${median(results.smallScaled.medians.otherCpuPercent, 0, '%')}`, results.largeScaled && `large ${median(results.largeScaled.medians.otherCpuPercent, 0, '%')}`].filter(Boolean).join(', ');
    note += `\nPostgreSQL + S3: a fresh schema on ${redactUrl(settings.pgUrl)} and s3rver (S3 protocol, its own process) per run; their CPU (% of a core, with anything else running): ${other}`;
  }
  for (const [scenario, reason] of Object.entries(results.skipped ?? {})) note += `\nSKIPPED ${scenario}: ${reason}`;
  // Open loop: latencies run from each send's scheduled start, so harness lag and polling are inside them.
  if (rate) note += `\nfixed rate: open loop, latencies from scheduled start; harness start lag p99 ${median(rate.startLagP99, 1, 'ms')}, inbox polled every ${settings.rate.pollMs} ms (${median(rate.listingsPerMessage, 1)} listings/msg)`;
  if (polls) note += `\nfanout inbox listings per message (polling load on meshd, pauses 1→${settings.fanout.pollMaxMs} ms): ${polls}`;
  return `median (min–max) of ${runs}, each against a fresh meshd child process\n${renderTable(header, rows)}${note}${contentionNote(results)}`;
}

/** A busy neighbour (say a test suite) skews everything; above this, say so next to the figures. */
const OTHER_CPU_WARNING_PERCENT = 15;

/** One run's CPU shares; `scaledOut` runs count PostgreSQL and the S3 server as "other", so no warning. */
function cpuText(m: CpuShare, scaledOut = false): string {
  if (scaledOut) return `CPU % of a core: meshd ${m.meshdCpuPercent.toFixed(0)}, harness ${m.harnessCpuPercent.toFixed(0)}, PostgreSQL + S3 server + other ${m.otherCpuPercent.toFixed(0)}`;
  const text = `CPU % of a core: meshd ${m.meshdCpuPercent.toFixed(0)}, harness ${m.harnessCpuPercent.toFixed(0)}, other ${m.otherCpuPercent.toFixed(0)}`;
  return m.otherCpuPercent > OTHER_CPU_WARNING_PERCENT ? `${text}  WARNING: other processes were busy, figures unreliable` : text;
}

/** A footnote when any run shared the machine with other busy processes. */
function contentionNote(results: Results): string {
  const all: CpuShare[] = [...(results.small?.runs ?? []), ...(results.rate?.runs ?? []), ...(results.fanoutEmbedded?.runs ?? []), ...(results.fanoutAmqp?.runs ?? []), ...(results.large?.runs ?? [])];
  // Not the scaled-out runs: their "other" CPU is PostgreSQL and the S3 server, by design.
  const worst = Math.max(0, ...all.map((m) => m.otherCpuPercent));
  if (worst <= OTHER_CPU_WARNING_PERCENT) return '';
  return `\nWARNING: other processes used up to ${worst.toFixed(0)}% of a core during measurement; compare only with quiet runs.`;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(os.totalmem() / 1024 ** 2),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    tmpdir: os.tmpdir(),
  };
}

/** HEAD's commit (with `-dirty` when the tree has changes), so results name the code they measured. */
function gitCommit(): string | null {
  try {
    const opts = { cwd: REPO_ROOT, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], opts).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Longest an interrupted bench waits to delete its RabbitMQ queues before exiting anyway. */
const INTERRUPT_CLEANUP_MS = 5_000;

// Ctrl-C: exit through process.exit so the 'exit' handlers delete temp files, but first stop meshd
// and delete the run's RabbitMQ queues, which an 'exit' handler cannot wait for.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllMeshd();
    const timeout = new Promise<void>((r) => setTimeout(r, INTERRUPT_CLEANUP_MS).unref());
    void Promise.race([deletePendingTopologies(), timeout]).finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n(npm run bench -- --help lists the options)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
