import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import type { Test } from 'tap';
import type { DemographicIndex, UpsertResult } from '../../../adapters/pds/demographic-index.js';
import { ImportFailedError, importPeople } from '../../../adapters/pds/import/import-people.js';
import type { Person } from '../../../adapters/pds/person.js';
import { SqliteDemographicIndex } from '../../../adapters/pds/store/sqlite-demographic-index.js';
import { makePerson } from './demographic-index-contract.js';

const HEADER = 'nhsNumber,givenNames,familyName,previousFamilyNames,dateOfBirth,gender,addressLines,postcode,gpPracticeOds';

function ndjson(lines: Array<Person | string>): Readable {
  return Readable.from([lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')]);
}

function csv(people: Person[]): Readable {
  const cell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const rows = people.map((p) => [
    p.nhsNumber, p.givenNames.join('|'), p.familyName, p.previousFamilyNames.join('|'), p.dateOfBirth, p.gender,
    p.addressLines.join('|'), p.postcode ?? '', p.gpPracticeOds ?? '',
  ].map(cell).join(','));
  return Readable.from([`${HEADER}\n${rows.join('\n')}\n`]);
}

async function sqliteIndex(t: Test): Promise<SqliteDemographicIndex> {
  const index = await SqliteDemographicIndex.open(join(t.testdir({}), 'meshd.sqlite'));
  t.teardown(() => index.close());
  return index;
}

/** An index that records the batches it is given and can be told to fail one. */
function recordingIndex(failOnBatch = -1): DemographicIndex & { batches: string[][] } {
  const batches: string[][] = [];
  const seen = new Set<string>();
  const index = {
    batches,
    async upsertPeople(people: readonly Person[]): Promise<UpsertResult> {
      await new Promise((resolve) => setImmediate(resolve));
      if (batches.length === failOnBatch) throw new Error('disk full');
      batches.push(people.map((p) => p.nhsNumber));
      let inserted = 0;
      for (const p of people) if (!seen.has(p.nhsNumber) && seen.add(p.nhsNumber)) inserted++;
      return { inserted, updated: people.length - inserted };
    },
  };
  return index as unknown as DemographicIndex & { batches: string[][] };
}

t.test('valid lines are imported, invalid ones reported by line number and skipped', async (t) => {
  const index = await sqliteIndex(t);
  const good = [makePerson(1), makePerson(2), makePerson(3)];
  const heard: Array<[number, string]> = [];
  const summary = await importPeople(ndjson([
    good[0]!, '', { ...makePerson(4), nhsNumber: '9434765918' }, good[1]!, 'not json', good[2]!, { ...makePerson(5), gender: 'M' as never },
  ]), 'ndjson', index, { onInvalid: (line, message) => heard.push([line, message]) });
  t.same(summary, {
    lines: 6,
    imported: 3,
    inserted: 3,
    updated: 0,
    invalid: 3,
    errors: [
      { line: 3, message: 'nhsNumber "9434765918" fails the Modulus 11 check' },
      { line: 5, message: summary.errors[1]?.message },
      { line: 7, message: 'gender "M" is not one of male, female, other, unknown' },
    ],
  });
  t.match(summary.errors[1]?.message, /^not valid JSON/);
  t.same(heard, summary.errors.map((e) => [e.line, e.message]), 'onInvalid heard each, in line order');
  for (const p of good) t.same(await index.getPerson(p.nhsNumber), { ...p, deathStatus: 0, dateOfDeath: null, deathRegistrationId: null });
  t.equal(await index.countPeople(), 3);
});

t.test('re-importing updates; the same NHS number later in the file wins, across batches too', async (t) => {
  const index = await sqliteIndex(t);
  const p = makePerson(1);
  await importPeople(ndjson([p, makePerson(2)]), 'ndjson', index);
  await index.applyRegistrations([], [{ nhsNumber: p.nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R1' }]);
  const summary = await importPeople(ndjson([
    { ...p, familyName: 'First' }, makePerson(3), makePerson(4), { ...p, familyName: 'Second' }, makePerson(5), { ...p, familyName: 'Last' },
  ]), 'ndjson', index, { batchSize: 2 });
  t.match(summary, { lines: 6, imported: 6, inserted: 3, updated: 3, invalid: 0 });
  t.match(await index.getPerson(p.nhsNumber), { familyName: 'Last', deathStatus: 2, dateOfDeath: '2024-04-30' }, 'the death status survives the import');
});

t.test('people are written in batches of batchSize, in file order', async (t) => {
  const index = recordingIndex();
  const people = Array.from({ length: 10 }, (_, i) => makePerson(i + 1));
  const summary = await importPeople(ndjson(people), 'ndjson', index, { batchSize: 3 });
  t.same(index.batches.map((b) => b.length), [3, 3, 3, 1]);
  t.same(index.batches.flat(), people.map((p) => p.nhsNumber));
  t.equal(summary.imported, 10);
});

t.test('errors kept in the summary are capped; the count and onInvalid are not', async (t) => {
  let heard = 0;
  const summary = await importPeople(ndjson(Array.from({ length: 30 }, () => 'x')), 'ndjson', recordingIndex(), {
    maxReportedErrors: 5,
    onInvalid: () => heard++,
  });
  t.equal(summary.invalid, 30);
  t.equal(heard, 30);
  t.same(summary.errors.map((e) => e.line), [1, 2, 3, 4, 5]);
});

t.test('CSV imports the same people as NDJSON', async (t) => {
  const people = [
    makePerson(1, { previousFamilyNames: ['Brown', 'Smythe-Jones'], addressLines: ['Flat 2, "The Mill"', 'Leeds'] }),
    makePerson(2, { postcode: null, gpPracticeOds: null, addressLines: [], givenNames: ['Bo'] }),
  ];
  const fromCsv = await sqliteIndex(t);
  const fromJson = await sqliteIndex(t);
  t.match(await importPeople(csv(people), 'csv', fromCsv), { lines: 2, inserted: 2, invalid: 0 });
  await importPeople(ndjson(people), 'ndjson', fromJson);
  for (const p of people) {
    t.same(await fromCsv.getPerson(p.nhsNumber), await fromJson.getPerson(p.nhsNumber));
    t.same((await fromCsv.getPerson(p.nhsNumber))?.addressLines, p.addressLines);
  }
});

t.test('limits and the line length reach the checks', async (t) => {
  const summary = await importPeople(ndjson([makePerson(1), makePerson(2, { givenNames: ['Al'] })]), 'ndjson', recordingIndex(), {
    limits: { maxGivenNames: 1 },
  });
  t.same(summary.errors, [{ line: 1, message: 'givenNames must have 1 name, has 2' }]);
  const short = await importPeople(ndjson([makePerson(1)]), 'ndjson', recordingIndex(), { maxLineBytes: 50 });
  t.same(short.errors, [{ line: 1, message: 'line is longer than 50 bytes' }]);
  await t.rejects(importPeople(ndjson([]), 'ndjson', recordingIndex(), { batchSize: 0 }), RangeError);
});

t.test('an index failure stops the import with what was committed before it', async (t) => {
  const index = recordingIndex(1);
  const people = Array.from({ length: 9 }, (_, i) => makePerson(i + 1));
  const err = await importPeople(ndjson(people), 'ndjson', index, { batchSize: 3 }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof ImportFailedError);
  const failed = err as ImportFailedError;
  t.equal(failed.line, 4, 'the first line of the failed batch');
  t.match(failed.message, /^import stopped at line 4: disk full$/);
  t.match(failed.summary, { imported: 3, inserted: 3 }, 'only the first batch counted');
  t.same(index.batches.length, 1, 'nothing written after the failure');
});

t.test('a read error rejects, after the batch being written has finished', async (t) => {
  const index = recordingIndex();
  const lines = [makePerson(1), makePerson(2)].map((p) => `${JSON.stringify(p)}\n`);
  const input = new Readable({
    read() {
      const next = lines.shift();
      if (next !== undefined) this.push(next);
      else this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    },
  });
  await t.rejects(importPeople(input, 'ndjson', index, { batchSize: 1 }), { code: 'EIO' });
  t.same(index.batches.flat(), [makePerson(1).nhsNumber, makePerson(2).nhsNumber], 'both batches written before the rejection');
});
