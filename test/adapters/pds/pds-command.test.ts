/**
 * `meshd pds import` as the operator runs it: the real meshd entry point in a child process. The
 * table of refusals runs the same command in-process (runPdsCommand), a child start each being
 * seconds under the TypeScript loader.
 */

import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { packageRoot } from '../../../broker/config/package-root.js';
import { SqliteMessageStore } from '../../../broker/store/sqlite/sqlite-message-store.js';
import { runPdsCommand } from '../../../adapters/pds/cli/pds-command.js';
import { openDemographicIndex } from '../../../adapters/pds/store/open-demographic-index.js';
import { SqliteDemographicIndex } from '../../../adapters/pds/store/sqlite-demographic-index.js';
import { entryArgs } from '../../helpers/entry-point.js';
import { freshSchema, metadataUrl } from '../../helpers/postgres.js';
import { makePerson } from './demographic-index-contract.js';

const ROOT = packageRoot();
/** Upper bound on one child; a hung command fails the test instead of hanging it. */
const CHILD_TIMEOUT_MS = 60_000;
const HEADER = 'nhsNumber,givenNames,familyName,previousFamilyNames,dateOfBirth,gender,addressLines,postcode,gpPracticeOds';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `meshd pds ARGS` in `cwd` with an environment free of MESH_* variables. */
function meshdPds(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { TS_NODE_TRANSPILE_ONLY: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESH_')) env[k] = v;
  const child = spawn(process.execPath, [...entryArgs('meshd'), 'pds', ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs the command in this process with captured output, as bin/meshd.ts would. */
async function inProcess(args: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runPdsCommand(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

/** A directory with data/meshd.sqlite made by the message store, as a meshd that has run leaves it. */
async function meshdDir(t: Test): Promise<string> {
  const root = t.testdir({});
  await mkdir(join(root, 'data'));
  const store = await SqliteMessageStore.open(join(root, 'data', 'meshd.sqlite'));
  await store.close();
  return root;
}

async function peopleIn(root: string): Promise<SqliteDemographicIndex> {
  return SqliteDemographicIndex.open(join(root, 'data', 'meshd.sqlite'));
}

const line = (p: object): string => JSON.stringify(p);

t.test('--help prints the usage', async (t) => {
  const r = await meshdPds(['--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^Usage: meshd pds import FILE/);
  t.match(r.stdout, /Exit status: 0 every line imported; 1 some lines invalid/);
});

t.test('an NDJSON file is imported; a second run updates', async (t) => {
  const root = await meshdDir(t);
  const [a, b] = [makePerson(1), makePerson(2, { postcode: null, gpPracticeOds: null })];
  await writeFile(join(root, 'people.ndjson'), `${line(a)}\n${line(b)}\n`);
  const first = await meshdPds(['import', 'people.ndjson', '--data-dir', 'data'], { cwd: root });
  t.same(first, { code: 0, stdout: 'imported 2 people (2 new, 0 updated); 0 invalid lines skipped\n', stderr: '' });
  const again = await meshdPds(['import', 'people.ndjson'], { cwd: root, env: { MESH_DATA_DIR: join(root, 'data') } });
  t.same(again, { code: 0, stdout: 'imported 2 people (0 new, 2 updated); 0 invalid lines skipped\n', stderr: '' });
  const index = await peopleIn(root);
  t.teardown(() => index.close());
  t.match(await index.getPerson(b.nhsNumber), { ...b, deathStatus: 0 });
});

t.test('invalid lines are reported on stderr by number, the rest imported, exit 1', async (t) => {
  const root = await meshdDir(t);
  const lines = [
    line(makePerson(1)),
    line({ ...makePerson(2), nhsNumber: '9434765918' }),
    '',
    line({ ...makePerson(3), familyName: 'Evil\u001b[31mName', extra: true }),
    '{"broken"',
    line(makePerson(4)),
  ];
  await writeFile(join(root, 'people.jsonl'), lines.join('\n'));
  const r = await meshdPds(['import', 'people.jsonl', '--data-dir', 'data'], { cwd: root });
  t.equal(r.code, 1);
  t.equal(r.stdout, 'imported 2 people (2 new, 0 updated); 3 invalid lines skipped\n');
  const errors = r.stderr.trimEnd().split('\n');
  t.equal(errors.length, 3, r.stderr);
  t.equal(errors[0], 'line 2: nhsNumber "9434765918" fails the Modulus 11 check');
  t.match(errors[1], /^line 4: unknown field "extra"; familyName holds a control character$/);
  t.match(errors[2], /^line 5: not valid JSON/);
  t.notMatch(r.stderr, /\u001b/, 'no terminal escapes reach stderr');
  const index = await peopleIn(root);
  t.teardown(() => index.close());
  t.equal(await index.countPeople(), 2);
});

t.test('CSV by its extension, and standard input with --format', async (t) => {
  const root = await meshdDir(t);
  const p = makePerson(1);
  const row = `${p.nhsNumber},${p.givenNames.join('|')},${p.familyName},,${p.dateOfBirth},${p.gender},${p.addressLines.join('|')},${p.postcode},${p.gpPracticeOds}`;
  await writeFile(join(root, 'people.CSV'), `${HEADER}\n${row}\n`);
  t.same(await meshdPds(['import', 'people.CSV', '--data-dir', 'data'], { cwd: root }),
    { code: 0, stdout: 'imported 1 person (1 new, 0 updated); 0 invalid lines skipped\n', stderr: '' });
  const q = makePerson(2);
  const piped = await meshdPds(['import', '-', '--format', 'csv', '--data-dir', 'data'], { cwd: root, stdin: `${HEADER}\n${row.replace(p.nhsNumber, q.nhsNumber)}\n` });
  t.same(piped, { code: 0, stdout: 'imported 1 person (1 new, 0 updated); 0 invalid lines skipped\n', stderr: '' });
  const ndjsonIn = await meshdPds(['import', '-', '--data-dir', 'data'], { cwd: root, stdin: line(makePerson(3)) });
  t.equal(ndjsonIn.code, 0, 'standard input is NDJSON unless told');
  const index = await peopleIn(root);
  t.teardown(() => index.close());
  t.equal(await index.countPeople(), 3);
});

t.test('a CSV file with a bad header imports nothing, exit 2', async (t) => {
  const root = await meshdDir(t);
  await writeFile(join(root, 'people.csv'), `${HEADER},shoeSize\n`);
  const r = await meshdPds(['import', 'people.csv', '--data-dir', 'data'], { cwd: root });
  t.same(r, { code: 2, stdout: '', stderr: 'meshd pds: people.csv: CSV header (line 1): unknown column "shoeSize"\n' });
});

t.test('usage mistakes: one line, exit 2', async (t) => {
  const root = await meshdDir(t);
  const child = await meshdPds(['import'], { cwd: root });
  t.same(child, { code: 2, stdout: '', stderr: 'meshd pds: import needs a FILE (- for standard input) (see meshd pds --help)\n' }, 'through bin/meshd');
  await writeFile(join(root, 'people.txt'), '');
  const cases: Array<[string[], RegExp]> = [
    [[], /say import FILE/],
    [['export', 'x.ndjson'], /unknown command "export"/],
    [['import'], /import needs a FILE/],
    [['import', 'a.ndjson', 'b.ndjson'], /import takes one FILE/],
    [['import', 'people.txt'], /cannot tell the format of people.txt/],
    [['import', 'a.ndjson', '--format', 'xml'], /--format must be ndjson or csv/],
    [['import', 'a.ndjson', '--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const r = await inProcess(args, root);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message);
    t.equal(r.stderr.split('\n').length, 2, 'one line');
  }
});

t.test('a missing database, an unreadable file, or a broken config: exit 2, nothing imported', async (t) => {
  const root = await meshdDir(t);
  const noDb = await inProcess(['import', 'people.ndjson', '--data-dir', 'nowhere'], root);
  t.equal(noDb.code, 2);
  t.match(noDb.stderr, /^meshd pds: no meshd database at .*nowhere\/meshd\.sqlite/);
  const missing = await inProcess(['import', 'absent.ndjson', '--data-dir', 'data'], root);
  t.same(missing, { code: 2, stdout: '', stderr: 'meshd pds: cannot read absent.ndjson: no such file\n' });
  await mkdir(join(root, 'dir.ndjson'));
  const dir = await inProcess(['import', 'dir.ndjson', '--data-dir', 'data'], root);
  t.same(dir, { code: 2, stdout: '', stderr: 'meshd pds: cannot read dir.ndjson: not a regular file\n' });
  await writeFile(join(root, 'meshd.yaml'), 'dataDir: [not, a, path\n');
  const config = await inProcess(['import', 'absent.ndjson', '--config', 'meshd.yaml'], root);
  t.equal(config.code, 2);
  t.match(config.stderr, /^meshd pds: meshd\.yaml/);
});

t.test('the config file names the data directory', async (t) => {
  const root = await meshdDir(t);
  await writeFile(join(root, 'meshd.yaml'), 'dataDir: data\n');
  await writeFile(join(root, 'people.ndjson'), line(makePerson(1)));
  const r = await meshdPds(['import', 'people.ndjson', '--config', 'meshd.yaml'], { cwd: root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'imported 1 person (1 new, 0 updated); 0 invalid lines skipped\n');
});

t.test('PostgreSQL by --metadata, into the schema it names', async (t) => {
  const schema = freshSchema(t, 'pds_cli');
  const root = t.testdir({ 'people.ndjson': [makePerson(1), makePerson(2)].map(line).join('\n') });
  const r = await meshdPds(['import', 'people.ndjson', '--metadata', metadataUrl(schema)], { cwd: root });
  t.same(r, { code: 0, stdout: 'imported 2 people (2 new, 0 updated); 0 invalid lines skipped\n', stderr: '' });
  const index = await openDemographicIndex(metadataUrl(schema), root);
  t.teardown(() => index.close());
  t.equal(await index.countPeople(), 2);
});

t.test('an unreachable index: exit 3 with one line', async (t) => {
  const root = t.testdir({ 'people.ndjson': line(makePerson(1)) });
  const r = await meshdPds(['import', 'people.ndjson', '--metadata', 'postgres://postgres@127.0.0.1:1/test'], { cwd: root });
  t.equal(r.code, 3);
  t.match(r.stderr, /^meshd pds: cannot open the demographic index: .+\n$/);
});
