import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { DEFAULT_JOBS, type JobsConfig } from '../../../broker/config/jobs-config.js';
import { Housekeeping } from '../../../broker/jobs/housekeeping.js';
import { expireUncollected } from '../../../broker/jobs/housekeeping-jobs.js';
import type { MessageRecord } from '../../../broker/message/model.js';
import { FsObjectStore } from '../../../broker/objects/fs-object-store.js';
import type { ObjectStore } from '../../../broker/objects/object-store.js';
import { S3ObjectStore } from '../../../broker/objects/s3-object-store.js';
import type { MessageStore } from '../../../broker/store/message-store.js';
import { PostgresMessageStore } from '../../../broker/store/postgres/postgres-message-store.js';
import { SqliteMessageStore } from '../../../broker/store/sqlite/sqlite-message-store.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../../helpers/s3-server.js';
import { mailbox, makeChunk, makeEvent, makeMessage } from '../store/message-store-contract.js';

/**
 * The housekeeping jobs against real stores, driven by a controlled clock and direct ticks (never
 * by waiting for cron). Two PostgreSQL store instances on one schema stand for two nodes.
 */

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PG_URL = process.env['MESH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Clock {
  now: () => number;
  set(ms: number): void;
}

function clock(start = T0): Clock {
  let ms = start;
  return { now: () => ms, set: (v) => void (ms = v) };
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-housekeeping-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger that keeps its lines, for tests that check what an operator would read. */
function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

/** A message with its one chunk stored in `objects` under `key` (or inline when key is null). */
async function stored(store: MessageStore, objects: ObjectStore, overrides: Partial<MessageRecord>, key: string | null): Promise<MessageRecord> {
  const m = makeMessage(overrides);
  if (key) await objects.put(key, Readable.from([Buffer.from('payload ' + key)]));
  await store.createMessage(m, makeChunk(m.messageId, 1, { objectKey: key, inline: key ? null : Buffer.from('inline') }), makeEvent(m.status, 'created'));
  return m;
}

function housekeeping(store: MessageStore, objects: ObjectStore, c: Clock, logger: Logger, holder = 'node-a', config: JobsConfig = DEFAULT_JOBS): Housekeeping {
  return new Housekeeping({ store, objects, logger, now: c.now, config, holder });
}

/** Message IDs in a mailbox's inbox. */
async function inbox(store: MessageStore, mb: string): Promise<string[]> {
  return (await store.listInbox({ recipient: mb, limit: 1000 })).messageIds;
}

t.test('inbox expiry: a 5-day-old message leaves the inbox and its sender gets exactly one REPORT 14, even when run twice', async (t) => {
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const objects = await FsObjectStore.open(join(dir, 'objects'));
  const c = clock();
  const { logger, lines } = captureLogger();
  const sender = mailbox();
  const rcpt = mailbox();
  const old = await stored(store, objects, { sender, recipient: rcpt, acceptedAt: T0, localId: 'L-1', subject: 'subj' }, `o/${randomUUID()}`);
  const young = await stored(store, objects, { sender, recipient: rcpt, acceptedAt: T0 + 2 * DAY }, null);
  const jobs = housekeeping(store, objects, c, logger);

  c.set(T0 + 5 * DAY - 1);
  t.equal(await jobs.inboxExpiry.tick(), true, 'the job ran');
  t.strictSame(await inbox(store, rcpt), [old.messageId, young.messageId], 'a millisecond early: nothing expires');

  c.set(T0 + 5 * DAY);
  t.equal(await jobs.inboxExpiry.tick(), true);
  t.equal(await jobs.inboxExpiry.tick(), true, 'runs again');
  await expireUncollected({ store, objects, logger, now: c.now }, DEFAULT_JOBS.inboxExpiry);

  t.strictSame(await inbox(store, rcpt), [young.messageId], 'the old message left the recipient inbox');
  const expired = (await store.getMessage(old.messageId))!;
  t.equal(expired.status, 'undeliverable', 'tracking shows undeliverable');
  t.equal(expired.statusCode, '14');
  t.equal(expired.statusSuccess, false);
  const reports = await inbox(store, sender);
  t.equal(reports.length, 1, 'exactly one REPORT');
  const report = (await store.getMessage(reports[0]!))!;
  t.match(report, {
    messageType: 'REPORT', sender: '', recipient: sender, workflowId: old.workflowId, linkedMessageId: old.messageId,
    statusCode: '14', statusEvent: 'TRANSFER', statusDescription: 'Message not collected by recipient after 5 days',
    statusSuccess: false, localId: 'L-1', subject: 'subj', totalChunks: 0,
  });
  t.equal((await store.listEvents(old.messageId)).filter((e) => e.status === 'undeliverable').length, 1, 'one undeliverable event');
  t.ok(lines.some((l) => l.msg === 'message expired uncollected' && l.messageId === old.messageId && l.mailbox === rcpt), 'logged with messageId and mailbox');
  t.equal(jobs.inboxExpiry.status().lastOutcome?.['expired'], 0, 'the last run found nothing left');

  // The REPORT itself, uncollected, expires too, but reports to nobody.
  c.set(T0 + 10 * DAY + 1);
  await jobs.inboxExpiry.tick();
  t.equal((await store.getMessage(report.messageId))!.status, 'undeliverable');
  t.strictSame(await inbox(store, ''), [], 'no report about a report');
});

t.test('inbox expiry on SQLite: two runs at once (an overlap past a lease) still write one REPORT per message', async (t) => {
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const objects = await FsObjectStore.open(join(dir, 'objects'));
  const c = clock(T0 + 6 * DAY);
  const { logger } = captureLogger();
  const sender = mailbox();
  for (let i = 0; i < 10; i++) await stored(store, objects, { sender, recipient: mailbox(), acceptedAt: T0 + i }, null);
  // Both list the same candidates before either commits, so only the store's compare-and-set keeps it to one.
  const runs = await Promise.all([1, 2].map(() => expireUncollected({ store, objects, logger, now: c.now }, DEFAULT_JOBS.inboxExpiry)));
  t.equal(runs.reduce((n, r) => n + Number(r['expired']), 0), 10, 'ten expiries in all');
  t.equal((await inbox(store, sender)).length, 10, 'ten REPORTs, not twenty');
});

t.test('purge: old finished payloads are deleted from the fs object store; a shared object still referenced survives', async (t) => {
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const objRoot = join(dir, 'objects');
  const objects = await FsObjectStore.open(objRoot);
  const c = clock(T0 + 30 * DAY);
  const rcpt = mailbox();
  const keyAcked = `o/${randomUUID()}`;
  const keyShared = `o/${randomUUID()}`;
  const keyRecent = `o/${randomUUID()}`;
  const acked = await stored(store, objects, { recipient: rcpt, status: 'acknowledged', updatedAt: T0 }, keyAcked);
  const errored = await stored(store, objects, { recipient: rcpt, status: 'error', updatedAt: T0 }, keyShared);
  // A fanout copy of the same payload, still waiting in an inbox, references the same object.
  const copy = makeMessage({ recipient: mailbox(), updatedAt: T0 });
  await store.createMessage(copy, makeChunk(copy.messageId, 1, { objectKey: keyShared }), makeEvent('accepted', 'created'));
  const inline = await stored(store, objects, { recipient: rcpt, status: 'undeliverable', updatedAt: T0 }, null);
  const recent = await stored(store, objects, { recipient: rcpt, status: 'acknowledged', updatedAt: T0 + DAY }, keyRecent);
  // FsObjectStore keeps objects under <root>/objects/<key>.
  const files = (k: string): boolean => existsSync(join(objRoot, 'objects', k));
  t.ok(files(keyAcked) && files(keyShared) && files(keyRecent), 'objects are files under the store root');

  const { logger } = captureLogger();
  const jobs = housekeeping(store, objects, c, logger, 'node-a', { ...DEFAULT_JOBS, purge: { ...DEFAULT_JOBS.purge, batchSize: 2 } });
  t.equal(await jobs.purge.tick(), true);
  t.match(jobs.purge.status().lastOutcome, { messages: 3, objects: 1, objectFailures: 0 }, 'in batches of 2: all three');
  t.notOk(files(keyAcked), 'the acknowledged message\'s payload is gone from disk');
  t.notOk(await objects.exists(keyAcked));
  t.ok(files(keyShared), 'the shared object survives: the copy still references it');
  t.ok(files(keyRecent), 'not old enough: kept');
  for (const m of [acked, errored, inline]) {
    t.equal((await store.getMessage(m.messageId))!.status, 'purged');
    t.strictSame(await store.listChunkNumbers(m.messageId), []);
  }
  t.equal(await jobs.purge.tick(), true, 'again: idempotent');
  t.match(jobs.purge.status().lastOutcome, { messages: 0, objects: 0 });
  t.strictSame(await inbox(store, copy.recipient), [copy.messageId], 'the copy is still downloadable');
});

t.test('abandoned uploads: still uploading after 24 h without a chunk, they expire and their chunks go', async (t) => {
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const objRoot = join(dir, 'objects');
  const objects = await FsObjectStore.open(objRoot);
  const c = clock();
  const key = `o/${randomUUID()}`;
  const stale = await stored(store, objects, { recipient: mailbox(), status: 'uploading', totalChunks: 3, acceptedAt: null, updatedAt: T0 }, key);
  const active = await stored(store, objects, { recipient: mailbox(), status: 'uploading', totalChunks: 3, acceptedAt: null, updatedAt: T0 + 2 * HOUR }, null);
  const { logger } = captureLogger();
  const jobs = housekeeping(store, objects, c, logger);
  t.ok(existsSync(join(objRoot, 'objects', key)), 'the first chunk is on disk');
  c.set(T0 + 24 * HOUR + 1);
  await jobs.abandonedUploads.tick();
  const row = (await store.getMessage(stale.messageId))!;
  t.equal(row.status, 'expired');
  t.strictSame(await store.listChunkNumbers(stale.messageId), []);
  t.ok(!existsSync(join(objRoot, 'objects', key)) && existsSync(join(objRoot, 'objects')), 'its object is deleted');
  t.equal((await store.listEvents(stale.messageId)).at(-1)?.event, 'UPLOAD');
  t.equal((await store.getMessage(active.messageId))!.status, 'uploading', 'a recent upload is left alone');
});

t.test('daily statistics: one log line, by workflow and status', async (t) => {
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const objects = await FsObjectStore.open(join(dir, 'objects'));
  const c = clock(T0 + HOUR);
  for (const [wf, status] of [['WF_A', 'accepted'], ['WF_A', 'acknowledged'], ['WF_B', 'error']] as const) {
    const m = makeMessage({ recipient: mailbox(), workflowId: wf, status, createdAt: T0 });
    await store.createMessage(m, null, makeEvent(status, 'created'));
  }
  const { logger, lines } = captureLogger();
  const jobs = housekeeping(store, objects, c, logger);
  await jobs.stats.tick();
  const stat = lines.filter((l) => l.msg === 'daily message statistics');
  t.equal(stat.length, 1, 'one line');
  t.match(stat[0]!['stats'], { total: 3, byWorkflow: { WF_A: { accepted: 1, acknowledged: 1 }, WF_B: { error: 1 } } });
});

t.test('purge on S3: unreferenced objects are deleted from the bucket, shared ones kept', async (t) => {
  const server = await startS3Server(t);
  const objects = await S3ObjectStore.open({ bucket: 'purge-test', endpoint: server.endpoint, createBucket: true, credentials: S3RVER_CREDENTIALS });
  t.teardown(() => objects.close());
  const dir = await tempDir(t);
  const store = await SqliteMessageStore.open(join(dir, 'meta.db'));
  t.teardown(() => store.close());
  const gone = `o/${randomUUID()}`;
  const shared = `o/${randomUUID()}`;
  await stored(store, objects, { recipient: mailbox(), status: 'acknowledged', updatedAt: T0 }, gone);
  await stored(store, objects, { recipient: mailbox(), status: 'acknowledged', updatedAt: T0 }, shared);
  const copy = makeMessage({ recipient: mailbox() });
  await store.createMessage(copy, makeChunk(copy.messageId, 1, { objectKey: shared }), makeEvent('accepted', 'created'));
  const jobs = housekeeping(store, objects, clock(T0 + 31 * DAY), captureLogger().logger);
  await jobs.purge.tick();
  t.equal(await objects.exists(gone), false, 'deleted from the bucket');
  t.equal(await objects.exists(shared), true, 'still referenced: kept');
});

t.test('two nodes on PostgreSQL: concurrent expiry writes one REPORT per message', async (t) => {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  t.teardown(() => admin.end());
  const schema = 'mesh_test_' + randomUUID().replaceAll('-', '').slice(0, 16);
  t.teardown(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const nodeA = await PostgresMessageStore.open(PG_URL, { schema });
  const nodeB = await PostgresMessageStore.open(PG_URL, { schema });
  t.teardown(() => Promise.all([nodeA.close(), nodeB.close()]));
  const dir = await tempDir(t);
  const objects = await FsObjectStore.open(join(dir, 'objects'));
  const c = clock(T0 + 6 * DAY);
  const { logger } = captureLogger();
  const sender = mailbox();
  const rcpt = mailbox();
  const N = 40;
  const originals: string[] = [];
  for (let i = 0; i < N; i++) originals.push((await stored(nodeA, objects, { sender, recipient: rcpt, acceptedAt: T0 + i }, null)).messageId);

  // Past the lease: both nodes' job bodies at once, on small batches, so they race on every message.
  const cfg = { ...DEFAULT_JOBS.inboxExpiry, batchSize: 7 };
  const [a, b] = await Promise.all([
    expireUncollected({ store: nodeA, objects, logger, now: c.now }, cfg),
    expireUncollected({ store: nodeB, objects, logger, now: c.now }, cfg),
  ]);
  t.equal(Number(a['expired']) + Number(b['expired']), N, 'each message expired by exactly one node');
  const reports = await inbox(nodeB, sender);
  t.equal(reports.length, N, 'one REPORT per message');
  const linked = await Promise.all(reports.map(async (id) => (await nodeA.getMessage(id))!.linkedMessageId));
  t.strictSame([...linked].sort(), [...originals].sort(), 'each original reported once');
  t.strictSame(await inbox(nodeA, rcpt), [], 'the inbox is empty');

  // Through the lease: both nodes' schedules fire at once; one runs.
  const more: string[] = [];
  for (let i = 0; i < 5; i++) more.push((await stored(nodeA, objects, { sender, recipient: rcpt, acceptedAt: T0 + 100 + i }, null)).messageId);
  const jobsA = housekeeping(nodeA, objects, c, logger, 'node-a');
  const jobsB = housekeeping(nodeB, objects, c, logger, 'node-b');
  const ran = await Promise.all([jobsA.inboxExpiry.tick(), jobsB.inboxExpiry.tick()]);
  t.equal(ran.filter(Boolean).length, 1, 'exactly one node ran the job');
  t.equal((await inbox(nodeA, sender)).length, N + 5, 'and the new messages got one REPORT each');
  await Promise.all([jobsA.stop(), jobsB.stop()]);
});
