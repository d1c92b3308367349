/**
 * The scaled-out stores for the bench (DESIGN §4.5): a fresh PostgreSQL schema and an S3-protocol
 * server, per run, so every run starts from empty stores as the embedded runs do. The S3 server
 * is s3rver (the tests' server, in its own process so its CPU shows as "other", not as meshd's):
 * no MinIO binary can be installed here, so the figures are of meshd's S3 path against s3rver,
 * which writes each part and the completed object to its own filesystem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The PostgreSQL the scaled-out scenarios use unless BENCH_PG_URL says otherwise. */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

const S3RVER_CHILD = fileURLToPath(new URL('../../../test/helpers/s3rver-child.mjs', import.meta.url));
const BUCKET = 'mesh-bench';
const START_TIMEOUT_MS = 15_000;

/** Where one run's meshd keeps its metadata and payloads, and the environment it needs for them. */
export interface ScaledStores {
  /** `--metadata` value: the PostgreSQL URL with a schema of this run's own. */
  metadata: string;
  /** `--objects` value: the bucket on the S3 server. */
  objects: string;
  /** S3 credentials for meshd (s3rver accepts only its own key). */
  env: Record<string, string>;
  /** PID of the S3 server, for its CPU share. */
  s3Pid: number;
  /** Stops the S3 server and drops the schema and the server's files. */
  stop(): Promise<void>;
}

/** Null if PostgreSQL answers at `url`, else why not (so the scenario is skipped, not failed). */
export async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema on `pgUrl` and a fresh S3 server with the bench bucket. */
export async function startScaledStores(pgUrl: string): Promise<ScaledStores> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'mesh-bench-s3-'));
  let child: ChildProcess | undefined;
  try {
    const started = await startS3rver(dir);
    child = started.child;
    const metadata = new URL(pgUrl);
    metadata.searchParams.set('schema', schema);
    const s3Child = child;
    return {
      metadata: metadata.toString(),
      objects: `s3://${BUCKET}?endpoint=${encodeURIComponent(`http://127.0.0.1:${started.port}`)}`,
      env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      s3Pid: s3Child.pid ?? -1,
      async stop() {
        await stopChild(s3Child);
        await rm(dir, { recursive: true, force: true });
        await dropSchema(pgUrl, schema);
      },
    };
  } catch (err) {
    if (child) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Spawns the S3 server on a free port and waits for the line with its port. */
async function startS3rver(dir: string): Promise<{ child: ChildProcess; port: number }> {
  // stdin a pipe: the server exits when it closes, so an interrupted bench leaves none behind.
  const child = spawn(process.execPath, [S3RVER_CHILD, dir, '0', BUCKET], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code ?? signal}) before listening: ${stderr.trim()}`));
    });
  });
  return { child, port };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function dropSchema(pgUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
