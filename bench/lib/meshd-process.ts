/**
 * Runs meshd as a child process (node dist/bin/meshd.js) with throwaway config files and data
 * directory. A separate process is the point: its resident memory and CPU time can then be read
 * from /proc without the load generator's own allocations mixed in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** The HMAC shared key every bench meshd and client uses. */
export const BENCH_SHARED_KEY = 'BenchKey';

/** Password of a bench mailbox; derived so scenarios need not carry a table around. */
export function benchPassword(mailboxId: string): string {
  return `pw-${mailboxId}`;
}

export interface BenchWorkflow {
  id: string;
  senders: string[];
  receivers: string[];
}

export interface MeshdProcessOptions {
  mailboxIds: string[];
  workflows: BenchWorkflow[];
  /** Overrides of meshd's `limits:` block; unset keys keep meshd's defaults. */
  limits?: Record<string, number>;
  /** pino level for meshd; `warn` keeps per-message `info` lines out of the measurement. */
  logLevel?: string;
  /** When set, meshd runs with --cpu-prof and writes its profile into this directory on exit. */
  cpuProfDir?: string;
  /** Routing rules, written as the `routes:` list of a routes file next to the config. */
  routes?: unknown[];
  /** `embedded` or an amqp:// URL; unset keeps meshd's default (embedded). */
  transport?: string;
  /** meshd's `routing:` block (queuePrefix, prefetch, retryDelaysMs...). */
  routing?: Record<string, unknown>;
  /** Scaled-out stores (`metadata:` and `objects:`), with the environment they need; unset: embedded. */
  stores?: { metadata: string; objects: string; env: Record<string, string> };
  /** ODS code per mailbox ID (e.g. a GP practice's code for its mailbox); unlisted mailboxes get `X26`. */
  odsCodes?: Record<string, string>;
}

/** Resource use of the meshd process so far, read from /proc (NaN where /proc is missing). */
export interface ProcessUsage {
  /** Current resident set, MiB. */
  rssMiB: number;
  /** Peak resident set since start (VmHWM), MiB. */
  peakRssMiB: number;
  /** User + system CPU time, milliseconds. */
  cpuMs: number;
}

/** A running meshd child. */
export interface MeshdProcess {
  url: string;
  pid: number;
  /** The config file meshd was started with, for CLI commands run against the same stores (`meshd pds import`). */
  configFile: string;
  /** meshd's data directory (embedded SQLite at `<dataDir>/meshd.sqlite`, objects under `<dataDir>/objects`). */
  dataDir: string;
  /** Reads current usage without disturbing the process. */
  usage(): ProcessUsage;
  /** Reads final usage, stops meshd (SIGTERM, then SIGKILL) and deletes its files. */
  stop(): Promise<ProcessUsage>;
}

const MESHD_SCRIPT = fileURLToPath(new URL('../../bin/meshd.js', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 30_000;

/** Children and temp dirs still alive, so an abrupt exit of the harness can clean them up. */
const live = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** SIGKILLs every meshd still running: an interrupted harness must stop them before deleting their RabbitMQ queues. */
export function killAllMeshd(): void {
  for (const child of live.keys()) child.kill('SIGKILL');
}

/** Starts meshd on a free loopback port and resolves once /_ping answers. */
export async function startMeshdProcess(opts: MeshdProcessOptions): Promise<MeshdProcess> {
  const root = await mkdtemp(join(tmpdir(), 'mesh-bench-'));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const configFile = await writeConfig(root, port, opts);
    const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    child = spawn(process.execPath, [...nodeArgs, MESHD_SCRIPT, '--config', configFile], {
      env: { ...cleanEnv(), ...opts.stores?.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.set(child, root);
    const output = captureTail(child);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(child, url, output);
    return handle(child, url, root, configFile);
  } catch (err) {
    if (child) {
      child.kill('SIGKILL');
      live.delete(child);
    }
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

function handle(child: ChildProcess, url: string, root: string, configFile: string): MeshdProcess {
  const pid = child.pid!;
  let stopped: Promise<ProcessUsage> | null = null;
  return {
    url,
    pid,
    configFile,
    dataDir: join(root, 'data'),
    usage: () => readUsage(pid),
    stop() {
      stopped ??= (async () => {
        // Read before signalling: once the process is reaped, /proc/<pid> is gone.
        const final = readUsage(pid);
        await terminate(child);
        live.delete(child);
        await rm(root, { recursive: true, force: true });
        return final;
      })();
      return stopped;
    },
  };
}

async function writeConfig(root: string, port: number, opts: MeshdProcessOptions): Promise<string> {
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  const mailboxes = opts.mailboxIds.map((id) => ({ id, name: `Bench ${id}`, odsCode: opts.odsCodes?.[id] ?? 'X26', orgCode: 'X26', orgName: 'Bench', password: benchPassword(id) }));
  const config = {
    host: '127.0.0.1',
    port,
    dataDir,
    environment: 'bench',
    logLevel: opts.logLevel ?? 'warn',
    sharedKey: BENCH_SHARED_KEY,
    mailboxes: 'mailboxes.yaml',
    workflows: 'workflows.yaml',
    strictWorkflows: false,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.routes ? { routes: 'routes.yaml' } : {}),
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.routing ? { routing: opts.routing } : {}),
    ...(opts.stores ? { metadata: opts.stores.metadata, objects: opts.stores.objects } : {}),
  };
  const configFile = join(root, 'meshd.yaml');
  if (opts.routes) await writeFile(join(root, 'routes.yaml'), YAML.stringify({ routes: opts.routes }));
  await writeFile(join(root, 'mailboxes.yaml'), YAML.stringify({ mailboxes }));
  await writeFile(join(root, 'workflows.yaml'), YAML.stringify({ workflows: opts.workflows }));
  await writeFile(configFile, YAML.stringify(config));
  return configFile;
}

/** The harness's environment without MESH_* variables, which would override the bench config. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESH_')));
}

/** Asks the kernel for a free port; meshd is told it explicitly because --port 0 is not reported back. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Keeps the last few KB of meshd's output for error messages; unread pipes would block it. */
function captureTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail.trim();
}

async function waitReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`meshd exited (${child.exitCode ?? child.signalCode}) before listening:\n${output()}`);
    }
    const ok = await fetch(`${url}/messageexchange/_ping`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`meshd did not answer /_ping within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/** SIGTERM (so --cpu-prof can write its profile), then SIGKILL if it hangs. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Milliseconds per /proc clock tick: USER_HZ is fixed at 100 in Linux's user-space ABI, whatever the kernel's own tick rate. */
export const MS_PER_TICK = 10;

/** VmRSS/VmHWM from /proc/<pid>/status and utime+stime from /proc/<pid>/stat. */
function readUsage(pid: number): ProcessUsage {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3; utime is 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024, cpuMs: ticks * MS_PER_TICK };
  } catch {
    return { rssMiB: Number.NaN, peakRssMiB: Number.NaN, cpuMs: Number.NaN };
  }
}
