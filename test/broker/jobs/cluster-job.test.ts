import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { ClusterJob, newHolderId, type ClusterJobOptions } from '../../../broker/jobs/cluster-job.js';
import type { MessageStore } from '../../../broker/store/message-store.js';
import { PostgresMessageStore } from '../../../broker/store/postgres/postgres-message-store.js';
import { SqliteMessageStore } from '../../../broker/store/sqlite/sqlite-message-store.js';

/**
 * ClusterJob against real stores with a controlled clock: lease expiry is driven by moving the
 * clock, never by waiting. Two stores on one database stand for two nodes.
 */

const T0 = 1_700_000_000_000;
const INTERVAL = 1_000;
/** The default lease for INTERVAL: max(3 × interval, 30 s). */
const TTL = 30_000;
const PG_URL = process.env['MESH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface LogLine {
  level: number;
  msg: string;
  job?: string;
  holder?: string;
  reason?: string;
  err?: { message: string };
}

/** A logger whose lines are kept, parsed, for assertions. */
function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

/** A clock tests move by hand. */
class Clock {
  at = T0;
  readonly now = (): number => this.at;
}

/** One node: a ClusterJob on its own store, counting its runs and keeping its log. */
class Node {
  runs = 0;
  readonly job: ClusterJob;
  readonly lines: LogLine[];

  constructor(store: MessageStore, clock: Clock, name: string, extra: Partial<ClusterJobOptions> = {}) {
    const { logger, lines } = captureLogger();
    this.lines = lines;
    this.job = new ClusterJob({
      name,
      intervalMs: INTERVAL,
      store,
      logger,
      now: clock.now,
      run: async () => {
        this.runs++;
      },
      ...extra,
    });
  }

  said(fragment: string): LogLine[] {
    return this.lines.filter((l) => l.msg.includes(fragment));
  }
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-cluster-job-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Two SQLite connections on one database file: two processes' view of one embedded store. */
async function sqlitePair(t: Test): Promise<[MessageStore, MessageStore]> {
  const path = join(await tempDir(t), 'mesh.db');
  const a = await SqliteMessageStore.open(path);
  const b = await SqliteMessageStore.open(path);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

/** Two nodes' leader election, run on whichever database `openPair` gives. */
function twoNodeTests(t: Test, openPair: (t: Test) => Promise<[MessageStore, MessageStore]>): void {
  const setup = async (t: Test): Promise<{ clock: Clock; a: Node; b: Node }> => {
    const [sa, sb] = await openPair(t);
    const clock = new Clock();
    const name = 'job-' + randomUUID();
    return { clock, a: new Node(sa, clock, name), b: new Node(sb, clock, name) };
  };

  t.test('two nodes ticking together: one runs each tick, the same one, and each logs leadership once', async (t) => {
    const { clock, a, b } = await setup(t);
    for (let i = 0; i < 5; i++) {
      const ran = await Promise.all([a.job.tick(), b.job.tick()]);
      t.equal(ran.filter(Boolean).length, 1, `tick ${i}: exactly one node ran the job`);
      clock.at += INTERVAL;
    }
    const [leader, follower] = a.runs > 0 ? [a, b] : [b, a];
    t.equal(leader.runs, 5, 'the leader ran every tick');
    t.equal(follower.runs, 0, 'the follower never ran');
    t.equal(leader.job.isLeader, true);
    t.equal(follower.job.isLeader, false);
    const became = leader.said('is now the leader');
    t.equal(became.length, 1, 'one leadership line, not one per tick');
    t.match(became[0], { job: leader.job.name, holder: leader.job.holder }, 'naming the job and the holder');
    t.equal(follower.lines.length, 0, 'a follower that never led says nothing');
  });

  t.test("the leader's stop() lets the other node take over on its very next tick", async (t) => {
    const { clock, a, b } = await setup(t);
    t.equal(await a.job.tick(), true, 'a leads');
    t.equal(await b.job.tick(), false, 'b follows');
    await a.job.stop();
    t.match(a.said('no longer the leader'), [{ job: a.job.name, holder: a.job.holder, reason: 'stopped' }], 'a logs that it stepped down');
    clock.at += 1;
    t.equal(await b.job.tick(), true, "b runs at once, long before a's lease would have expired");
    t.equal(await a.job.tick(), false, 'a stopped node never ticks again');
    t.equal(a.runs, 1);
    t.equal(b.runs, 1);
  });

  t.test('a leader that goes silent (crash, no release): the other takes over once the TTL has passed, not before', async (t) => {
    const { clock, a, b } = await setup(t);
    t.equal(await a.job.tick(), true, 'a leads; its lease runs to T0 + TTL');
    // a "crashes": it neither ticks nor releases. b keeps ticking on schedule.
    for (clock.at = T0 + INTERVAL; clock.at < T0 + TTL; clock.at += INTERVAL) {
      t.equal(await b.job.tick(), false, `refused at T0 + ${clock.at - T0} ms`);
    }
    clock.at = T0 + TTL - 1;
    t.equal(await b.job.tick(), false, 'still refused a millisecond before expiry');
    t.equal(b.runs, 0, 'b never ran while the lease was valid');
    clock.at = T0 + TTL;
    t.equal(await b.job.tick(), true, 'b takes over as the lease expires');
    t.equal(b.said('is now the leader').length, 1);
    clock.at += INTERVAL;
    t.equal(await a.job.tick(), false, 'a, back from the dead, finds the lease taken');
    t.match(a.said('no longer the leader'), [{ job: a.job.name, reason: 'lease taken by another node' }], 'and logs that it lost it');
    t.equal(await b.job.tick(), true, 'b keeps leading');
  });
}

t.test('SQLite: two connections on one database file', async (t) => {
  twoNodeTests(t, sqlitePair);
});

const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
admin.on('error', () => undefined);
t.teardown(() => admin.end());
let pgReachable = true;
try {
  await admin.query('SELECT 1');
} catch (err) {
  pgReachable = false;
  t.comment(`PostgreSQL not reachable at ${PG_URL}: ${(err as Error).message}`);
}

/** Two stores, each with its own pool, on one fresh schema: two meshd nodes on one PostgreSQL. */
async function postgresPair(t: Test): Promise<[MessageStore, MessageStore]> {
  const schema = 'mesh_test_' + randomUUID().replaceAll('-', '').slice(0, 16);
  t.teardown(() => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const a = await PostgresMessageStore.open(PG_URL, { schema, poolMax: 2 });
  const b = await PostgresMessageStore.open(PG_URL, { schema, poolMax: 2 });
  // Registered after the schema's teardown, so it runs first: pools end before the schema goes.
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

t.test('PostgreSQL: two stores with their own pools on one schema', { skip: pgReachable ? false : `no PostgreSQL at ${PG_URL}` }, async (t) => {
  twoNodeTests(t, postgresPair);
});

t.test('a tick during a run in progress skips the run but still renews the lease', async (t) => {
  const [sa, sb] = await sqlitePair(t);
  const clock = new Clock();
  let release: () => void = () => undefined;
  let started: () => void = () => undefined;
  const isRunning = new Promise<void>((resolve) => (started = resolve));
  let runs = 0;
  const { logger } = captureLogger();
  const slow = new ClusterJob({
    name: 'slow',
    intervalMs: INTERVAL,
    store: sa,
    logger,
    now: clock.now,
    run: () => {
      runs++;
      if (runs > 1) return Promise.resolve();
      started();
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  const other = new Node(sb, clock, 'slow');

  const first = slow.tick();
  await isRunning;
  clock.at = T0 + TTL - 10;
  t.equal(await slow.tick(), false, 'a tick while the run is in progress does not start another');
  t.equal(runs, 1, 'one run at a time on this node');
  clock.at = T0 + TTL + 10;
  t.equal(await other.job.tick(), false, 'the overlapping tick renewed the lease: no other node starts the job');
  release();
  t.equal(await first, true, 'the first tick resolves when its run ends');
  t.equal(await slow.tick(), true, 'once it has, the next tick runs again');
  t.equal(runs, 2);
});

t.test('an error in the run is logged with the job name and the schedule goes on', async (t) => {
  const [store] = await sqlitePair(t);
  const { logger, lines } = captureLogger();
  let calls = 0;
  const job = new ClusterJob({
    name: 'flaky',
    intervalMs: INTERVAL,
    store,
    logger,
    now: () => T0 + calls,
    run: async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    },
  });
  t.equal(await job.tick(), true, 'the failing tick resolves, not rejects');
  const errors = lines.filter((l) => l.level === 50);
  t.match(errors, [{ job: 'flaky', holder: job.holder, err: { message: 'boom' }, msg: 'cluster job run failed' }]);
  t.equal(await job.tick(), true, 'the next tick runs again');
  t.equal(calls, 2);
  t.equal(job.isLeader, true, 'a failed run does not give up the lease');
});

t.test('a store failure skips the run, is logged, and does not count as losing leadership', async (t) => {
  const [store] = await sqlitePair(t);
  const { logger, lines } = captureLogger();
  let fail = false;
  const flakyStore = {
    acquireJobLease: (...args: Parameters<MessageStore['acquireJobLease']>) =>
      fail ? Promise.reject(new Error('database unreachable')) : store.acquireJobLease(...args),
    releaseJobLease: (job: string, holder: string) => store.releaseJobLease(job, holder),
  };
  let runs = 0;
  const job = new ClusterJob({ name: 'db-down', intervalMs: INTERVAL, store: flakyStore, logger, now: () => T0, run: async () => void runs++ });
  t.equal(await job.tick(), true);
  fail = true;
  t.equal(await job.tick(), false, 'no run without a confirmed lease');
  t.match(lines.filter((l) => l.level === 40), [{ job: 'db-down', err: { message: 'database unreachable' } }]);
  t.equal(lines.filter((l) => l.msg.includes('no longer the leader')).length, 0, 'not logged as a change of leader');
  fail = false;
  t.equal(await job.tick(), true);
  t.equal(runs, 2);
  t.equal(lines.filter((l) => l.msg.includes('is now the leader')).length, 1, 'still one leadership line');
});

t.test('start() ticks on a timer; stop() waits for the run in progress, then releases the lease', async (t) => {
  const [sa, sb] = await sqlitePair(t);
  const clock = new Clock();
  let started: () => void = () => undefined;
  const isRunning = new Promise<void>((resolve) => (started = resolve));
  let finish: () => void = () => undefined;
  let runs = 0;
  const { logger } = captureLogger();
  const job = new ClusterJob({
    name: 'timed',
    intervalMs: 5,
    leaseTtlMs: TTL,
    store: sa,
    logger,
    now: clock.now,
    run: () => {
      runs++;
      started();
      return new Promise<void>((resolve) => (finish = resolve));
    },
  });
  const other = new Node(sb, clock, 'timed');
  job.start();
  await isRunning;
  let stopped = false;
  const stopping = job.stop().then(() => (stopped = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(stopped, false, 'stop() waits while the run is in progress');
  t.equal(await other.job.tick(), false, 'and keeps the lease meanwhile');
  finish();
  await stopping;
  t.equal(await other.job.tick(), true, 'released on stop: the other node takes over at the same instant');
  t.equal(runs, 1, 'the timer stopped with it');
});

t.test('the default lease is max(3 × interval, 30 s); a lease no longer than the interval is refused', async (t) => {
  const [sa, sb] = await sqlitePair(t);
  const clock = new Clock();
  const a = new Node(sa, clock, 'long', { intervalMs: 20_000 });
  const b = new Node(sb, clock, 'long', { intervalMs: 20_000 });
  t.equal(await a.job.tick(), true);
  clock.at = T0 + 60_000 - 1;
  t.equal(await b.job.tick(), false, 'three intervals (60 s) when that is above 30 s');
  clock.at = T0 + 60_000;
  t.equal(await b.job.tick(), true);
  t.throws(() => new Node(sa, clock, 'bad', { intervalMs: 1_000, leaseTtlMs: 1_000 }), RangeError);
  t.throws(() => new Node(sa, clock, 'bad', { intervalMs: 0 }), RangeError);
});

t.test('holder IDs are hostname:pid:random, different for every job instance', async (t) => {
  const id = newHolderId();
  t.match(id, new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{8}$`));
  t.not(newHolderId(), id);
});
