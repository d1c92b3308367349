import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageRecord } from '../../../broker/message/model.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { MessageStore } from '../../../broker/store/message-store.js';
import { PostgresMessageStore } from '../../../broker/store/postgres/postgres-message-store.js';
import { SqliteMessageStore } from '../../../broker/store/sqlite/sqlite-message-store.js';
import { PARKED_HELP, runParkedCommand } from '../../../mailbox/server/parked-command.js';

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0, 250);

/** A routed message as the router leaves it: status routed, waiting for `adapter`. */
function routedMessage(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: id,
    messageType: 'DATA',
    sender: 'X26ABC1',
    recipient: 'X26ABC2',
    workflowId: 'PATH_RESULTS',
    status: 'routed',
    totalChunks: 1,
    subject: null,
    localId: null,
    partnerId: null,
    fileName: null,
    contentType: 'text/plain',
    mexContentType: null,
    contentEncoding: null,
    checksum: null,
    encrypted: false,
    compressed: false,
    fileSize: 5,
    linkedMessageId: null,
    statusCode: null,
    statusEvent: null,
    statusDescription: null,
    statusSuccess: null,
    createdAt: T0,
    updatedAt: T0,
    acceptedAt: null,
    acknowledgedAt: null,
    expiresAt: null,
    ...overrides,
  };
}

/** Creates a routed message with its outbox row in `store`, parked after `attempts` unless told not to. */
async function addRouted(
  store: MessageStore, id: string, opts: { adapter?: string; reason?: string; parkedAt?: number; park?: boolean } = {},
): Promise<void> {
  const adapter = opts.adapter ?? 'fanout';
  const message = routedMessage(id);
  await store.createMessage(
    message,
    { messageId: id, chunkNo: 1, size: 5, sha256: '0'.repeat(64), objectKey: null, inline: Buffer.from('hello'), createdAt: T0 },
    { status: 'routed', event: 'ROUTED', code: null, description: null, linkedMessageId: null },
    {
      messageId: id,
      adapter,
      envelope: { messageId: id, workflowId: message.workflowId, adapter, sender: message.sender, recipient: message.recipient, traceId: `trace-${id}` },
    },
  );
  if (opts.park !== false) await store.parkRouted(id, adapter, opts.reason ?? 'adapter failed', 4, opts.parkedAt ?? T0);
}

/** A data dir holding a meshd database with two parked messages and one routed one, closed again. */
async function seededDataDir(t: Test): Promise<string> {
  const root = t.testdir({});
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  const store = await SqliteMessageStore.open(join(dataDir, 'meshd.sqlite'));
  try {
    await addRouted(store, 'MSG-A', { reason: 'HTTP 503 from downstream', parkedAt: T0 });
    // A reason from outside may hold a terminal escape and several lines; the table must stay one inert row.
    await addRouted(store, 'MSG-B', { adapter: 'transform', reason: 'bad\u001b[31m payload\nline two', parkedAt: T0 + 60_000 });
    await addRouted(store, 'MSG-LIVE', { park: false });
  } finally {
    await store.close();
  }
  return root;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with captured output, a cwd and an environment without MESH_SHARED_KEY. */
async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runParkedCommand(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

/** Opens the seeded database to look at what the command did. */
async function inspect<T>(root: string, look: (store: SqliteMessageStore) => Promise<T>): Promise<T> {
  const store = await SqliteMessageStore.open(join(root, 'data', 'meshd.sqlite'));
  try {
    return await look(store);
  } finally {
    await store.close();
  }
}

t.test('list prints one table row per parked message, oldest first, without needing a shared key', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['list', '--data-dir', 'data'], root);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, 3, 'a header and two rows: the unparked routed message is not listed');
  t.match(lines[0], /^MESSAGE ID +ADAPTER +WORKFLOW +SENDER +ATTEMPTS +PARKED AT +REASON$/);
  t.match(lines[1], /^MSG-A +fanout +PATH_RESULTS +X26ABC1 +4 +2024-05-01T12:00:00\.250Z +HTTP 503 from downstream$/);
  t.match(lines[2], /^MSG-B +transform +PATH_RESULTS +X26ABC1 +4 +2024-05-01T12:01:00\.250Z +bad \[31m payload line two$/);
  t.notMatch(r.stdout, /\u001b/, 'no escape character reaches the terminal');
  t.equal(lines[1]?.indexOf('fanout'), lines[0]?.indexOf('ADAPTER'), 'columns line up');
});

t.test('list --json gives every field, the reason in full', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['list', '--json'], root, { MESH_DATA_DIR: 'data' });
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), {
    parked: [
      {
        message_id: 'MSG-A', adapter: 'fanout', workflow_id: 'PATH_RESULTS', sender: 'X26ABC1', recipient: 'X26ABC2',
        attempts: 4, parked_at: '2024-05-01T12:00:00.250Z', reason: 'HTTP 503 from downstream',
      },
      {
        message_id: 'MSG-B', adapter: 'transform', workflow_id: 'PATH_RESULTS', sender: 'X26ABC1', recipient: 'X26ABC2',
        attempts: 4, parked_at: '2024-05-01T12:01:00.250Z', reason: 'bad\u001b[31m payload\nline two',
      },
    ],
  });
});

t.test('list --limit warns on stderr when the lot may hold more', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['list', '--limit', '1', '--json', '--data-dir', 'data'], root);
  t.equal(r.code, 0);
  t.same((JSON.parse(r.stdout) as { parked: Array<{ message_id: string }> }).parked.map((p) => p.message_id), ['MSG-A']);
  t.equal(r.stderr, 'meshd parked: showing the first 1; there may be more (--limit)\n');
});

t.test('the data dir comes from --config as meshd would take it, relative to the file', async (t) => {
  const root = await seededDataDir(t);
  await mkdir(join(root, 'conf'));
  // The mailbox file is missing: the parked command must not care about the rest of meshd's config.
  await writeFile(join(root, 'conf', 'meshd.yaml'), 'dataDir: ../data\nmailboxes: missing.yaml\n');
  const r = await run(['list', '--config', 'conf/meshd.yaml'], root);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^MSG-A /m);
});

t.test('an empty lot says so', async (t) => {
  const root = t.testdir({ data: {} });
  const store = await SqliteMessageStore.open(join(root, 'data', 'meshd.sqlite'));
  await store.close();
  const r = await run(['list', '--data-dir', 'data'], root);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'No parked messages.\n');
  const json = await run(['list', '--json', '--data-dir', 'data'], root);
  t.same(JSON.parse(json.stdout), { parked: [] });
});

t.test('replay takes messages out of the lot and makes their outbox rows due again', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['replay', 'MSG-A', '--data-dir', 'data'], root);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'MSG-A: replayed; meshd publishes it to adapter fanout at its next outbox sweep\n');
  await inspect(root, async (store) => {
    t.same((await store.listParked(10)).map((p) => p.messageId), ['MSG-B']);
    const due = await store.listOutboxDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10);
    const row = due.find((d) => d.messageId === 'MSG-A');
    t.equal(row?.state, 'pending', 'the sweeper will publish it');
    t.equal(row?.envelope.traceId, 'trace-MSG-A', 'with its original envelope');
    t.equal((await store.getMessage('MSG-A'))?.status, 'routed', 'still waiting for its adapter');
  });
});

t.test('replay reports unknown and unparked IDs, exits 4, and still does the rest', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['replay', 'NOPE', 'MSG-LIVE', 'MSG-B', 'MSG-B', '--data-dir', 'data'], root);
  t.equal(r.code, 4);
  t.equal(r.stderr, 'NOPE: unknown message\nMSG-LIVE: not parked (status routed)\n');
  t.equal(r.stdout, 'MSG-B: replayed; meshd publishes it to adapter transform at its next outbox sweep\n',
    'MSG-B after the failures is replayed, and only once');
  await inspect(root, async (store) => {
    t.same((await store.listParked(10)).map((p) => p.messageId), ['MSG-A']);
  });
});

t.test('replay --json reports every ID', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['replay', 'MSG-A', 'NOPE', '--json', '--data-dir', 'data'], root);
  t.equal(r.code, 4);
  t.equal(r.stderr, '');
  t.same(JSON.parse(r.stdout), {
    results: [
      { message_id: 'MSG-A', outcome: 'replayed', adapter: 'fanout' },
      { message_id: 'NOPE', outcome: 'unknown' },
    ],
  });
});

t.test('discard moves the message to error with a DISCARDED event and drops its outbox row', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['discard', 'MSG-B', '--data-dir', 'data'], root);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'MSG-B: discarded; status error\n');
  await inspect(root, async (store) => {
    t.same((await store.listParked(10)).map((p) => p.messageId), ['MSG-A']);
    const m = await store.getMessage('MSG-B');
    t.equal(m?.status, 'error');
    t.equal(m?.statusCode, '16');
    const last = (await store.listEvents('MSG-B')).at(-1);
    t.has(last, { status: 'error', event: 'DISCARDED', code: '16', description: 'Discarded by an operator from the parking lot' });
    const due = await store.listOutboxDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10);
    t.notOk(due.some((d) => d.messageId === 'MSG-B'), 'nothing will publish it again');
  });
});

t.test('discard of something not parked exits 4 and changes nothing', async (t) => {
  const root = await seededDataDir(t);
  const r = await run(['discard', 'MSG-LIVE', 'NOPE', '--json', '--data-dir', 'data'], root);
  t.equal(r.code, 4);
  t.same(JSON.parse(r.stdout), {
    results: [
      { message_id: 'MSG-LIVE', outcome: 'not_parked', status: 'routed' },
      { message_id: 'NOPE', outcome: 'unknown' },
    ],
  });
  await inspect(root, async (store) => {
    t.equal((await store.getMessage('MSG-LIVE'))?.status, 'routed');
    t.equal((await store.listParked(10)).length, 2);
  });
});

t.test('command-line mistakes exit 2 with one line', async (t) => {
  const root = await seededDataDir(t);
  const cases: Array<[string[], string]> = [
    [[], 'meshd parked: say list, replay ID... or discard ID... (see meshd parked --help)\n'],
    [['show'], 'meshd parked: unknown command "show" (see meshd parked --help)\n'],
    [['list', 'MSG-A'], 'meshd parked: list takes no message IDs (see meshd parked --help)\n'],
    [['replay'], 'meshd parked: replay needs at least one message ID (see meshd parked --help)\n'],
    [['discard', '--json'], 'meshd parked: discard needs at least one message ID (see meshd parked --help)\n'],
    [['replay', 'MSG-A', '--limit', '5'], 'meshd parked: --limit is for list only (see meshd parked --help)\n'],
    [['list', '--limit', '0'], 'meshd parked: --limit must be an integer from 1 to 100000, got "0" (see meshd parked --help)\n'],
    [['list', '--verbose'], "meshd parked: Unknown option '--verbose' (see meshd parked --help)\n"],
    [['list', '--data-dir='], 'meshd parked: --data-dir must not be empty (see meshd parked --help)\n'],
  ];
  for (const [argv, stderr] of cases) {
    const r = await run(argv, root, { MESH_DATA_DIR: 'data' });
    t.equal(r.code, 2, argv.join(' '));
    t.equal(r.stderr, stderr, argv.join(' '));
    t.equal(r.stdout, '');
  }
  await inspect(root, async (store) => t.equal((await store.listParked(10)).length, 2, 'nothing was touched'));
});

t.test('a data dir without a database is an error, and no database is created there', async (t) => {
  const root = t.testdir({ elsewhere: {} });
  const r = await run(['list', '--data-dir', 'elsewhere'], root);
  t.equal(r.code, 2);
  t.equal(r.stderr, `meshd parked: no meshd database at ${join(root, 'elsewhere', 'meshd.sqlite')} (check --data-dir, --metadata, --config or MESH_DATA_DIR)\n`);
  t.notOk(existsSync(join(root, 'elsewhere', 'meshd.sqlite')));
});

t.test('a bad config file is a ConfigError line and exit 2', async (t) => {
  const root = t.testdir({ 'meshd.yaml': 'dataDir: [1]\n' });
  const r = await run(['list', '--config', 'meshd.yaml'], root);
  t.equal(r.code, 2);
  t.equal(r.stderr, 'meshd parked: meshd.yaml: /dataDir: must be string\n');
});

t.test('--help prints the usage and exits 0 whatever else is given', async (t) => {
  const r = await run(['replay', '--help'], t.testdir({}));
  t.equal(r.code, 0);
  t.equal(r.stdout, PARKED_HELP);
  for (const word of ['list', 'replay', 'discard', '--config', '--data-dir', '--limit', '--json']) t.match(PARKED_HELP, word);
});

/** The PostgreSQL server the store tests use; MESH_TEST_PG_URL overrides the local default. */
const PG_URL = process.env['MESH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

t.test('on PostgreSQL (--metadata or MESH_DATABASE_URL) it lists and replays the shared parking lot', async (t) => {
  const schema = 'mesh_test_' + randomUUID().replaceAll('-', '').slice(0, 16);
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  t.teardown(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const url = `${PG_URL}?schema=${schema}`;
  const store = await PostgresMessageStore.open(PG_URL, { schema });
  try {
    await addRouted(store, 'MSG-PG', { reason: 'downstream refused', parkedAt: T0 });
  } finally {
    await store.close();
  }
  const root = t.testdir({});

  const listed = await run(['list', '--json', '--metadata', url], root);
  t.equal(listed.code, 0, listed.stderr);
  t.same(JSON.parse(listed.stdout).parked.map((p: { message_id: string }) => p.message_id), ['MSG-PG']);
  t.notOk(existsSync(join(root, 'data')), 'no SQLite database is created beside it');

  const replayed = await run(['replay', 'MSG-PG'], root, { MESH_DATABASE_URL: url });
  t.equal(replayed.code, 0, replayed.stderr);
  const after = await PostgresMessageStore.open(PG_URL, { schema });
  try {
    t.same(await after.listParked(10), [], 'the message left the lot in PostgreSQL');
  } finally {
    await after.close();
  }
});
