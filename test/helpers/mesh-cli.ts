import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryArgs } from './entry-point.js';

/** The repository root (bin/mesh.ts lives under it). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// tsx when installed; otherwise tap's own ts-node loader, transpile-only so each run starts in under a second.
// Resolved to a URL here because `--import NAME` resolves against the child's cwd, which tests vary.
// The developer's own MESH_* settings must not leak into the child and change what a test means.
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESH_')));

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

export interface CliOptions {
  env?: Record<string, string>;
  input?: Buffer;
  cwd?: string;
  /** The child is killed after this long (default 30 s). */
  timeoutMs?: number;
}

/** Runs `mesh ARGS` from the TypeScript source as a child process, bounded in time. */
export function runMesh(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...entryArgs('mesh'), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...BASE_ENV, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.on('error', () => undefined); // a child that exits early closes its stdin
    child.stdin.end(opts.input ?? Buffer.alloc(0));
  });
}
