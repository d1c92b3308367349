import { PassThrough } from 'node:stream';
import t from 'tap';
import { createProgress, formatBytes, formatDuration } from '../../../../mailbox/client/cli/progress.js';

function terminal(isTTY: boolean): PassThrough & { isTTY: boolean; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text: () => string };
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  s.isTTY = isTTY;
  s.text = () => Buffer.concat(parts).toString();
  return s;
}

t.test('draws bytes, rate, chunk and ETA on a terminal, and a final line', async (t) => {
  const out = terminal(true);
  let clock = 0;
  const p = createProgress(out, false, { label: 'send big.dat', totalBytes: 4 * 1024 * 1024, totalChunks: 4, now: () => clock, intervalMs: 0 });
  clock = 1000;
  p.add(1024 * 1024);
  p.chunkDone();
  await new Promise((r) => setImmediate(r));
  t.match(out.text(), /send big\.dat  1\.0 MiB\/4\.0 MiB  1\.0 MiB\/s  chunk 2\/4  ETA 0:03/, 'progress line with ETA');
  clock = 4000;
  p.add(3 * 1024 * 1024);
  for (let i = 0; i < 3; i++) p.chunkDone();
  p.finish();
  await new Promise((r) => setImmediate(r));
  t.match(out.text(), /4\.0 MiB\/4\.0 MiB  1\.0 MiB\/s  chunk 4\/4  in 0:04\n$/, 'final line ends with a newline');
});

t.test('silent in pipes and with --quiet', async (t) => {
  for (const [tty, quiet] of [[false, false], [true, true]] as const) {
    const out = terminal(tty);
    const p = createProgress(out, quiet, { label: 'x', totalBytes: 10, intervalMs: 0 });
    p.add(10);
    p.finish();
    await new Promise((r) => setImmediate(r));
    t.equal(out.text(), '', `tty=${tty} quiet=${quiet}`);
  }
});

t.test('formatting', async (t) => {
  t.equal(formatBytes(512), '512 B');
  t.equal(formatBytes(1536), '1.5 KiB');
  t.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
  t.equal(formatDuration(75), '1:15');
  t.equal(formatDuration(3725), '1:02:05');
});
