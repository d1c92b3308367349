/**
 * One run of the death-registration benchmark against a fresh meshd child: import the people
 * with `meshd pds import`, send the GRO file through the gro-deaths route, wait until the source
 * message is processed, and score every output against the truth.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MeshClient } from '../../mailbox/client/index.js';
import { startCpuMeter, type CpuShare } from '../lib/cpu-meter.js';
import { BENCH_SHARED_KEY, benchPassword, startMeshdProcess, type MeshdProcess } from '../lib/meshd-process.js';
import { nowMs } from '../lib/stats.js';
import { Evaluator, MANUAL_WORKFLOW, NOTIFICATION_WORKFLOW, SUMMARY_WORKFLOW, type Evaluation } from './evaluate.js';
import { MeshdStoreReader } from './meshd-outputs.js';
import type { Population } from './population.js';
import type { TruthEntry } from './registrations.js';

export const GRO_MAILBOX = 'GRO0001';
export const MANUAL_MAILBOX = 'NBO0001';
export const REGISTRATION_WORKFLOW = 'GRO_DEATH_REGISTRATION';

const MESHD_SCRIPT = fileURLToPath(new URL('../../bin/meshd.js', import.meta.url));
const POLL_MS = 100;
const PROGRESS_EVERY_MS = 15_000;

/** The files of one generated data set. */
export interface DeathsInputs {
  peoplePath: string;
  xmlPath: string;
  amendmentsXmlPath: string | null;
  /** First registrations of the main file, by RegistrationID. */
  truth: ReadonlyMap<string, TruthEntry>;
}

export interface DeathsRunOptions {
  population: Population;
  inputs: DeathsInputs;
  chunkBytes: number;
  timeoutMs: number;
  logLevel: string;
  log: (line: string) => void;
}

/** One run's figures. */
export interface DeathsRunMetrics {
  importSeconds: number;
  importPeoplePerSecond: number;
  importedPeople: number;
  uploadSeconds: number;
  /** From the start of the upload until the source message is processed. */
  processSeconds: number;
  registrationsPerSecond: number;
  peakRssMiB: number;
  cpu: CpuShare;
  evaluation: Evaluation;
  /** Outputs of the amendments file by workflow (not scored), when one was sent. */
  amendmentOutputs: Record<string, number> | null;
  amendmentSeconds: number | null;
}

/** The mailbox of a GP practice: one per practice, its ODS code set to the practice's. */
export function gpMailboxOf(ods: string): string {
  return `${ods}GP01`;
}

/** Runs once; meshd is always stopped and its data dir removed at the end. */
export async function runDeathsOnce(opts: DeathsRunOptions): Promise<DeathsRunMetrics> {
  const practices = opts.population.practiceCodes;
  const gpMailboxes = practices.map(gpMailboxOf);
  const odsOfMailbox = new Map(practices.map((ods) => [gpMailboxOf(ods), ods] as const));
  const meshd = await startMeshdProcess({
    mailboxIds: [GRO_MAILBOX, MANUAL_MAILBOX, ...gpMailboxes],
    odsCodes: Object.fromEntries(odsOfMailbox),
    workflows: [
      { id: REGISTRATION_WORKFLOW, senders: [GRO_MAILBOX], receivers: [MANUAL_MAILBOX] },
      { id: NOTIFICATION_WORKFLOW, senders: [GRO_MAILBOX], receivers: gpMailboxes },
      { id: MANUAL_WORKFLOW, senders: [GRO_MAILBOX], receivers: [MANUAL_MAILBOX] },
      { id: SUMMARY_WORKFLOW, senders: [GRO_MAILBOX], receivers: [GRO_MAILBOX] },
    ],
    routes: [{ name: 'gro-deaths', match: { workflow: REGISTRATION_WORKFLOW }, target: { adapter: 'gro-deaths', settings: { manualResolutionMailbox: MANUAL_MAILBOX } } }],
    logLevel: opts.logLevel,
    // Where the adapter spends its time: DEATHS_BENCH_CPU_PROF=DIR writes meshd's CPU profile there on exit.
    ...(process.env['DEATHS_BENCH_CPU_PROF'] ? { cpuProfDir: process.env['DEATHS_BENCH_CPU_PROF'] } : {}),
  });
  const gro = new MeshClient({ baseUrl: meshd.url, mailboxId: GRO_MAILBOX, password: benchPassword(GRO_MAILBOX), sharedKey: BENCH_SHARED_KEY, keepAlive: true });
  let store: MeshdStoreReader | null = null;
  try {
    opts.log(`  importing ${opts.population.size.toLocaleString('en-GB')} people (meshd pds import)...`);
    const imported = await importPeople(meshd, opts.inputs.peoplePath);
    opts.log(`  ${imported.line} in ${imported.seconds.toFixed(1)} s`);
    store = new MeshdStoreReader(meshd.dataDir);

    opts.log(`  sending ${opts.inputs.truth.size.toLocaleString('en-GB')} registrations as one GRO file...`);
    const cpu = startCpuMeter(meshd);
    const sent = await sendAndWait(gro, store, opts.inputs.xmlPath, 'bench-file-1', opts);
    const cpuShare = cpu();
    const peakRssMiB = meshd.usage().peakRssMiB;
    opts.log(`  processed in ${sent.processSeconds.toFixed(1)} s (upload ${sent.uploadSeconds.toFixed(1)} s); scoring...`);

    const evaluator = new Evaluator(opts.inputs.truth, opts.population, odsOfMailbox);
    for (const output of store.outputsOf(sent.messageId)) evaluator.add(output);
    const evaluation = evaluator.finish();

    let amendmentOutputs: Record<string, number> | null = null;
    let amendmentSeconds: number | null = null;
    if (opts.inputs.amendmentsXmlPath) {
      opts.log('  sending the amendments file...');
      const second = await sendAndWait(gro, store, opts.inputs.amendmentsXmlPath, 'bench-file-2', opts);
      amendmentSeconds = second.processSeconds;
      amendmentOutputs = {};
      for (const output of store.outputsOf(second.messageId)) {
        const key = output.messageType === 'REPORT' ? 'REPORT' : output.workflowId;
        amendmentOutputs[key] = (amendmentOutputs[key] ?? 0) + 1;
      }
    }
    return {
      importSeconds: imported.seconds,
      importPeoplePerSecond: imported.people / imported.seconds,
      importedPeople: imported.people,
      uploadSeconds: sent.uploadSeconds,
      processSeconds: sent.processSeconds,
      registrationsPerSecond: opts.inputs.truth.size / sent.processSeconds,
      peakRssMiB: Math.max(peakRssMiB, meshd.usage().peakRssMiB),
      cpu: cpuShare,
      evaluation,
      amendmentOutputs,
      amendmentSeconds,
    };
  } finally {
    store?.close();
    gro.close();
    await meshd.stop();
  }
}

/** `meshd pds import FILE --config <meshd's config>` as a child process, timed; throws unless every line imported. */
async function importPeople(meshd: MeshdProcess, file: string): Promise<{ seconds: number; people: number; line: string }> {
  const started = nowMs();
  const child = spawn(process.execPath, [MESHD_SCRIPT, 'pds', 'import', file, '--config', meshd.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    // Invalid lines are listed one by one; the first few KB say enough.
    if (stderr.length < 8000) stderr += c.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  });
  const seconds = (nowMs() - started) / 1000;
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`meshd pds import exited ${code}: ${line}\n${stderr.trim()}`);
  const people = Number(/imported (\d+)/.exec(line)?.[1] ?? Number.NaN);
  return { seconds, people, line };
}

/** Uploads one GRO file and waits until its message is processed (polling the store); throws if it errors, parks or times out. */
async function sendAndWait(gro: MeshClient, store: MeshdStoreReader, path: string, localId: string, opts: DeathsRunOptions): Promise<{ messageId: string; uploadSeconds: number; processSeconds: number }> {
  const started = nowMs();
  const messageId = await gro.sendMessage({
    to: MANUAL_MAILBOX,
    workflowId: REGISTRATION_WORKFLOW,
    body: { filePath: path },
    localId,
    fileName: path.split('/').pop()!,
    contentType: 'application/xml',
    chunkSize: opts.chunkBytes,
  });
  const uploadSeconds = (nowMs() - started) / 1000;
  let nextProgress = nowMs() + PROGRESS_EVERY_MS;
  for (;;) {
    // MESH tracking shows a routed or processed message as `accepted`; the store says which.
    const state = store.sourceState(messageId);
    if (state.status === 'processed') return { messageId, uploadSeconds, processSeconds: (nowMs() - started) / 1000 };
    if (state.status === 'error') throw new Error(`the GRO file ${messageId} failed: ${state.statusDescription ?? 'no description'}`);
    if (state.parkedReason !== null) throw new Error(`the GRO file ${messageId} was parked: ${state.parkedReason}`);
    if (nowMs() - started > opts.timeoutMs) throw new Error(`the GRO file ${messageId} was not processed within ${opts.timeoutMs / 1000} s (status ${state.status}, ${state.outputs} outputs so far)`);
    if (nowMs() >= nextProgress) {
      opts.log(`    ... ${Math.round((nowMs() - started) / 1000)} s, status ${state.status}, ${state.outputs.toLocaleString('en-GB')} outputs so far`);
      nextProgress += PROGRESS_EVERY_MS;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
