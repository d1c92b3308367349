/**
 * Scenario "large": one multi-gigabyte file uploaded in MESH chunks from disk and downloaded
 * again as a stream into SHA-256, against a fresh meshd. Measures transfer rates and meshd's
 * peak resident memory, the two halves of DESIGN §7's large-message target.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshClient } from '../../mailbox/client/index.js';
import { startCpuMeter } from '../lib/cpu-meter.js';
import { BENCH_SHARED_KEY, benchPassword, startMeshdProcess, type MeshdProcess } from '../lib/meshd-process.js';
import { MIB, mibPerSecond, nowMs } from '../lib/stats.js';

export interface LargeSettings {
  payloadBytes: number;
  /** Uncompressed bytes per MESH chunk; must stay under meshd's maxRequestBytes. */
  chunkBytes: number;
  /** meshd `limits:` overrides, e.g. a higher maxRequestBytes for bigger chunks. */
  limits?: Record<string, number>;
  logLevel: string;
  cpuProfDir?: string;
  /** Run meshd on PostgreSQL + S3 instead of its embedded stores. */
  stores?: { metadata: string; objects: string; env: Record<string, string> };
}

/** One run's figures; rates in MiB/s, memory in MiB, CPU as % of one core. */
export interface LargeRunMetrics {
  uploadMiBps: number;
  downloadMiBps: number;
  /** meshd's VmHWM after the upload finished. */
  uploadPeakRssMiB: number;
  /** meshd's VmHWM over the whole run. */
  peakRssMiB: number;
  uploadMs: number;
  downloadMs: number;
  chunks: number;
  meshdCpuPercent: number;
  harnessCpuPercent: number;
  /** CPU used by other processes on the machine; results with much of it are not comparable. */
  otherCpuPercent: number;
}

/** The payload on disk, shared by every run of the scenario. */
export interface PayloadFile {
  path: string;
  bytes: number;
  sha256: string;
  remove(): Promise<void>;
  removeSync(): void;
}

const WORKFLOW = 'BENCH_LARGE';
const SENDER = 'BENCHLS01';
const RECIPIENT = 'BENCHLR01';
const BLOCK = MIB;

/**
 * Writes `bytes` of incompressible data to a temp file one MiB at a time, hashing as it goes.
 * Each block is one random block with its index stamped in, so no two chunks are identical
 * (a store that deduplicated or a disk that compressed would otherwise flatter the numbers).
 */
export async function writePayloadFile(bytes: number): Promise<PayloadFile> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-payload-'));
  const path = join(dir, 'payload.bin');
  const hash = createHash('sha256');
  const block = randomBytes(BLOCK);
  const file = await open(path, 'w');
  try {
    for (let offset = 0, index = 0; offset < bytes; offset += BLOCK, index += 1) {
      block.writeBigUInt64BE(BigInt(index), 0);
      const piece = block.subarray(0, Math.min(BLOCK, bytes - offset));
      hash.update(piece);
      await file.write(piece);
    }
  } catch (err) {
    await file.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await file.close();
  return {
    path,
    bytes,
    sha256: hash.digest('hex'),
    remove: () => rm(dir, { recursive: true, force: true }),
    removeSync: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the large-file scenario once against a fresh meshd. */
export async function runLargeFile(settings: LargeSettings, payload: PayloadFile): Promise<LargeRunMetrics> {
  const meshd = await startMeshdProcess({
    mailboxIds: [SENDER, RECIPIENT],
    workflows: [{ id: WORKFLOW, senders: [SENDER], receivers: [RECIPIENT] }],
    logLevel: settings.logLevel,
    ...(settings.limits ? { limits: settings.limits } : {}),
    ...(settings.cpuProfDir ? { cpuProfDir: settings.cpuProfDir } : {}),
    ...(settings.stores ? { stores: settings.stores } : {}),
  });
  const sender = client(meshd, SENDER);
  const recipient = client(meshd, RECIPIENT);
  try {
    const cpu = startCpuMeter(meshd);
    const t0 = nowMs();
    const id = await sender.sendMessage({
      to: RECIPIENT,
      workflowId: WORKFLOW,
      body: { filePath: payload.path },
      chunkSize: settings.chunkBytes,
      compress: false,
      fileName: 'payload.bin',
    });
    const uploadMs = nowMs() - t0;
    const uploadPeakRssMiB = meshd.usage().peakRssMiB;

    const t1 = nowMs();
    const download = await recipient.downloadMessage(id);
    const hash = createHash('sha256');
    let received = 0;
    for await (const piece of download.body) {
      hash.update(piece as Buffer);
      received += (piece as Buffer).length;
    }
    const downloadMs = nowMs() - t1;
    const cpuShare = cpu();
    const digest = hash.digest('hex');
    if (received !== payload.bytes || digest !== payload.sha256) {
      throw new Error(`download of ${id} differs: ${received} bytes, sha256 ${digest}; sent ${payload.bytes} bytes, sha256 ${payload.sha256}`);
    }
    await recipient.acknowledge(id);
    sender.close();
    recipient.close();
    const usage = await meshd.stop();
    return {
      uploadMiBps: mibPerSecond(payload.bytes, uploadMs),
      downloadMiBps: mibPerSecond(payload.bytes, downloadMs),
      uploadPeakRssMiB,
      peakRssMiB: usage.peakRssMiB,
      uploadMs,
      downloadMs,
      chunks: download.totalChunks,
      ...cpuShare,
    };
  } finally {
    sender.close();
    recipient.close();
    await meshd.stop();
  }
}

function client(meshd: MeshdProcess, mailboxId: string): MeshClient {
  return new MeshClient({ baseUrl: meshd.url, mailboxId, password: benchPassword(mailboxId), sharedKey: BENCH_SHARED_KEY, keepAlive: true });
}
