import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { UsageError, parseSize } from '../../mailbox/client/cli/args.js';
import type { RunningMeshd } from '../../mailbox/server/meshd.js';
import { SHARED_KEY, clientFor, sha256, startTestMeshd } from '../helpers/meshd.js';
import { runMesh, type CliOptions, type CliResult } from '../helpers/mesh-cli.js';

/** Runs `mesh ARGS` as a child process (see test/helpers/mesh-cli.ts). */
const mesh = (args: string[], opts: CliOptions = {}): Promise<CliResult> => runMesh(args, opts);

/** Connection environment for a test mailbox. */
function envFor(meshd: RunningMeshd, mailboxId: string, password = `pw-${mailboxId}`): Record<string, string> {
  return { MESH_URL: meshd.url, MESH_MAILBOX: mailboxId, MESH_PASSWORD: password, MESH_SHARED_KEY: SHARED_KEY };
}

/** A temp dir removed at teardown. */
async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-cli-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts a clean exit and returns stdout as text. */
function ok(t: Test, r: CliResult, what: string): string {
  t.equal(r.timedOut, false, `${what}: finished in time`);
  t.equal(r.code, 0, `${what}: exit 0 (stderr: ${r.stderr.trim()})`);
  return r.stdout.toString('utf8');
}

/** Asserts a failure with the given exit code and exactly one `mesh: ` line on stderr. */
function fails(t: Test, r: CliResult, code: number, pattern: RegExp, what: string): void {
  t.equal(r.timedOut, false, `${what}: finished in time`);
  t.equal(r.code, code, `${what}: exit ${code}`);
  t.match(r.stderr, /^mesh: [^\n]+\n$/, `${what}: one stderr line`);
  t.match(r.stderr, pattern, `${what}: says why`);
}

/** Sends a file with the CLI and returns the printed message ID. */
async function send(t: Test, meshd: RunningMeshd, args: string[], input?: Buffer): Promise<string> {
  const r = await mesh(['send', ...args], { env: envFor(meshd, 'MB1'), ...(input ? { input } : {}) });
  const id = ok(t, r, `send ${args.join(' ')}`).trim();
  t.match(id, /^[A-Za-z0-9_-]+$/, 'send prints one message ID');
  return id;
}

// Each subtest has its own server and temp dir, and the time is all child start-up, so run them side by side.
t.jobs = 4;

t.test('parseSize reads bytes and decimal/binary suffixes, and rejects nonsense', async (t) => {
  t.equal(parseSize('1000'), 1000);
  t.equal(parseSize('20MB'), 20_000_000);
  t.equal(parseSize('75MiB'), 75 * 1024 * 1024);
  t.equal(parseSize('2kib'), 2048, 'units are case-insensitive');
  t.equal(parseSize('1.5KB'), 1500, 'fractions allowed when they make whole bytes');
  for (const bad of ['0', '1.5', 'abc', '10XB', '-5', '']) t.throws(() => parseSize(bad), UsageError, `rejects ${JSON.stringify(bad)}`);
});

t.test('help, and usage errors exit 2 with one line', async (t) => {
  const help = ok(t, await mesh(['--help']), 'mesh --help');
  for (const name of ['handshake', 'send', 'inbox', 'download', 'ack', 'track', 'lookup', 'count']) {
    t.match(help, new RegExp(`^  ${name} `, 'm'), `lists ${name}`);
  }
  const sendHelp = ok(t, await mesh(['send', '--help']), 'mesh send --help');
  t.match(sendHelp, /--chunk-size SIZE/);
  t.match(sendHelp, /--shared-key KEY/, 'connection flags are documented per command');

  const unknownFlag = await mesh(['inbox', '--bogus']);
  fails(t, unknownFlag, 2, /unknown option --bogus/, 'unknown flag');
  t.equal(unknownFlag.stdout.length, 0, 'nothing on stdout');
  fails(t, await mesh(['frobnicate']), 2, /unknown command frobnicate/, 'unknown command');
  fails(t, await mesh([]), 2, /missing command/, 'no command');
  fails(t, await mesh(['download']), 2, /missing argument.*mesh download ID/, 'missing ID');
  fails(t, await mesh(['send', 'x.bin', '--workflow', 'WF']), 2, /missing --to/, 'missing --to');
  fails(t, await mesh(['send', 'x.bin', '--to']), 2, /option --to needs a value/, 'flag without value');
  fails(t, await mesh(['inbox'], { env: { MESH_MAILBOX: 'MB1' } }), 2, /missing --url \(or MESH_URL, or a --profile giving it\)/, 'missing settings');
});

t.test('handshake: credentials from env, flags override env, wrong password exits 3', async (t) => {
  const meshd = await startTestMeshd(t);
  t.equal(ok(t, await mesh(['handshake'], { env: envFor(meshd, 'MB1') }), 'handshake'), 'MB1: handshake ok\n');
  const badEnv = envFor(meshd, 'MB1', 'wrong');
  fails(t, await mesh(['handshake'], { env: badEnv }), 3, /HTTP 403.*check the mailbox ID, password and shared key/, 'wrong password');
  fails(t, await mesh(['inbox'], { env: badEnv }), 3, /HTTP 403/, 'wrong password on inbox');
  ok(t, await mesh(['handshake', '--password', 'pw-MB1'], { env: badEnv }), '--password beats MESH_PASSWORD');
  const unreachable = { ...envFor(meshd, 'MB1'), MESH_URL: 'http://127.0.0.1:1' };
  fails(t, await mesh(['handshake'], { env: unreachable }), 5, /cannot reach the MESH server/, 'no server');
});

t.test('send a file, list, download to a file, ack; track follows the status', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const payload = randomBytes(3000);
  await writeFile(join(dir, 'report.bin'), payload);
  const id = await send(t, meshd, [join(dir, 'report.bin'), '--to', 'MB2', '--workflow', 'WF_CLI', '--local-id', 'ref-1', '--subject', 'hi']);

  const tracked = JSON.parse(ok(t, await mesh(['track', id], { env: envFor(meshd, 'MB1') }), 'track')) as Record<string, unknown>;
  t.equal(tracked['message_id'], id);
  t.equal(tracked['status'], 'accepted');
  t.equal(tracked['local_id'], 'ref-1');
  t.equal(tracked['filename'], 'report.bin', 'mex-FileName defaults to the base name');

  const mb2 = envFor(meshd, 'MB2');
  t.equal(ok(t, await mesh(['inbox'], { env: mb2 }), 'inbox'), `${id}\n`);
  t.same(JSON.parse(ok(t, await mesh(['inbox', '--json'], { env: mb2 }), 'inbox --json')), [id]);
  t.equal(ok(t, await mesh(['inbox', '--workflow-filter', 'OTHER'], { env: mb2 }), 'filtered inbox'), '', 'filter excludes it');

  const r = await mesh(['download', id, '-o', 'out.bin'], { env: mb2, cwd: dir });
  t.equal(ok(t, r, 'download -o'), '', 'file download prints nothing');
  t.equal(sha256(await readFile(join(dir, 'out.bin'))), sha256(payload), 'downloaded file has the same sha256');
  t.notOk(existsSync(join(dir, 'out.bin.part')), 'the .part file was renamed away');
  t.equal(ok(t, await mesh(['inbox'], { env: mb2 }), 'inbox after download'), `${id}\n`, 'download alone does not ack');

  ok(t, await mesh(['download', id, '-o', join(dir, 'again.bin'), '--ack'], { env: mb2 }), 'download --ack');
  t.equal(sha256(await readFile(join(dir, 'again.bin'))), sha256(payload));
  t.equal(ok(t, await mesh(['inbox'], { env: mb2 }), 'inbox after ack'), '', '--ack removed it from the inbox');
  const after = JSON.parse(ok(t, await mesh(['track', id], { env: envFor(meshd, 'MB1') }), 'track after ack')) as Record<string, unknown>;
  t.equal(after['status'], 'acknowledged');
  const byLocal = JSON.parse(ok(t, await mesh(['track', '--local-id', 'ref-1'], { env: envFor(meshd, 'MB1') }), 'track --local-id'));
  t.equal((byLocal as Record<string, unknown>)['messageId'], id, 'found by local ID');
  fails(t, await mesh(['track', id, '--local-id', 'ref-1'], { env: envFor(meshd, 'MB1') }), 2, /not both/, 'track with both');
});

t.test('send from stdin, download to stdout, ack by ID', async (t) => {
  const meshd = await startTestMeshd(t);
  const payload = randomBytes(200_000);
  const id = await send(t, meshd, ['-', '--to', 'MB2', '--workflow', 'WF_CLI', '--chunk-size', '64KiB'], payload);
  const mb2 = envFor(meshd, 'MB2');
  t.equal((await clientFor(t, meshd, 'MB2').headMessage(id))['mex-chunk-range'], '1:4', 'stdin spool was chunked');
  const r = await mesh(['download', id], { env: mb2 });
  ok(t, r, 'download to stdout');
  t.equal(r.stdout.length, payload.length);
  t.equal(sha256(r.stdout), sha256(payload), 'stdout carries exactly the payload');
  t.equal(ok(t, await mesh(['ack', id], { env: mb2 }), 'ack'), '');
  t.equal(ok(t, await mesh(['count'], { env: mb2 }), 'count after ack'), '0\n');
});

t.test('chunked and compressed sends round-trip', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const payload = randomBytes(5000);
  await writeFile(join(dir, 'five.bin'), payload);
  const reader = clientFor(t, meshd, 'MB2');
  const cases: Array<[string[], string]> = [
    [['--chunk-size', '1000'], '1:5'],
    [['--chunk-size', '1000', '--compress'], '1:5'],
    [['--chunk-size', '2KiB'], '1:3'],
  ];
  for (const [flags, range] of cases) {
    const id = await send(t, meshd, [join(dir, 'five.bin'), '--to', 'MB2', '--workflow', 'WF_CLI', ...flags]);
    t.equal((await reader.headMessage(id))['mex-chunk-range'], range, `${flags.join(' ')} gives ${range}`);
    const out = join(dir, `${id}.out`);
    ok(t, await mesh(['download', id, '-o', out], { env: envFor(meshd, 'MB2') }), `download ${flags.join(' ')}`);
    t.equal(sha256(await readFile(out)), sha256(payload), `${flags.join(' ')} round-trips`);
  }
  fails(t, await mesh(['send', join(dir, 'five.bin'), '--to', 'MB2', '--workflow', 'W', '--chunk-size', '0'], { env: envFor(meshd, 'MB1') }), 2, /invalid size/, 'chunk size 0');
});

t.test('lookup and count', async (t) => {
  const meshd = await startTestMeshd(t, { workflows: [{ workflowId: 'WF_LOOKUP', senders: ['MB1'], receivers: ['MB2'] }] });
  const mb1 = envFor(meshd, 'MB1');
  t.equal(ok(t, await mesh(['lookup', 'X26', 'WF_LOOKUP'], { env: mb1 }), 'lookup'), 'MB2\tTest mailbox MB2\n');
  const json = JSON.parse(ok(t, await mesh(['lookup', 'X26', 'WF_LOOKUP', '--json'], { env: mb1 }), 'lookup --json')) as { results: Array<Record<string, unknown>> };
  t.equal(json.results[0]?.['mailbox_id'], 'MB2');
  t.equal(ok(t, await mesh(['lookup', 'Z99', 'WF_LOOKUP'], { env: mb1 }), 'empty lookup'), '');

  const mb3 = envFor(meshd, 'MB3');
  t.equal(ok(t, await mesh(['count'], { env: mb3 }), 'count empty'), '0\n');
  await send(t, meshd, ['-', '--to', 'MB3', '--workflow', 'WF_CLI'], Buffer.from('one'));
  await send(t, meshd, ['-', '--to', 'MB3', '--workflow', 'WF_CLI'], Buffer.from('two'));
  t.equal(ok(t, await mesh(['count'], { env: mb3 }), 'count'), '2\n');
  t.same(JSON.parse(ok(t, await mesh(['count', '--json'], { env: mb3 }), 'count --json')), { count: 2 });
});

t.test('not found exits 4 and leaves no file; local failures exit 5', async (t) => {
  const meshd = await startTestMeshd(t);
  const dir = await tempDir(t);
  const mb2 = envFor(meshd, 'MB2');
  fails(t, await mesh(['download', 'NO_SUCH_MESSAGE', '-o', 'x.bin'], { env: mb2, cwd: dir }), 4, /HTTP 404/, 'unknown download');
  t.notOk(existsSync(join(dir, 'x.bin')) || existsSync(join(dir, 'x.bin.part')), 'no output file for a missing message');
  fails(t, await mesh(['track', 'NO_SUCH_MESSAGE'], { env: mb2 }), 4, /HTTP 404/, 'unknown track');
  const ack = await mesh(['ack', 'NO_SUCH_MESSAGE'], { env: mb2 });
  fails(t, ack, 4, /^mesh: ack NO_SUCH_MESSAGE: /, 'unknown ack');
  fails(t, await mesh(['send', join(dir, 'missing.bin'), '--to', 'MB2', '--workflow', 'W'], { env: envFor(meshd, 'MB1') }), 5, /ENOENT/, 'missing file');
});
