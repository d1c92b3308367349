/**
 * The meshd command as a child process: flags, one-line errors, startup log, /_ping, SIGTERM,
 * and mesh-sandbox style directory files.
 *
 * The TypeScript entry (bin/meshd.ts) is run under the ts-node loader that tap itself uses
 * (@tapjs/typescript/import), so the test does not depend on `npm run build` having been run.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { packageRoot } from '../../broker/config/package-root.js';
import { MeshClient } from '../../mailbox/client/index.js';
import { entryArgs, TS_LOADER } from '../helpers/entry-point.js';
import { raw, readAll, sha256 } from '../helpers/meshd.js';

const ROOT = packageRoot();
const SANDBOX_MAILBOXES = 'test/fixtures/sandbox/mailboxes.jsonl';
const SANDBOX_WORKFLOWS = 'test/fixtures/sandbox/workflows.jsonl';

/** Upper bound on any one child process; a hung meshd fails the test instead of hanging it. */
const CHILD_TIMEOUT_MS = 60_000;

/** The environment without MESH_* variables, so the developer's shell cannot change results. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESH_')) env[k] = v;
  // Type checking is tsc's job (npx tsc --noEmit); transpiling only keeps start-up quick.
  env.TS_NODE_TRANSPILE_ONLY = '1';
  return env;
}

function spawnMeshd(t: Test, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [...entryArgs('meshd'), ...args], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Runs meshd to completion; resolves with its exit and output. */
async function runMeshd(t: Test, args: string[]): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawnMeshd(t, args);
  const [stdout, stderr, exit] = await Promise.all([readAll(child.stdout!), readAll(child.stderr!), exited(child)]);
  return { ...exit, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
}

/** Non-empty lines of some output. */
function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

interface RunningChild {
  child: ChildProcess;
  /** The `meshd listening` log record. */
  listening: Record<string, unknown>;
  url: string;
  /** Every JSON log record seen on stdout so far (and later, as they arrive). */
  records: Array<Record<string, unknown>>;
  stderr: () => string;
  exit: Promise<Exit>;
}

/** Starts meshd and resolves once it logs `meshd listening`; rejects if it exits first. */
async function startMeshdProcess(t: Test, args: string[]): Promise<RunningChild> {
  const child = spawnMeshd(t, args);
  const exit = exited(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (stderr += c));
  const records: Array<Record<string, unknown>> = [];
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        reject(new Error(`meshd wrote a non-JSON line to stdout: ${line}`));
        return;
      }
      records.push(rec);
      if (rec['msg'] === 'meshd listening') resolve(rec);
    });
    void exit.then((e) => reject(new Error(`meshd exited (${e.code ?? e.signal}) before listening: ${stderr.trim()}`)));
  });
  return { child, listening, url: String(listening['url']), records, stderr: () => stderr, exit };
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meshd-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the ts-node loader tap uses is installed', async (t) => {
  t.ok(existsSync(TS_LOADER), `${TS_LOADER} exists`);
});

t.test('--help prints every flag and exits 0', async (t) => {
  const r = await runMeshd(t, ['--help']);
  t.equal(r.code, 0, 'exit code 0');
  t.equal(r.stderr, '', 'nothing on stderr');
  t.match(r.stdout, /^Usage: meshd \[options\]/, 'usage line first');
  const flags = ['--config', '--host', '--port', '--data-dir', '--tls-cert', '--tls-key', '--tls-ca', '--require-client-cert',
    '--shared-key', '--mailboxes', '--workflows', '--strict-workflows', '--sandbox-admin', '--sandbox-admin-force', '--log-level', '--roles', '--transport', '--routes', '--queue-prefix', '--metadata', '--objects', '--help'];
  for (const flag of flags) {
    t.match(r.stdout, new RegExp(`^  ${flag}\\b`, 'm'), `documents ${flag}`);
  }
  const documented = [...r.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
  t.same(documented.sort(), [...flags].sort(), 'and no flag it does not accept');
});

/** Asserts a failed run: non-zero exit, no stdout, exactly one stderr line matching `pattern`. */
function assertOneLineError(t: Test, r: Exit & { stdout: string; stderr: string }, pattern: RegExp): void {
  t.not(r.code, 0, 'exits non-zero');
  t.not(r.code, null, 'exits by itself, not by a signal');
  t.equal(r.stdout, '', 'nothing on stdout');
  const errLines = lines(r.stderr);
  t.equal(errLines.length, 1, `exactly one stderr line: ${JSON.stringify(r.stderr)}`);
  t.match(errLines[0] ?? '', pattern);
}

t.test('an unknown flag is one stderr line naming it', async (t) => {
  const r = await runMeshd(t, ['--bogus-flag']);
  assertOneLineError(t, r, /^meshd: .*--bogus-flag.*unknown option/);
});

t.test('a bad --port value is one stderr line', async (t) => {
  const cases: Array<[string, string[], RegExp]> = [
    ...['abc', '70000', '-1', '80.5'].map((v): [string, string[], RegExp] =>
      [`--port=${v}`, [`--port=${v}`, '--shared-key', 'k'], new RegExp(`^meshd: .*--port.*must be an integer.*"${v.replace('.', '\\.')}"`)]),
    ['--port without a value', ['--port'], /^meshd: .*--port.*needs a value/],
  ];
  for (const [name, args, pattern] of cases) {
    await t.test(name, async (t) => assertOneLineError(t, await runMeshd(t, args), pattern));
  }
});

t.test('a missing config file is one stderr line naming the file', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'no-such-meshd.yaml');
  const r = await runMeshd(t, ['--config', missing]);
  assertOneLineError(t, r, /^meshd: .*--config.*file not found/);
  t.ok(r.stderr.includes(missing), 'names the missing file');
});

t.test('--sandbox-admin on a non-loopback host', async (t) => {
  await t.test('is refused without --sandbox-admin-force', async (t) => {
    const r = await runMeshd(t, ['--sandbox-admin', '--host', '0.0.0.0', '--shared-key', 'k', '--port', '0']);
    assertOneLineError(t, r, /^meshd: .*--sandbox-admin.*non-loopback.*0\.0\.0\.0.*--sandbox-admin-force/);
  });

  await t.test('gets past configuration with --sandbox-admin-force', async (t) => {
    // Rather than expose an unauthenticated admin API on every interface, take the port on
    // 127.0.0.1 first: binding 0.0.0.0 to the same port then fails, which shows meshd accepted
    // the configuration and got as far as listening.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = await tempDir(t);
    const r = await runMeshd(t, ['--sandbox-admin', '--sandbox-admin-force', '--host', '0.0.0.0', '--port', String(port),
      '--shared-key', 'k', '--data-dir', dir, '--log-level', 'silent']);
    assertOneLineError(t, r, /^meshd: cannot listen: .*EADDRINUSE/);
    t.notMatch(r.stderr, /sandbox-admin/, 'not refused for the admin API');
  });
});

t.test('starts from conf/meshd.yaml, answers /_ping, stops on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  const m = await startMeshdProcess(t, ['--config', 'conf/meshd.yaml', '--port', '0', '--data-dir', dataDir]);
  t.match(m.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'listening line has the URL');
  t.not(new URL(m.url).port, '0', 'with the port actually bound');
  t.equal(m.listening['dataDir'], dataDir, 'uses --data-dir');
  t.equal(m.listening['mailboxes'], 8, 'loaded conf/mailboxes.yaml');
  t.equal(m.listening['tls'], false, 'plain HTTP');
  t.ok(existsSync(join(dataDir, 'meshd.sqlite')), 'database created in --data-dir');

  for (const path of ['/_ping', '/messageexchange/_ping']) {
    const res = await raw(m.url, 'GET', path);
    t.equal(res.status, 200, `GET ${path} is 200`);
    t.match(res.json(), { status: 'running', env: 'local' }, `GET ${path} says running`);
  }

  t.ok(m.child.kill('SIGTERM'), 'SIGTERM delivered');
  const exit = await m.exit;
  t.same(exit, { code: 0, signal: null }, 'exits 0 on SIGTERM');
  t.ok(m.records.some((r) => r['msg'] === 'meshd stopped'), 'logged meshd stopped');
  t.equal(m.stderr(), '', 'nothing on stderr');
});

t.test('mesh-sandbox .jsonl mailboxes and workflows', async (t) => {
  await t.test('with the config file\'s shared key', async (t) => {
    const dataDir = await tempDir(t);
    const m = await startMeshdProcess(t, ['--config', 'conf/meshd.yaml', '--port', '0', '--data-dir', dataDir,
      '--mailboxes', SANDBOX_MAILBOXES, '--workflows', SANDBOX_WORKFLOWS]);
    t.equal(m.listening['mailboxes'], 3, 'three mailboxes, replacing conf/mailboxes.yaml');
    t.equal(m.listening['workflows'], 3, 'three workflows, replacing conf/workflows.yaml');

    const client = (mailboxId: string): MeshClient => {
      const c = new MeshClient({ baseUrl: m.url, mailboxId, password: 'password', sharedKey: 'TestKey' });
      t.teardown(() => c.close());
      return c;
    };
    const sender = client('X26ABC1');
    const recipient = client('X26ABC2');
    await t.resolves(sender.handshake(), 'X26ABC1 handshakes');
    await t.resolves(recipient.handshake(), 'X26ABC2 handshakes');
    await t.rejects(client('X26LAB1').handshake(), { name: 'MeshApiError', status: 403 }, 'a mailbox only in conf/mailboxes.yaml is not loaded');

    const payload = Buffer.from('hello from the sandbox fixtures\n');
    const id = await sender.sendMessage({ to: 'X26ABC2', workflowId: 'TEST_WORKFLOW', body: payload });
    const download = await recipient.downloadMessage(id);
    t.equal(sha256(await readAll(download.body)), sha256(payload), 'message delivered on TEST_WORKFLOW');
  });

  await t.test('with --shared-key and no config file', async (t) => {
    const dataDir = await tempDir(t);
    const m = await startMeshdProcess(t, ['--port', '0', '--data-dir', dataDir, '--shared-key', 'CliKey',
      '--mailboxes', SANDBOX_MAILBOXES, '--workflows', SANDBOX_WORKFLOWS]);
    t.equal(m.listening['mailboxes'], 3);
    const good = new MeshClient({ baseUrl: m.url, mailboxId: 'X26ABC3', password: 'password', sharedKey: 'CliKey' });
    const wrongKey = new MeshClient({ baseUrl: m.url, mailboxId: 'X26ABC3', password: 'password', sharedKey: 'TestKey' });
    t.teardown(() => {
      good.close();
      wrongKey.close();
    });
    await t.resolves(good.handshake(), 'handshake with the --shared-key key succeeds');
    await t.rejects(wrongKey.handshake(), { name: 'MeshApiError', status: 403 }, 'a token made with another key is refused');
  });
});
