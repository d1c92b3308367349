/**
 * `mesh send` and `mesh download` resume after being killed: real child processes
 * against an in-process meshd, slowed with MESH_CLI_TEST_CHUNK_DELAY_MS so a kill
 * lands part-way through a transfer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { RunningMeshd } from '../../mailbox/server/meshd.js';
import { entryArgs } from '../helpers/entry-point.js';
import { SHARED_KEY, clientFor, readAll, sha256, startTestMeshd } from '../helpers/meshd.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD_TIMEOUT_MS = 30_000;
const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESH_')));
const CHUNK = 50_000;
const CHUNKS = 10;
const DELAY = { MESH_CLI_TEST_CHUNK_DELAY_MS: '250' };

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `mesh ARGS`; `done` settles when it exits (killed after CHILD_TIMEOUT_MS). */
function start(args: string[], env: Record<string, string>, cwd = ROOT): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [...entryArgs('mesh'), ...args], {
    cwd,
    env: { ...BASE_ENV, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  return { child, done };
}

function run(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return start(args, env, cwd).done;
}

function envFor(meshd: RunningMeshd, mailboxId: string, stateDir: string): Record<string, string> {
  return {
    MESH_URL: meshd.url,
    MESH_MAILBOX: mailboxId,
    MESH_PASSWORD: `pw-${mailboxId}`,
    MESH_SHARED_KEY: SHARED_KEY,
    MESH_STATE_DIR: stateDir,
  };
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-resume-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Polls until `probe` yields a value, or fails after 20 s. */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Kills the child (SIGKILL) once `probe` sees progress, and waits for it to die. */
async function killWhen<T>(t: Test, proc: ReturnType<typeof start>, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const seen = await waitFor(probe, what);
  proc.child.kill('SIGKILL');
  const r = await proc.done;
  t.equal(r.signal, 'SIGKILL', `${what}: the first attempt was killed, not finished (stderr: ${r.stderr.trim()})`);
  return seen;
}

t.jobs = 2;

t.test('a killed chunked send resumes under the same message ID', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const payload = randomBytes(CHUNK * CHUNKS);
  const file = join(dir, 'big.bin');
  await writeFile(file, payload);
  const args = ['send', file, '--to', 'MB2', '--workflow', 'WF_RESUME', '--chunk-size', String(CHUNK)];
  const mb1 = envFor(meshd, 'MB1', stateDir);

  const first = start(args, { ...mb1, ...DELAY });
  const stateFile = async (): Promise<Record<string, unknown> | undefined> => {
    const names = existsSync(stateDir) ? (await readdir(stateDir)).filter((n) => n.endsWith('.json')) : [];
    const name = names[0];
    if (name === undefined) return undefined;
    const state = await readJson(join(stateDir, name));
    return state !== undefined && Array.isArray(state['sentChunks']) && state['sentChunks'].length >= 3 ? state : undefined;
  };
  const killed = await killWhen(t, first, stateFile, 'send with 3 chunks acknowledged');
  const firstId = killed['messageId'];
  t.type(firstId, 'string', 'the record names the message');
  t.equal(killed['totalChunks'], CHUNKS);

  const after = await stateFile();
  t.ok(after, 'the record survives the kill');
  const sent = (after?.['sentChunks'] ?? []) as number[];
  t.ok(sent.length < CHUNKS, `the kill landed part-way (${sent.length}/${CHUNKS} chunks sent)`);
  const mb2 = clientFor(t, meshd, 'MB2');
  const inboxBefore: string[] = [];
  for await (const id of mb2.iterateInbox()) inboxBefore.push(id);
  t.same(inboxBefore, [], 'the half-sent message is not yet deliverable');

  const second = await run(args, mb1);
  t.equal(second.code, 0, `resumed send exits 0 (stderr: ${second.stderr.trim()})`);
  t.equal(second.stdout.trim(), firstId, 'the resumed send prints the first attempt\'s message ID');
  t.match(second.stderr, new RegExp(`resuming upload of ${String(firstId)} at chunk \\d+/${CHUNKS}`), 'says it resumed');
  t.same(existsSync(stateDir) ? (await readdir(stateDir)).filter((n) => n.endsWith('.json')) : [], [], 'the record is gone after success');

  const download = await mb2.downloadMessage(String(firstId));
  t.equal(download.totalChunks, CHUNKS);
  t.equal(sha256(await readAll(download.body)), sha256(payload), 'the delivered message has the file\'s sha256');

  // With no record left, the same command sends a new message.
  const third = await run(args, mb1);
  t.equal(third.code, 0, 'a later send exits 0');
  t.not(third.stdout.trim(), firstId, 'and is a new message');
  t.notMatch(third.stderr, /resuming/, 'without resuming');
});

t.test('--no-resume ignores an interrupted send and starts a new message', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const payload = randomBytes(CHUNK * 4);
  const file = join(dir, 'four.bin');
  await writeFile(file, payload);
  const args = ['send', file, '--to', 'MB2', '--workflow', 'WF_RESUME', '--chunk-size', String(CHUNK)];
  const mb1 = envFor(meshd, 'MB1', stateDir);
  const probe = async (): Promise<Record<string, unknown> | undefined> => {
    const name = existsSync(stateDir) ? (await readdir(stateDir)).find((n) => n.endsWith('.json')) : undefined;
    return name === undefined ? undefined : readJson(join(stateDir, name));
  };
  const killed = await killWhen(t, start(args, { ...mb1, MESH_CLI_TEST_CHUNK_DELAY_MS: '2000' }), probe, 'send with chunk 1 acknowledged');
  const fresh = await run([...args, '--no-resume'], mb1);
  t.equal(fresh.code, 0, `--no-resume exits 0 (stderr: ${fresh.stderr.trim()})`);
  t.not(fresh.stdout.trim(), killed['messageId'], 'a new message ID');
  t.notMatch(fresh.stderr, /resuming/);
  const download = await clientFor(t, meshd, 'MB2').downloadMessage(fresh.stdout.trim());
  t.equal(sha256(await readAll(download.body)), sha256(payload), 'the new message is complete');
});

t.test('a killed download resumes from the last complete chunk', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const payload = randomBytes(CHUNK * CHUNKS);
  const id = await clientFor(t, meshd, 'MB1').sendMessage({ to: 'MB2', workflowId: 'WF_RESUME', body: payload, chunkSize: CHUNK });
  const mb2 = envFor(meshd, 'MB2', stateDir);
  const out = join(dir, 'out.bin');
  const sidecar = `${out}.part.json`;
  const args = ['download', id, '-o', 'out.bin', '--ack'];

  const first = start(args, { ...mb2, ...DELAY }, dir);
  const killed = await killWhen(
    t,
    first,
    async () => {
      const state = await readJson(sidecar);
      return state !== undefined && Number(state['completeChunks']) >= 3 ? state : undefined;
    },
    'download with 3 chunks written',
  );
  t.equal(killed['totalChunks'], CHUNKS);
  t.notOk(existsSync(out), 'no final file after the kill');
  t.ok(existsSync(`${out}.part`), 'the part file is kept');
  const state = await readJson(sidecar);
  const complete = Number(state?.['completeChunks']);
  t.ok(complete >= 3 && complete < CHUNKS, `the kill landed part-way (${complete}/${CHUNKS})`);
  t.equal(state?.['bytes'], complete * CHUNK, 'the record counts the bytes of the complete chunks');
  // A chunk torn off mid-write: the rerun must cut it away.
  await appendFile(`${out}.part`, randomBytes(1234));

  const client = clientFor(t, meshd, 'MB2');
  t.equal(await client.count(), 1, 'not acknowledged by the killed attempt');

  const second = await run(args, mb2, dir);
  t.equal(second.code, 0, `resumed download exits 0 (stderr: ${second.stderr.trim()})`);
  t.match(second.stderr, new RegExp(`resuming download of ${id} at chunk ${complete + 1}/${CHUNKS}`), 'resumed after the complete chunks');
  t.equal(sha256(await readFile(out)), sha256(payload), 'the downloaded file has the message\'s sha256');
  t.notOk(existsSync(`${out}.part`), 'the part file was renamed');
  t.notOk(existsSync(sidecar), 'the record was removed');
  t.equal(await client.count(), 0, '--ack acknowledged after completion');
});
