/**
 * SIGTERM during a soak loses nothing: `mesh soak` (a child process) runs against a meshd child
 * (embedded SQLite), meshd is stopped with SIGTERM mid-run and must exit 0 within its deadline,
 * a successor starts on the same port and data dir, and the soak's own verdict must hold: every
 * message meshd accepted arrives exactly once with the right hash. Sends refused during the gap
 * are failed sends, not losses (the soak never saw a 202 for them).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { runMesh } from '../helpers/mesh-cli.js';
import { MeshdProcess, tempDir, writeMeshdConfig, type Exit } from '../helpers/meshd-process.js';

/** meshd's default shutdown deadline is 25 s; it must be well inside that with nothing stuck. */
const DEADLINE_MS = 25_000;

t.test('SIGTERM meshd mid-soak, restart it: nothing accepted is lost, duplicated or corrupted', async (t) => {
  const dir = await tempDir(t, 'meshd-soak-term-');
  const config = await writeMeshdConfig(dir);
  const args = ['--config', config, '--data-dir', join(dir, 'data')];
  const first = await MeshdProcess.start(t, args, { name: 'meshd-1' });
  const port = new URL(first.url).port;

  const soak = runMesh([
    'soak', '--url', first.url, '--shared-key', 'TestKey',
    '--senders', 'X26ABC1:password', '--receivers', 'X26ABC2:password,X26ABC3:password',
    // Chunked 200 KB messages keep uploads in flight when the signal lands.
    // Long enough to outlast the restart (a meshd child takes seconds to start under the TS loader).
    '--duration', '20s', '--rate', '10', '--sizes', '1KB:60,200KB:40', '--chunk-size', '100KB',
    '--workflows', 'SOAK_A', '--drain', '40s', '--json', '--quiet',
  ], { timeoutMs: 120_000 });

  // Past the soak's start-up handshake (which fails fast by design, and the soak with it), with
  // messages flowing both ways: sent, received and acknowledged.
  await first.waitForLog(() => first.logged('message acknowledged').length >= 10, 'ten acknowledgements', 30_000);
  const termAt = Date.now();
  first.signal('SIGTERM');
  const exit: Exit | null = await Promise.race([first.exit, sleep(DEADLINE_MS, null, { ref: false })]);
  t.same(exit, { code: 0, signal: null }, `meshd exits 0 after SIGTERM (in ${Date.now() - termAt} ms)`);
  t.equal(first.logged('meshd stopped').length, 1, 'a clean stop, not a forced one');
  t.equal(first.records.filter((r) => String(r.msg).startsWith('shutdown deadline passed')).length, 0, 'nothing was cut off');

  const second = await MeshdProcess.start(t, [...args, '--port', port], { name: 'meshd-2' });
  t.equal(second.url, first.url, 'the successor listens where the soak is sending');

  const r = await soak;
  t.equal(r.timedOut, false, 'the soak finished');
  t.equal(r.code, 0, `soak exit 0 (stderr: ${r.stderr.trim()})`);
  const report = JSON.parse(r.stdout.toString('utf8'));
  t.equal(report.ok, true, `verdict ok (failures: ${JSON.stringify(report.failures)})`);
  t.equal(report.counts.lost, 0, 'lost 0');
  t.equal(report.counts.duplicates, 0, 'duplicates 0');
  t.equal(report.counts.corrupted, 0, 'corrupted 0');
  t.equal(report.counts.unexpected, 0, 'unexpected 0');
  t.equal(report.counts.received, report.counts.accepted, 'every accepted message received');
  // Otherwise the restart happened outside the send phase and proved nothing.
  t.ok(report.counts.failedSends > 0, `the gap was felt: ${report.counts.failedSends} sends refused (${Object.keys(report.errors).join(', ')})`);
  t.ok(first.logged('message received').length > 0 && second.logged('message received').length > 0, 'messages accepted on both sides of the restart');
  t.ok(report.counts.accepted >= 40, `accepted ${report.counts.accepted} of about 200 offered`);
});
