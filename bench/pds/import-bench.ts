/**
 * `npm run bench:pds-import`: how fast `meshd pds import` loads people. Generates N deterministic
 * valid synthetic people as NDJSON (env PDS_BENCH_PEOPLE, default 1,000,000), then times
 * importPeople into a fresh SQLite file and a fresh PostgreSQL schema, each run in a child
 * process of its own so its peak RSS is its own. Target (issue 5): 1 M people under 60 s.
 *
 * Env: PDS_BENCH_PEOPLE, PDS_BENCH_RUNS (default 3), PDS_BENCH_STORES (sqlite,postgres),
 * PDS_BENCH_BATCH (default the CLI's for the store, importBatchSizeFor), PDS_BENCH_PG_URL (default MESH_TEST_PG_URL or the
 * local test server).
 */

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { importPeople } from '../../adapters/pds/import/import-people.js';
import type { Person } from '../../adapters/pds/person.js';
import { importBatchSizeFor, openDemographicIndex } from '../../adapters/pds/store/open-demographic-index.js';
import { spread } from '../lib/stats.js';
import { median, num, renderTable } from '../lib/table.js';

type Store = 'sqlite' | 'postgres';

/** What one child process measured. */
interface RunResult {
  people: number;
  seconds: number;
  peakRssMiB: number;
}

const SURNAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans',
  'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Patel', 'Khan', 'Lewis', 'James', 'Phillips',
  'Mason', 'Mitchell', 'Rose', 'Davis', 'Rodriguez', 'Cox', 'Alexander', 'Morgan', 'Moore', 'Martin', 'Price', 'Turner',
  'Hughes', 'Edwards', 'Hill', 'Harris', 'Clark', 'Cooper', 'Ward', 'Morris', 'King', 'Baker', 'Harrison', 'Morrison',
  "O'Brien", 'Murphy', 'Kelly', 'Campbell', 'Stewart', 'Anderson', 'Scott', 'MacDonald', 'Reid', 'Murray', 'Okafor', 'Nowak',
  'Kowalski', 'Singh', 'Ahmed', 'Ali', 'Hussain', 'Begum', 'Chen', 'Wong', 'Nguyen', 'Fernandes', 'Da Silva', 'Smythe-Jones',
  'Ashworth', 'Bancroft', 'Crowther', 'Dewhurst', 'Entwistle', 'Fairclough', 'Greenwood', 'Haworth', 'Illingworth',
];
const FEMALE_NAMES = ['Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Sophia', 'Grace', 'Freya', 'Margaret', 'Susan',
  'Patricia', 'Elizabeth', 'Mary', 'Jean', 'Sarah', 'Emma', 'Aisha', 'Fatima', 'Zofia', 'Chloe', 'Hannah', 'Joan', 'Dorothy'];
const MALE_NAMES = ['Oliver', 'George', 'Noah', 'Arthur', 'Harry', 'Leo', 'Muhammad', 'Jack', 'Charlie', 'Oscar', 'John', 'David',
  'Michael', 'Peter', 'Robert', 'James', 'William', 'Thomas', 'Mohammed', 'Piotr', 'Daniel', 'Samuel', 'Kwame', 'Alan', 'Brian'];
const STREETS = ['High', 'Church', 'Station', 'Victoria', 'Park', 'Mill', 'Green', 'Manor', 'Queens', 'Kings', 'Albert', 'North'];
const STREET_KINDS = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Drive', 'Way', 'Grove'];
const TOWNS = ['Leeds', 'Bradford', 'Wakefield', 'Halifax', 'Huddersfield', 'Harrogate', 'York', 'Sheffield', 'Manchester'];
const AREAS = ['LS', 'BD', 'WF', 'HX', 'HD', 'HG', 'YO', 'S', 'M'];
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

const SELF = fileURLToPath(import.meta.url);

/** Mulberry32: a small seeded PRNG, so every run imports the same people. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Modulus 11 check digit of nine digits, or null when none exists. */
function checkDigit(nine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  return check === 10 ? null : check === 11 ? 0 : check;
}

/** The synthetic population: distinct valid 9xxxxxxxxx NHS numbers in scrambled order, realistic field shapes. */
function* syntheticPeople(count: number): Generator<Person> {
  const random = prng(20240501);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let made = 0;
  // i → i·48271 + 12345 (mod 10^8) is one-to-one, so numbers never repeat, and they arrive unsorted as real extracts do.
  for (let i = 0; made < count; i++) {
    const nine = `9${String((i * 48271 + 12345) % 100_000_000).padStart(8, '0')}`;
    const check = checkDigit(nine);
    if (check === null) continue;
    made++;
    const female = random() < 0.5;
    const familyName = pick(SURNAMES);
    const year = 1920 + Math.floor(random() * 100);
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const district = 1 + Math.floor(random() * 29);
    yield {
      nhsNumber: `${nine}${check}`,
      givenNames: random() < 0.4 ? [pick(female ? FEMALE_NAMES : MALE_NAMES), pick(female ? FEMALE_NAMES : MALE_NAMES)] : [pick(female ? FEMALE_NAMES : MALE_NAMES)],
      familyName,
      previousFamilyNames: female && random() < 0.35 ? [pick(SURNAMES)] : [],
      dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      gender: random() < 0.01 ? 'unknown' : female ? 'female' : 'male',
      addressLines: [`${1 + Math.floor(random() * 200)} ${pick(STREETS)} ${pick(STREET_KINDS)}`, pick(TOWNS)],
      postcode: random() < 0.005 ? null
        : `${pick(AREAS)}${district} ${Math.floor(random() * 10)}${pick([...UNIT_LETTERS])}${pick([...UNIT_LETTERS])}`,
      gpPracticeOds: random() < 0.02 ? null : `${'BCDHJKLMNPY'[Math.floor(random() * 11)]}${80000 + Math.floor(random() * 9000)}`,
    };
  }
}

/** Writes `count` people as NDJSON to `path`, respecting the stream's back-pressure. */
async function writePeople(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  let chunk: string[] = [];
  for (const person of syntheticPeople(count)) {
    chunk.push(JSON.stringify(person));
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
}

/** Child process: one timed import into a fresh store; prints its RunResult as JSON. */
async function child(store: Store, file: string, pgUrl: string, batchSize: number | undefined): Promise<void> {
  let dir: string | null = null;
  let schema: string | null = null;
  let metadata: string | null = null;
  if (store === 'sqlite') {
    dir = await mkdtemp(join(os.tmpdir(), 'pds-bench-'));
  } else {
    schema = `pds_bench_${randomBytes(4).toString('hex')}`;
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    metadata = url.toString();
  }
  const index = await openDemographicIndex(metadata, dir ?? os.tmpdir());
  try {
    const started = process.hrtime.bigint();
    // The batch size `meshd pds import` uses for this store, unless PDS_BENCH_BATCH says otherwise.
    const summary = await importPeople(createReadStream(file, { highWaterMark: 1024 * 1024 }), 'ndjson', index, {
      batchSize: batchSize ?? importBatchSizeFor(metadata),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (summary.invalid > 0 || (await index.countPeople()) !== summary.imported) {
      throw new Error(`import was not clean: ${JSON.stringify({ ...summary, errors: summary.errors.slice(0, 3) })}`);
    }
    const result: RunResult = { people: summary.imported, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await index.close();
    if (dir !== null) await rm(dir, { recursive: true, force: true });
    if (schema !== null) await dropSchema(pgUrl, schema);
  }
}

async function dropSchema(pgUrl: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

async function postgresReachable(pgUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one import in a child process and returns what it measured. */
async function runChild(store: Store, file: string, pgUrl: string, batch: string | undefined): Promise<RunResult> {
  const proc = spawn(process.execPath, [...process.execArgv, SELF, '--child', store, file, pgUrl, batch ?? ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${store} import run exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as RunResult;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const people = positiveInt('PDS_BENCH_PEOPLE', 1_000_000);
  const runs = positiveInt('PDS_BENCH_RUNS', 3);
  const batch = process.env['PDS_BENCH_BATCH'] || undefined;
  const stores = (process.env['PDS_BENCH_STORES'] ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as Store[];
  const pgUrl = process.env['PDS_BENCH_PG_URL'] ?? process.env['MESH_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

  const dir = await mkdtemp(join(os.tmpdir(), 'pds-bench-input-'));
  try {
    const file = join(dir, 'people.ndjson');
    const genStart = Date.now();
    await writePeople(file, people);
    const size = (await stat(file)).size;
    log(`pds import bench: ${num(people)} people, ${num(size / 1024 / 1024, 1)} MiB NDJSON (generated in ${num((Date.now() - genStart) / 1000, 1)} s), ` +
      `${runs} run(s) per store, ${os.cpus().length} CPU(s), node ${process.version}${commit()}`);

    const rows: string[][] = [];
    for (const store of stores) {
      if (store !== 'sqlite' && store !== 'postgres') throw new Error(`unknown store "${store}" in PDS_BENCH_STORES`);
      if (store === 'postgres') {
        const why = await postgresReachable(pgUrl);
        if (why !== null) {
          log(`postgres: skipped, ${why}`);
          continue;
        }
      }
      const results: RunResult[] = [];
      for (let r = 0; r < runs; r++) {
        const result = await runChild(store, file, pgUrl, batch);
        log(`${store} run ${r + 1}: ${num(result.seconds, 1)} s, ${num(result.people / result.seconds)} people/s, peak RSS ${num(result.peakRssMiB)} MiB`);
        results.push(result);
      }
      const seconds = spread(results.map((x) => x.seconds));
      rows.push([
        store,
        num(people),
        median(seconds, 1),
        median(spread(results.map((x) => x.people / x.seconds))),
        median(spread(results.map((x) => x.peakRssMiB))),
        seconds.median < 60 * (people / 1_000_000) ? 'yes' : 'NO',
      ]);
    }
    log('');
    process.stdout.write(`${renderTable(['store', 'people', 'seconds', 'people/s', 'peak RSS MiB', 'under 60 s per M'], rows)}\n`);
    process.stdout.write('(median of the runs, min–max in brackets)\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function commit(): string {
  try {
    return `, commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
  } catch {
    return '';
  }
}

const [mode, store, file, pgUrl, batch] = process.argv.slice(2);
const run = mode === '--child' ? child(store as Store, file!, pgUrl!, batch ? Number(batch) : undefined) : main();
run.catch((err: unknown) => {
  process.stderr.write(`pds import bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
