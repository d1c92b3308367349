import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { dataFileName, parseInterval, safeBaseName } from '../../mailbox/client/cli/watch.js';
import { UsageError } from '../../mailbox/client/cli/args.js';
import type { RunningMeshd } from '../../mailbox/server/meshd.js';
import { entryArgs } from '../helpers/entry-point.js';
import { SHARED_KEY, clientFor, raw, sha256, startTestMeshd } from '../helpers/meshd.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD_TIMEOUT_MS = 30_000;
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESH_')));

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by the timeout). */
  exited: Promise<{ code: number | null; timedOut: boolean }>;
}

/** Starts `mesh ARGS` as a child process, killed after CHILD_TIMEOUT_MS. */
function startMesh(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [...entryArgs('mesh'), ...args], {
    cwd: ROOT,
    env: { ...BASE_ENV, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout?.on('data', (c: Buffer) => out.push(c));
  proc.stderr?.on('data', (c: Buffer) => err.push(c));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, CHILD_TIMEOUT_MS);
  const exited = new Promise<{ code: number | null; timedOut: boolean }>((res, rej) => {
    proc.on('error', rej);
    proc.on('close', (code) => {
      clearTimeout(timer);
      res({ code, timedOut });
    });
  });
  return { proc, exited, stdout: () => Buffer.concat(out).toString('utf8'), stderr: () => Buffer.concat(err).toString('utf8') };
}

/** Runs `mesh ARGS` to completion and asserts exit 0. */
async function meshOk(t: Test, args: string[], env: Record<string, string>, what: string): Promise<Child> {
  const child = startMesh(args, env);
  const { code, timedOut } = await child.exited;
  t.equal(timedOut, false, `${what}: finished in time`);
  t.equal(code, 0, `${what}: exit 0 (stderr: ${child.stderr().trim()})`);
  return child;
}

function envFor(url: string, mailboxId: string): Record<string, string> {
  return { MESH_URL: url, MESH_MAILBOX: mailboxId, MESH_PASSWORD: `pw-${mailboxId}`, MESH_SHARED_KEY: SHARED_KEY };
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-watch-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls until `check` is true, failing after `ms`. */
async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

async function inboxOf(t: Test, meshd: RunningMeshd, mb: string): Promise<string[]> {
  const client = clientFor(t, meshd, mb);
  const ids: string[] = [];
  for await (const id of client.iterateInbox()) ids.push(id);
  return ids.sort();
}

t.jobs = 3;

t.test('file names are reduced to safe base names; interval is validated', async (t) => {
  t.equal(safeBaseName('../../etc/passwd'), 'passwd');
  t.equal(safeBaseName('..\\..\\win.ini'), 'win.ini');
  t.equal(safeBaseName('a b$c.txt'), 'a_b_c.txt');
  t.equal(safeBaseName('..'), undefined);
  t.equal(safeBaseName('dir/'), undefined);
  t.equal(safeBaseName('.hidden'), 'hidden', 'no dot files');
  t.equal(dataFileName('ID1', undefined), 'ID1.dat');
  t.equal(dataFileName('ID1', '../x.csv'), 'ID1_x.csv');
  t.equal(dataFileName('ID1', 'ID1.dat'), 'ID1.dat', "MESH's default name is not doubled");
  t.equal(parseInterval(undefined), 60_000);
  t.equal(parseInterval('0.5'), 500);
  t.throws(() => parseInterval('0.05'), UsageError);
  t.throws(() => parseInterval('abc'), UsageError);
});

t.test('--once saves files with ctl JSON, without --ack leaves the inbox, then --ack acks what is on disk', async (t) => {
  const meshd = await startTestMeshd(t);
  const base = await tempDir(t);
  const dir = join(base, 'in');
  const sender = clientFor(t, meshd, 'MB1', { maxChunkSize: 1000 });
  const plain = randomBytes(2500);
  const packed = Buffer.from('hello '.repeat(2000));
  const evil = randomBytes(100);
  const idPlain = await sender.sendMessage({ to: 'MB2', workflowId: 'WF_WATCH', body: plain });
  const idPacked = await sender.sendMessage({ to: 'MB2', workflowId: 'WF_PACK', body: packed, compress: true, fileName: 'data.csv' });
  const idEvil = await sender.sendMessage({ to: 'MB2', workflowId: 'WF_WATCH', body: evil, fileName: '../../evil.txt' });
  const env = envFor(meshd.url, 'MB2');

  const first = await meshOk(t, ['watch', '--out', dir, '--once'], env, 'watch --once');
  t.equal(sha256(await readFile(join(dir, `${idPlain}.dat`))), sha256(plain), 'chunked message saved intact');
  t.equal(sha256(await readFile(join(dir, `${idPacked}_data.csv`))), sha256(packed), 'compressed chunks decompressed');
  t.equal(sha256(await readFile(join(dir, `${idEvil}_evil.txt`))), sha256(evil), '../ file name sanitised');
  t.notOk(existsSync(join(base, 'evil.txt')), 'nothing written outside the folder');
  t.notOk((await readdir(base)).some((n) => n.includes('evil')), 'no evil file beside the folder');

  const ctl = await readJson(join(dir, `${idPlain}.ctl.json`));
  t.equal(ctl['messageId'], idPlain);
  t.equal(ctl['mex-from'], 'MB1');
  t.equal(ctl['mex-to'], 'MB2');
  t.equal(ctl['mex-workflowid'], 'WF_WATCH');
  t.equal(ctl['totalChunks'], 3);
  t.equal(typeof ctl['receivedAt'], 'string');
  t.ok(Object.keys(ctl).filter((k) => k.startsWith('mex')).every((k) => k === k.toLowerCase()), 'lower-case keys');
  t.equal((await readJson(join(dir, `${idPacked}.ctl.json`)))['mex-workflowid'], 'WF_PACK');
  t.equal((await readJson(join(dir, `${idEvil}.ctl.json`)))['mex-filename'], '../../evil.txt', 'original name kept in ctl');
  t.same(await readdir(join(dir, '.tmp')), [], '.tmp is empty');
  t.same(await inboxOf(t, meshd, 'MB2'), [idPlain, idPacked, idEvil].sort(), 'without --ack the inbox keeps them');
  t.equal(first.stdout().trim().split('\n').length, 3, 'one stdout line per saved message');

  // A second run with --ack must not download again: the marker survives.
  await writeFile(join(dir, `${idPlain}.dat`), 'marker');
  const second = await meshOk(t, ['watch', '--out', dir, '--once', '--ack'], env, 'watch --once --ack');
  t.equal(await readFile(join(dir, `${idPlain}.dat`), 'utf8'), 'marker', 'already-saved message not downloaded again');
  t.equal(second.stdout(), '', 'nothing newly saved');
  t.same(await inboxOf(t, meshd, 'MB2'), [], '--ack emptied the inbox');
  t.equal(second.stderr(), '', 'no errors');
});

t.test('--workflow-filter restricts what is saved; a REPORT becomes a report JSON', async (t) => {
  const meshd = await startTestMeshd(t, { config: { sandboxAdmin: true } });
  const dir = await tempDir(t);
  const sender = clientFor(t, meshd, 'MB1');
  const original = await sender.sendMessage({ to: 'MB2', workflowId: 'WF_ORIG', body: Buffer.from('x') });
  const made = await raw(meshd.url, 'POST', '/messageexchange/admin/report', { 'content-type': 'application/json' }, JSON.stringify({ mailbox_id: 'MB1', code: '14', description: 'Message not collected', workflow_id: 'WF_ORIG', status: 'undeliverable', linked_message_id: original }));
  t.equal(made.status, 200);
  const reportId = (made.json() as { message_id: string }).message_id;
  const other = await clientFor(t, meshd, 'MB2').sendMessage({ to: 'MB1', workflowId: 'WF_OTHER', body: Buffer.from('y') });

  const env = envFor(meshd.url, 'MB1');
  await meshOk(t, ['watch', '--out', dir, '--once', '--ack', '--workflow-filter', 'WF_ORIG'], env, 'filtered watch');
  const report = await readJson(join(dir, `${reportId}.report.json`));
  t.equal(report['mex-messagetype'], 'REPORT');
  t.equal(report['mex-statuscode'], '14');
  t.equal(report['mex-linkedmsgid'], original);
  t.equal(report['messageId'], reportId);
  t.notOk(existsSync(join(dir, `${reportId}.dat`)), 'no data file for a REPORT');
  t.notOk(existsSync(join(dir, `${other}.ctl.json`)), 'filtered-out workflow not saved');
  t.same(await inboxOf(t, meshd, 'MB1'), [other], 'only the filtered-out message remains');
});

t.test('watch keeps running across a meshd restart on the same data, and SIGINT exits 0', async (t) => {
  const dataDir = await tempDir(t);
  const outDir = join(await tempDir(t), 'out');
  const port = await freePort();
  const first = await startTestMeshd(t, { dataDir, config: { port } });
  const url = first.url;
  const sendVia = async (meshd: RunningMeshd, body: Buffer): Promise<string> =>
    clientFor(t, meshd, 'MB1').sendMessage({ to: 'MB2', workflowId: 'WF_LIVE', body });

  const a = randomBytes(1000);
  const idA = await sendVia(first, a);
  const child = startMesh(['watch', '--out', outDir, '--ack', '--interval', '0.2'], envFor(url, 'MB2'));
  t.teardown(() => {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  });
  const saved = (id: string) => () => existsSync(join(outDir, `${id}.ctl.json`));
  await waitFor(saved(idA), 15_000, 'message sent before watch');
  t.equal(sha256(await readFile(join(outDir, `${idA}.dat`))), sha256(a), 'message sent before watch saved');

  const b = randomBytes(2000);
  const idB = await sendVia(first, b);
  await waitFor(saved(idB), 5_000, 'message sent during watch');
  t.equal(sha256(await readFile(join(outDir, `${idB}.dat`))), sha256(b), 'message sent during watch saved');
  await waitFor(async () => (await inboxOf(t, first, 'MB2')).length === 0, 5_000, 'acks');

  await first.close();
  await waitFor(() => /server unavailable/.test(child.stderr()), 5_000, 'outage reported');
  await new Promise((r) => setTimeout(r, 800)); // several failing polls
  const second = await startTestMeshd(t, { dataDir, config: { port } });
  t.equal(second.url, url, 'same address after restart');
  const c = randomBytes(3000);
  const idC = await sendVia(second, c);
  await waitFor(saved(idC), 10_000, 'message sent after restart');
  t.equal(sha256(await readFile(join(outDir, `${idC}.dat`))), sha256(c), 'message sent after restart saved');
  await waitFor(async () => (await inboxOf(t, second, 'MB2')).length === 0, 5_000, 'ack after restart');

  child.proc.kill('SIGINT');
  const { code, timedOut } = await child.exited;
  t.equal(timedOut, false, 'stopped in time');
  t.equal(code, 0, 'SIGINT exits 0');
  const stderr = child.stderr();
  t.equal(stderr.match(/server unavailable/g)?.length, 1, `outage reported once (stderr: ${stderr.trim()})`);
  t.match(stderr, /server reachable again/);
  t.equal(child.stdout().trim().split('\n').length, 3, 'three messages saved');
  t.same(await readdir(join(outDir, '.tmp')), [], 'nothing left in .tmp');
  t.same((await readdir(outDir)).filter((n) => n !== '.tmp').sort(), [idA, idB, idC].flatMap((id) => [`${id}.ctl.json`, `${id}.dat`]).sort(), 'exactly the expected files');
});
