/**
 * meshd as a real child process, for tests that kill it, restart it or split its roles.
 *
 * The TypeScript entry (bin/meshd.ts) runs under the ts-node loader tap itself uses, so these
 * tests do not depend on `npm run build`. Every child is killed (SIGKILL) at teardown and the
 * teardown waits for its exit, so a later teardown can delete its data dir or its queues safely.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';
import { packageRoot } from '../../broker/config/package-root.js';
import { entryArgs } from './entry-point.js';

export const ROOT = packageRoot();

/** One pino record from the child's stdout (or a non-JSON line, kept as `{ msg, raw: true }`). */
export type LogRecord = Record<string, unknown> & { msg?: unknown };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Extra environment variables (MESH_* from the developer's shell are never passed on). */
  env?: Record<string, string>;
  /** A label for diagnostics, e.g. 'api' or 'worker-2'. */
  name?: string;
}

/** The environment without MESH_* variables, so the developer's shell cannot change results. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESH_')) env[k] = v;
  // Type checking is tsc's job; transpiling only keeps each start-up to a couple of seconds.
  env.TS_NODE_TRANSPILE_ONLY = '1';
  return { ...env, ...extra };
}

/** A running (or exited) meshd child with its log. */
export class MeshdProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** Every stdout record so far, in order; grows as the child logs. */
  readonly records: LogRecord[] = [];
  readonly exit: Promise<Exit>;
  private stderrText = '';
  private closed = false;
  private readonly watchers = new Set<() => void>();

  private constructor(child: ChildProcess, name: string) {
    this.child = child;
    this.name = name;
    // 'close', not 'exit': it comes after stdout has ended, so every log line is in `records` by then.
    this.exit = new Promise((resolve) => child.once('close', (code, signal) => {
      this.closed = true;
      resolve({ code, signal });
    }));
    // Waiters re-check on exit too, so a child that dies fails them at once instead of at their bound.
    void this.exit.then(() => this.notify());
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => (this.stderrText += c));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        rec = { msg: line, raw: true };
      }
      this.records.push(rec);
      this.notify();
    });
  }

  /** Starts `meshd <args>` from the package root; killed and awaited at `t`'s teardown. */
  static spawn(t: Test, args: string[], opts: SpawnOptions = {}): MeshdProcess {
    const child = spawn(process.execPath, [...entryArgs('meshd'), ...args], {
      cwd: ROOT,
      env: childEnv(opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new MeshdProcess(child, opts.name ?? 'meshd');
    t.teardown(async () => {
      await proc.kill('SIGKILL');
      // The log of a failed test is the first thing anyone will want to read.
      if (!t.passing()) t.comment(`${proc.name} (pid ${child.pid}) last log lines:\n${proc.tail(40)}`);
    });
    return proc;
  }

  /** Spawns and waits for the `meshd listening` line; rejects if the child exits first. */
  static async start(t: Test, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<MeshdProcess> {
    const proc = MeshdProcess.spawn(t, args, opts);
    await proc.listening(opts.timeoutMs);
    return proc;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** False once the child has exited and its output has been read to the end. */
  get running(): boolean {
    return !this.closed;
  }

  stderr(): string {
    return this.stderrText;
  }

  /** The URL from the `meshd listening` line; throws if it has not been logged. */
  get url(): string {
    const rec = this.records.find((r) => r.msg === 'meshd listening');
    if (!rec) throw new Error(`${this.name} has not logged 'meshd listening'`);
    return String(rec['url']);
  }

  /** Resolves with the `meshd listening` record. */
  listening(timeoutMs = 30_000): Promise<LogRecord> {
    return this.waitForLog((r) => r.msg === 'meshd listening', 'meshd listening', timeoutMs);
  }

  /** Resolves with the first record (old or new) matching `match`; rejects on exit or after the bound. */
  waitForLog(match: (r: LogRecord) => boolean, what: string, timeoutMs = 30_000, from = 0): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.records.slice(from).find(match);
        if (found) return finish(() => resolve(found));
        if (!this.running) return finish(() => reject(new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before logging ${what}: ${this.stderrText.trim()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name} did not log ${what} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.watchers.delete(check);
        settle();
      };
      this.watchers.add(check);
      check();
    });
  }

  /** Records whose msg is exactly `msg`. */
  logged(msg: string): LogRecord[] {
    return this.records.filter((r) => r.msg === msg);
  }

  /** Sends `signal` without waiting for anything (e.g. SIGSTOP to freeze the process mid-work). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` (if still running) and resolves once the child has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exit;
  }

  /** The last `n` log lines, as the child wrote them, plus its stderr. */
  tail(n: number): string {
    const lines = this.records.slice(-n).map((r) => JSON.stringify(r));
    return [...lines, this.stderrText.trim() ? `stderr: ${this.stderrText.trim()}` : ''].filter(Boolean).join('\n');
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}

/** A fresh temporary directory, removed at teardown (register it before the children using it). */
export async function tempDir(t: Test, label = 'meshd-proc-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), label));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes a meshd config file into `dir`: conf/'s mailboxes, workflows and routes (absolute paths,
 * so the file can live anywhere) plus the given routing settings, and returns its path.
 */
export async function writeMeshdConfig(dir: string, routing: Record<string, unknown> = {}, extra = ''): Promise<string> {
  const file = join(dir, 'meshd-test.yaml');
  const conf = (name: string): string => JSON.stringify(join(ROOT, 'conf', name));
  const lines = [
    'host: 127.0.0.1',
    'port: 0',
    'environment: test',
    'logLevel: info',
    'sharedKey: TestKey',
    `mailboxes: ${conf('mailboxes.yaml')}`,
    `workflows: ${conf('workflows.yaml')}`,
    `routes: ${conf('routes.yaml')}`,
    'strictWorkflows: false',
    `routing: ${JSON.stringify(routing)}`,
    extra,
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}
