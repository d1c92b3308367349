import t from 'tap';
import { UsageError } from '../../mailbox/client/cli/args.js';
import { SoakLedger, soakLocalId, type SentMessage } from '../../mailbox/client/soak/ledger.js';
import { buildPlan, parseDuration, parseMailboxes, parseSizeMix, type PlanFlags } from '../../mailbox/client/soak/plan.js';
import { ErrorCounts } from '../../mailbox/client/soak/errors.js';
import { buildReport, formatReport } from '../../mailbox/client/soak/report.js';
import { quantile, summarise } from '../../mailbox/client/soak/stats.js';
import { SHARED_KEY, clientFor, startTestMeshd } from '../helpers/meshd.js';
import { runMesh } from '../helpers/mesh-cli.js';

const CHILD_TIMEOUT_MS = 90_000;

/** Runs `mesh ARGS` as a child process, with stdout as text. */
async function mesh(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const r = await runMesh(args, { timeoutMs: CHILD_TIMEOUT_MS });
  return { ...r, stdout: r.stdout.toString('utf8') };
}

const sent = (seq: number, over: Partial<SentMessage> = {}): SentMessage => ({
  seq,
  sender: 'MB1',
  recipient: 'MB3',
  workflowId: 'WF',
  localId: soakLocalId('run1', seq),
  subject: `mesh soak run1 #${seq}`,
  fileName: `${soakLocalId('run1', seq)}.bin`,
  bytes: 10,
  sha256: `hash${seq}`,
  compressed: false,
  startedAt: 1000,
  ...over,
});

const headersFor = (s: SentMessage, messageId: string): Record<string, string> => ({
  'mex-from': s.sender,
  'mex-to': s.recipient,
  'mex-workflowid': s.workflowId,
  'mex-localid': s.localId,
  'mex-subject': s.subject,
  'mex-filename': s.fileName,
  'mex-messageid': messageId,
});

const receiptFor = (s: SentMessage, messageId: string, over: Partial<{ sha256: string; bytes: number; mailbox: string }> = {}) => ({
  messageId,
  mailbox: over.mailbox ?? s.recipient,
  headers: headersFor(s, messageId),
  bytes: over.bytes ?? s.bytes,
  sha256: over.sha256 ?? s.sha256,
  listedAt: 1100,
});

t.test('ledger: a clean run is counted exactly and passes', async (t) => {
  const ledger = new SoakLedger('run1');
  for (const seq of [1, 2]) ledger.sending(sent(seq));
  ledger.accepted(1, 'ID1', 1050);
  // A receiver can see a message before the sender's 202 arrives.
  t.equal(ledger.receive(2, receiptFor(sent(2), 'ID2')), 'ok');
  ledger.accepted(2, 'ID2', 1060);
  t.equal(ledger.complete(), false, 'message 1 still outstanding');
  t.equal(ledger.receive(1, receiptFor(sent(1), 'ID1')), 'ok');
  ledger.acknowledged(1, 1200);
  t.equal(ledger.complete(), true);
  const s = ledger.summary();
  t.match(s, { sent: 2, accepted: 2, received: 2, lost: 0, duplicates: 0, corrupted: 0, unexpected: 0 });
  t.same(s.latencies.sendMs.sort(), [50, 60]);
  t.same(s.latencies.visibleMs, [100, 100]);
  t.same(s.latencies.ackedMs, [200]);
  const report = buildReport({ runId: 'run1', plan: plan(), ledger: s, errors: new ErrorCounts(), sendPhaseMs: 1000, deliveryMs: 1000, elapsedMs: 1000, throttled: 0, receivedBytes: 20, meshdPeakRssKiB: null, clientPeakRssKiB: 1 });
  t.equal(report.ok, true);
  t.same(report.failures, []);
  t.equal(report.throughput.acceptedPerSec, 2);
});

t.test('ledger: a copy made by a routing adapter counts for the message it links to', async (t) => {
  const ledger = new SoakLedger('run1');
  ledger.sending(sent(1));
  ledger.accepted(1, 'ID1', 1050);
  const copy = receiptFor(sent(1), 'ID1-1');
  copy.headers['mex-linkedmsgid'] = 'ID1';
  t.equal(ledger.receive(1, copy), 'ok', 'linked to the accepted message');
  ledger.sending(sent(2));
  ledger.accepted(2, 'ID2', 1050);
  const stray = receiptFor(sent(2), 'IDX-1');
  stray.headers['mex-linkedmsgid'] = 'IDX';
  t.not(ledger.receive(2, stray), 'ok', 'linked to some other message: not ok');
});

t.test('ledger: identifies only this run', async (t) => {
  const ledger = new SoakLedger('run1');
  t.equal(ledger.identify('soak-run1-42'), 42);
  t.equal(ledger.identify('soak-run2-42'), undefined);
  t.equal(ledger.identify('soak-run1-42x'), undefined);
  t.equal(ledger.identify(undefined), undefined);
  t.equal(ledger.identify('payroll-7'), undefined);
});

t.test('ledger: duplicate, corruption, loss and unexpected each fail the run', async (t) => {
  const ledger = new SoakLedger('run1');
  for (const seq of [1, 2, 3, 4, 5, 6]) ledger.sending(sent(seq));
  for (const seq of [1, 2, 3, 4, 5]) ledger.accepted(seq, `ID${seq}`, 1050);
  ledger.failed(6);
  t.equal(ledger.receive(1, receiptFor(sent(1), 'ID1')), 'ok');
  t.equal(ledger.receive(1, receiptFor(sent(1), 'ID1b')), 'duplicate', 'second delivery of the same sequence');
  t.equal(ledger.receive(2, receiptFor(sent(2), 'ID2', { sha256: 'bad' })), 'corrupt', 'wrong hash');
  const wrongHeader = receiptFor(sent(3), 'ID3');
  wrongHeader.headers['mex-workflowid'] = 'OTHER';
  t.equal(ledger.receive(3, wrongHeader), 'corrupt', 'wrong workflow header');
  t.equal(ledger.receive(4, receiptFor(sent(4), 'IDX')), 'corrupt', 'delivered under another message ID');
  t.equal(ledger.receive(99, receiptFor(sent(99), 'ID99')), 'unexpected');
  // 5 never arrives; 6 failed to send, so its absence is not a loss.
  const s = ledger.summary();
  t.match(s, { sent: 6, accepted: 5, failedSends: 1, received: 4, duplicates: 1, corrupted: 3, lost: 1, unexpected: 1 });
  t.same(s.problems.map((p) => p.kind).sort(), ['corrupt', 'corrupt', 'corrupt', 'duplicate', 'lost', 'unexpected']);
  t.match(s.problems.find((p) => p.kind === 'lost'), { seq: 5, messageId: 'ID5' });
  t.match(s.problems.find((p) => p.seq === 2)?.detail, /sha256/);
  t.match(s.problems.find((p) => p.seq === 3)?.detail, /mex-workflowid "OTHER", expected "WF"/);
  const report = buildReport({ runId: 'run1', plan: plan(), ledger: s, errors: new ErrorCounts(), sendPhaseMs: 1000, deliveryMs: 1000, elapsedMs: 1000, throttled: 0, receivedBytes: 0, meshdPeakRssKiB: 2048, clientPeakRssKiB: 1 });
  t.equal(report.ok, false);
  t.same(report.failures, ['1 lost', '1 duplicated', '3 corrupted', '1 unexpected']);
  t.match(formatReport(report), /FAIL \(1 lost, 1 duplicated, 3 corrupted, 1 unexpected\)/);
  t.match(formatReport(report), /meshd 2\.0 MiB/);
});

t.test('ledger: a message arriving under one ID and accepted under another is corrupt', async (t) => {
  const ledger = new SoakLedger('run1');
  ledger.sending(sent(1));
  t.equal(ledger.receive(1, receiptFor(sent(1), 'IDA')), 'ok');
  ledger.accepted(1, 'IDB', 1050);
  t.match(ledger.summary(), { corrupted: 1, lost: 0, received: 1 });
});

t.test('ledger: nothing accepted is a failure, and a send still running is not complete', async (t) => {
  const ledger = new SoakLedger('run1');
  ledger.sending(sent(1));
  t.equal(ledger.complete(), false);
  ledger.failed(1);
  t.equal(ledger.complete(), true);
  const report = buildReport({ runId: 'run1', plan: plan(), ledger: ledger.summary(), errors: new ErrorCounts(), sendPhaseMs: 1000, deliveryMs: 1000, elapsedMs: 1000, throttled: 0, receivedBytes: 0, meshdPeakRssKiB: null, clientPeakRssKiB: 1 });
  t.equal(report.ok, false);
  t.same(report.failures, ['no message was accepted']);
});

function plan(over: Partial<PlanFlags> = {}) {
  return buildPlan({
    senders: 'MB1:pw-MB1',
    receivers: 'MB3:pw-MB3',
    duration: undefined,
    rate: undefined,
    workflows: undefined,
    sizes: undefined,
    chunkSize: undefined,
    compressRatio: undefined,
    drain: undefined,
    maxInFlight: undefined,
    receiverConcurrency: undefined,
    workflowFilter: undefined,
    meshdPid: undefined,
    ...over,
  });
}

t.test('plan parsing', async (t) => {
  t.same(parseMailboxes('MB1:pw:with:colons, MB2:x', 'senders'), [
    { mailboxId: 'MB1', password: 'pw:with:colons' },
    { mailboxId: 'MB2', password: 'x' },
  ]);
  t.throws(() => parseMailboxes('MB1', 'senders'), UsageError);
  t.throws(() => parseMailboxes('MB1:a,MB1:b', 'senders'), /given twice/);
  t.equal(parseDuration('90s', 'duration'), 90_000);
  t.equal(parseDuration('10m', 'duration'), 600_000);
  t.equal(parseDuration('250ms', 'duration'), 250);
  t.equal(parseDuration('3', 'duration'), 3000);
  t.throws(() => parseDuration('soon', 'duration'), UsageError);
  t.same(parseSizeMix('1KB:80,3MB:5,2KB:0'), [
    { bytes: 1000, weight: 80 },
    { bytes: 3_000_000, weight: 5 },
  ]);
  t.throws(() => parseSizeMix('1KB:x'), UsageError);
  const p = plan({ rate: '50', chunkSize: '1MB', compressRatio: '0.3', workflows: 'A,B' });
  t.match(p, { rate: 50, chunkSize: 1_000_000, compressRatio: 0.3, workflows: ['A', 'B'], durationMs: 60_000, drainMs: 30_000 });
  t.throws(() => plan({ compressRatio: '2' }), UsageError);
  t.throws(() => plan({ rate: '0' }), UsageError);
  t.throws(() => plan({ senders: undefined }), /missing --senders/);
});

t.test('stats: nearest-rank percentiles', async (t) => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(quantile(values, 0.5), 50);
  t.equal(quantile(values, 0.99), 99);
  t.equal(quantile([], 0.5), null);
  t.match(summarise([3, 1, 2]), { count: 3, p50: 2, max: 3 });
});

t.test('mesh soak against meshd: every accepted message arrives once, intact', async (t) => {
  const meshd = await startTestMeshd(t);
  // Other traffic in a receiver's inbox must be left alone, not counted or acknowledged.
  const other = clientFor(t, meshd, 'MB1');
  const bystander = await other.sendMessage({ to: 'MB3', workflowId: 'OTHER_WF', body: Buffer.from('not soak'), localId: 'payroll-1' });
  const r = await mesh([
    'soak', '--url', meshd.url, '--shared-key', SHARED_KEY,
    '--senders', 'MB1:pw-MB1,MB2:pw-MB2', '--receivers', 'MB3:pw-MB3,MB2:pw-MB2',
    '--duration', '3s', '--rate', '20', '--sizes', '1KB:60,20KB:25,300KB:15', '--chunk-size', '100KB',
    '--compress-ratio', '0.3', '--workflows', 'SOAK_A,SOAK_B', '--drain', '20s', '--meshd-pid', String(process.pid), '--json',
  ]);
  t.equal(r.timedOut, false, 'finished in time');
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim()})`);
  const report = JSON.parse(r.stdout);
  t.equal(report.ok, true);
  t.ok(report.counts.accepted >= 40, `accepted ${report.counts.accepted} of about 60 offered`);
  t.equal(report.counts.failedSends, 0);
  t.equal(report.counts.received, report.counts.accepted);
  t.equal(report.counts.lost, 0);
  t.equal(report.counts.duplicates, 0);
  t.equal(report.counts.corrupted, 0);
  t.equal(report.latencyMs.acknowledged.count, report.counts.accepted, 'every message acknowledged');
  t.ok(report.latencyMs.visible.p99 >= report.latencyMs.visible.p50, 'percentiles ordered');
  t.ok(report.throughput.acceptedPerSec > 5, `achieved ${report.throughput.acceptedPerSec} msg/s`);
  t.ok(report.peakRss.meshdKiB > 1024, 'meshd peak RSS read from /proc');
  t.same(report.errors, {});
  // The soak acknowledged its own messages and nothing else.
  const mb3 = clientFor(t, meshd, 'MB3');
  const left: string[] = [];
  for await (const id of mb3.iterateInbox()) left.push(id);
  t.same(left, [bystander], 'only the bystander message is left');
});

t.test('mesh soak text report and a failing run', async (t) => {
  const meshd = await startTestMeshd(t);
  const r = await mesh([
    'soak', '--url', meshd.url, '--shared-key', SHARED_KEY, '--senders', 'MB1:pw-MB1', '--receivers', 'MB3:pw-MB3',
    '--duration', '1s', '--rate', '5', '--sizes', '1KB', '--quiet',
  ]);
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim()})`);
  t.match(r.stdout, /^mesh soak \w+: PASS\n/);
  t.match(r.stdout, /send -> acknowledged/);
  t.equal(r.stderr, '', 'quiet');

  // A receiver nobody sends to cannot be reached by the generator, so use a workflow filter that hides
  // every soak message from the receiver: all accepted messages are then lost, and the run fails.
  const lost = await mesh([
    'soak', '--url', meshd.url, '--shared-key', SHARED_KEY, '--senders', 'MB1:pw-MB1', '--receivers', 'MB3:pw-MB3',
    '--duration', '1s', '--rate', '5', '--sizes', '1KB', '--workflow-filter', 'NOT_SOAK', '--drain', '1s', '--json', '--quiet',
  ]);
  t.equal(lost.code, 1, `exit 1 on loss (stderr: ${lost.stderr.trim()})`);
  const report = JSON.parse(lost.stdout);
  t.equal(report.ok, false);
  t.ok(report.counts.accepted > 0);
  t.equal(report.counts.lost, report.counts.accepted);
  t.match(report.failures, [/lost/]);
});

t.test('mesh soak usage and credential errors', async (t) => {
  const noSenders = await mesh(['soak', '--url', 'http://127.0.0.1:1', '--shared-key', 'k', '--receivers', 'MB3:x']);
  t.equal(noSenders.code, 2);
  t.match(noSenders.stderr, /^mesh: missing --senders\n$/);
  const badSize = await mesh(['soak', '--url', 'http://127.0.0.1:1', '--shared-key', 'k', '--senders', 'MB1:x', '--receivers', 'MB3:x', '--sizes', 'huge']);
  t.equal(badSize.code, 2);
  t.match(badSize.stderr, /invalid size/);
  const noUrl = await mesh(['soak', '--shared-key', 'k', '--senders', 'MB1:x', '--receivers', 'MB3:x']);
  t.equal(noUrl.code, 2);
  t.match(noUrl.stderr, /missing --url/);
  const meshd = await startTestMeshd(t);
  const badPw = await mesh(['soak', '--url', meshd.url, '--shared-key', SHARED_KEY, '--senders', 'MB1:wrong', '--receivers', 'MB3:pw-MB3', '--duration', '1s']);
  t.equal(badPw.code, 3, 'bad credentials fail before any traffic');
});
