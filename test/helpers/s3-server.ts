/**
 * An S3-protocol server (s3rver, patched where it departs from S3: see s3rver-child.mjs) in a child
 * process on 127.0.0.1, for tests of the S3 object store. A child rather than in-process so the
 * test's memory figures leave the server out, and so a test can SIGKILL it to make an outage and
 * restart it on the same port and directory.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';
import { packageRoot } from '../../broker/config/package-root.js';

const CHILD = join(packageRoot(), 'test', 'helpers', 's3rver-child.mjs');

// The SDK warns once per process that Node 20 support ends in 2027; test output needs it no more.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver accepts only its own access key; it does not check V4 signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3ServerOptions {
  /** Data directory; default a fresh temporary one, removed at teardown. */
  dir?: string;
  /** Default 0: any free port (kept across restart()). */
  port?: number;
  /** Buckets to create at start-up. */
  buckets?: string[];
}

export interface S3TestServer {
  /** e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  readonly port: number;
  readonly dir: string;
  /** Graceful stop (SIGTERM); resolves when the child has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a pulled cable would; resolves when the child has exited. */
  kill(): Promise<void>;
  /** Kills the server if running and starts it again on the same port and directory. */
  restart(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Spawns the child and resolves with its port once it is listening. */
async function launch(dir: string, port: number, buckets: string[]): Promise<Running & { port: number }> {
  // stdin stays a pipe: the child exits when it closes, i.e. when this process dies.
  const child = spawn(process.execPath, [CHILD, dir, String(port), ...buckets], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 15 s: ${stderr.trim()}`)), 15_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr.trim()}`));
    });
  });
  try {
    return { child, exited, port: await listening };
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
}

/** Starts s3rver in a child process; killed (and its temporary directory removed) at teardown. */
export async function startS3Server(t: Test, opts: S3ServerOptions = {}): Promise<S3TestServer> {
  let dir = opts.dir;
  if (!dir) {
    const tmp = await mkdtemp(join(tmpdir(), 'mesh-s3rver-'));
    // Registered before the child's teardown, so it runs after it (teardowns run last-in first-out).
    t.teardown(() => rm(tmp, { recursive: true, force: true }));
    dir = tmp;
  }
  const buckets = opts.buckets ?? [];
  let running: Running | null = await launch(dir, opts.port ?? 0, buckets);
  const port = (running as Running & { port: number }).port;

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    if (!running) return;
    const { child, exited } = running;
    running = null;
    child.kill(signal);
    await exited;
  };
  t.teardown(() => halt('SIGKILL'));

  const fixedDir = dir;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir: fixedDir,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGKILL');
      // The port was this server's a moment ago; nothing else on a test machine should take it.
      running = await launch(fixedDir, port, []);
    },
  };
}
