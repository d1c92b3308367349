/**
 * The DemographicIndex contract, run against every implementation (SQLite and PostgreSQL): each
 * test gets a fresh, migrated, empty index.
 */

import type { Test } from 'tap';
import type { CandidateQuery, DemographicIndex, RegistrationState } from '../../../adapters/pds/demographic-index.js';
import { familyNameKeys } from '../../../adapters/pds/names/name-keys.js';
import type { IndexedPerson, Person } from '../../../adapters/pds/person.js';

type Register = (name: string, fn: (t: Test, index: DemographicIndex) => Promise<void>) => void;

/** The `n`th valid test NHS number (9 then eight digits then the Modulus 11 check digit), skipping prefixes with no valid check digit. */
export function testNhsNumber(n: number): string {
  for (let k = n; ; k++) {
    const prefix = `9${String(k).padStart(8, '0')}`;
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(prefix[i]) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${prefix}${check === 11 ? 0 : check}`;
  }
}

/** A valid person with NHS number testNhsNumber(n). */
export function makePerson(n: number, overrides: Partial<Person> = {}): Person {
  return {
    nhsNumber: testNhsNumber(n * 10),
    givenNames: ['Alice', 'Mary'],
    familyName: 'Whitfield',
    previousFamilyNames: [],
    dateOfBirth: '1950-03-04',
    gender: 'female',
    addressLines: ['1 High Street', 'Leeds'],
    postcode: 'LS1 4AP',
    gpPracticeOds: 'B86001',
    ...overrides,
  };
}

/** A query with no clauses; tests add the ones they mean. */
function query(overrides: Partial<CandidateQuery>): CandidateQuery {
  return { nhsNumber: null, datesOfBirth: [], nameKeys: [], birthYears: [], ...overrides };
}

/** What an imported person looks like in the index before any death is recorded. */
function indexed(p: Person): IndexedPerson {
  return { ...p, deathStatus: 0, dateOfDeath: null, deathRegistrationId: null };
}

function registration(id: string, overrides: Partial<RegistrationState> = {}): RegistrationState {
  return {
    registrationId: id,
    nhsNumber: null,
    recordVersion: '2024-05-01T10:00:00',
    updateReason: null,
    cancelled: false,
    dateOfDeath: '2024-04-30',
    priorDeathStatus: 0,
    priorDateOfDeath: null,
    sourceMessageId: 'MSG-1',
    outcome: null,
    updatedAt: 1_714_557_600_000,
    ...overrides,
  };
}

const nhsOf = (people: IndexedPerson[]): string[] => people.map((p) => p.nhsNumber);

/** Registers the shared suite; `test` gives each case a fresh index. */
export function registerDemographicIndexTests(test: Register): void {
  registerUpsertTests(test);
  registerCandidateTests(test);
  registerRegistrationTests(test);
}

function registerUpsertTests(test: Register): void {
  test('an inserted person round-trips every field, with no death recorded', async (t, index) => {
    const full = makePerson(1, { previousFamilyNames: ['Brown', 'Smythe-Jones'], gender: 'other' });
    const bare = makePerson(2, { givenNames: ['Ann'], addressLines: [], postcode: null, gpPracticeOds: null, gender: 'unknown' });
    t.same(await index.upsertPeople([full, bare]), { inserted: 2, updated: 0 });
    t.strictSame(await index.getPerson(full.nhsNumber), indexed(full));
    t.strictSame(await index.getPerson(bare.nhsNumber), indexed(bare), 'empty lists and nulls stay so');
    t.equal(await index.getPerson(makePerson(3).nhsNumber), null, 'an unknown number is null');
    t.equal(await index.countPeople(), 2);
  });

  test('re-importing updates a person and leaves their death status as it was', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p, makePerson(2)]);
    await index.applyRegistrations([], [{ nhsNumber: p.nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R1' }]);
    const moved = { ...p, addressLines: ['2 Low Road'], postcode: 'M1 1AE', gpPracticeOds: 'P84001', givenNames: ['Alicia'] };
    t.same(await index.upsertPeople([moved, makePerson(3)]), { inserted: 1, updated: 1 });
    t.strictSame(await index.getPerson(p.nhsNumber), { ...moved, deathStatus: 2, dateOfDeath: '2024-04-30', deathRegistrationId: 'R1' });
    t.equal(await index.countPeople(), 3);
  });

  test('the same NHS number twice in one call: the later one wins, counted as an update', async (t, index) => {
    const first = makePerson(1, { familyName: 'Early' });
    const later = makePerson(1, { familyName: 'Later' });
    t.same(await index.upsertPeople([first, makePerson(2), later]), { inserted: 2, updated: 1 });
    t.equal((await index.getPerson(first.nhsNumber))?.familyName, 'Later');
    const [byEarly, byLater] = await index.findCandidates([
      query({ nameKeys: familyNameKeys(['Early']), birthYears: [1950] }),
      query({ nameKeys: familyNameKeys(['Later']), birthYears: [1950] }),
    ], 10);
    t.same(nhsOf(byEarly!), [], 'the earlier surname left no key behind');
    t.same(nhsOf(byLater!), [first.nhsNumber]);
  });

  test('an update replaces name keys: an old surname no longer finds the person, the new one does', async (t, index) => {
    const p = makePerson(1, { familyName: 'Whitfield', previousFamilyNames: ['Brown'] });
    await index.upsertPeople([p]);
    const lookup = (name: string): CandidateQuery => query({ nameKeys: familyNameKeys([name]), birthYears: [1950] });
    t.same((await index.findCandidates([lookup('Brown')], 10)).map(nhsOf), [[p.nhsNumber]], 'found by a previous name');
    await index.upsertPeople([{ ...p, familyName: 'Okafor', previousFamilyNames: ['Whitfield'] }]);
    const [brown, whitfield, okafor] = await index.findCandidates([lookup('Brown'), lookup('Whitfield'), lookup('Okafor')], 10);
    t.same(nhsOf(brown!), [], 'a name dropped from the record no longer finds them');
    t.same(nhsOf(whitfield!), [p.nhsNumber], 'now a previous name');
    t.same(nhsOf(okafor!), [p.nhsNumber], 'the new family name');
  });

  test('a changed date of birth moves the person to the new birth year and date', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p]);
    await index.upsertPeople([{ ...p, dateOfBirth: '1961-07-08' }]);
    const keys = familyNameKeys([p.familyName]);
    const [oldYear, newYear, oldDate] = await index.findCandidates([
      query({ nameKeys: keys, birthYears: [1950] }),
      query({ nameKeys: keys, birthYears: [1961] }),
      query({ datesOfBirth: ['1950-03-04'] }),
    ], 10);
    t.same(nhsOf(oldYear!), []);
    t.same(nhsOf(newYear!), [p.nhsNumber]);
    t.same(nhsOf(oldDate!), []);
  });

  test('an empty upsert does nothing', async (t, index) => {
    t.same(await index.upsertPeople([]), { inserted: 0, updated: 0 });
    t.equal(await index.countPeople(), 0);
    await index.ping();
  });
}

function registerCandidateTests(test: Register): void {
  test('each clause finds candidates on its own', async (t, index) => {
    const a = makePerson(1, { familyName: 'Smith', dateOfBirth: '1950-03-04' });
    const b = makePerson(2, { familyName: 'Okafor', dateOfBirth: '1972-11-05' });
    const c = makePerson(3, { familyName: 'Okafor', dateOfBirth: '1972-01-20', previousFamilyNames: ['Smythe-Jones'] });
    await index.upsertPeople([a, b, c]);
    const results = await index.findCandidates([
      query({ nhsNumber: b.nhsNumber }),
      query({ nhsNumber: makePerson(9).nhsNumber }),
      query({ datesOfBirth: ['1972-11-05'] }),
      query({ nameKeys: familyNameKeys(['Okafor']), birthYears: [1972] }),
      query({ nameKeys: familyNameKeys(['Okafor']), birthYears: [1971, 1973] }),
      query({ nameKeys: familyNameKeys(['Jones']), birthYears: [1972] }),
      query({ nameKeys: familyNameKeys(['Smyth']), birthYears: [1950] }),
      query({}),
    ], 10);
    t.same(results.map(nhsOf), [
      [b.nhsNumber],
      [],
      [b.nhsNumber],
      [b.nhsNumber, c.nhsNumber].sort(),
      [],
      [c.nhsNumber],
      [a.nhsNumber],
      [],
    ]);
    t.strictSame(results[0]![0], indexed(b), 'candidates are whole indexed people');
  });

  test('order: NHS number match, then each date of birth in turn, then name keys; each person once', async (t, index) => {
    const byNhs = makePerson(50, { familyName: 'Okafor', dateOfBirth: '1950-03-04' });
    const secondDate = [makePerson(11, { dateOfBirth: '1950-04-03', familyName: 'Quinn' }), makePerson(12, { dateOfBirth: '1950-04-03', familyName: 'Quinn' })];
    const firstDate = [makePerson(31, { dateOfBirth: '1950-03-04', familyName: 'Quinn' }), makePerson(32, { dateOfBirth: '1950-03-04', familyName: 'Okafor' })];
    const byKey = [makePerson(21, { dateOfBirth: '1950-12-12', familyName: 'Okafor' }), makePerson(22, { dateOfBirth: '1950-01-01', familyName: 'Okafor' })];
    await index.upsertPeople([...byKey, ...secondDate, byNhs, ...firstDate, makePerson(60, { familyName: 'Okafor', dateOfBirth: '1948-03-04' })]);
    const [found] = await index.findCandidates([
      query({ nhsNumber: byNhs.nhsNumber, datesOfBirth: ['1950-03-04', '1950-04-03'], nameKeys: familyNameKeys(['Okafor']), birthYears: [1950] }),
    ], 10);
    const sorted = (ps: Person[]): string[] => ps.map((p) => p.nhsNumber).sort();
    t.same(nhsOf(found!), [byNhs.nhsNumber, ...sorted(firstDate), ...sorted(secondDate), ...sorted(byKey)]);
  });

  test('at most limitPerQuery candidates, the closest kept', async (t, index) => {
    const twins = [1, 2, 3, 4, 5].map((n) => makePerson(n, { dateOfBirth: '1990-06-06' }));
    const named = [6, 7].map((n) => makePerson(n, { dateOfBirth: '1990-01-01' }));
    await index.upsertPeople([...twins, ...named]);
    const q = query({ nhsNumber: twins[4]!.nhsNumber, datesOfBirth: ['1990-06-06'], nameKeys: familyNameKeys(['Whitfield']), birthYears: [1990] });
    const [three] = await index.findCandidates([q], 3);
    const [none] = await index.findCandidates([q], 0);
    const [all] = await index.findCandidates([q], 100);
    const rest = twins.slice(0, 4).map((p) => p.nhsNumber).sort();
    t.same(nhsOf(three!), [twins[4]!.nhsNumber, rest[0], rest[1]], 'the NHS match, then the first birthdays by NHS number');
    t.same(none, [], 'a limit of 0 finds nothing');
    t.equal(all!.length, 7, 'everyone once, however many clauses match them');
  });

  test('a batch of many queries answers each in query order', async (t, index) => {
    const people = Array.from({ length: 300 }, (_, i) =>
      makePerson(100 + i, { familyName: `Name${'ABCDEFGHIJKLMNOPQRST'[i % 20]}${'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(i / 20) % 20]}`, dateOfBirth: `19${String(10 + (i % 80))}-0${1 + (i % 9)}-1${i % 10}` }));
    await index.upsertPeople(people);
    const queries: CandidateQuery[] = [];
    for (let i = 0; i < 600; i++) {
      const p = people[i % people.length]!;
      queries.push(i % 2 === 0 ? query({ nhsNumber: p.nhsNumber }) : query({ datesOfBirth: [p.dateOfBirth] }));
    }
    queries.push(query({ nhsNumber: makePerson(9999).nhsNumber }));
    const results = await index.findCandidates(queries, 5);
    t.equal(results.length, queries.length);
    let wrong = 0;
    results.forEach((found, i) => {
      const q = queries[i]!;
      const ok = q.nhsNumber !== null
        ? (i === queries.length - 1 ? found.length === 0 : found.length === 1 && found[0]!.nhsNumber === q.nhsNumber)
        : found.length > 0 && found.every((p) => p.dateOfBirth === q.datesOfBirth[0]);
      if (!ok) wrong++;
    });
    t.equal(wrong, 0, 'every query got its own candidates');
    t.same(await index.findCandidates([], 5), [], 'no queries, no answers');
  });

  test('limitPerQuery must be a non-negative integer', async (t, index) => {
    await t.rejects(index.findCandidates([query({})], -1), RangeError);
    await t.rejects(index.findCandidates([query({})], 1.5), RangeError);
  });
}

function registerRegistrationTests(test: Register): void {
  test('registrations round-trip every field and are found by ID', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p]);
    const matched = registration('R1', {
      nhsNumber: p.nhsNumber, updateReason: 3, priorDeathStatus: 1, priorDateOfDeath: '2024-04-29', outcome: '{"kind":"matched","score":1}',
    });
    const manual = registration('R2', { cancelled: true, dateOfDeath: null });
    await index.applyRegistrations([matched, manual], []);
    const found = await index.getRegistrations(['R1', 'R2', 'R3', 'R1']);
    t.strictSame([...found.keys()].sort(), ['R1', 'R2'], 'unknown IDs are left out');
    t.strictSame(found.get('R1'), matched);
    t.strictSame(found.get('R2'), manual);
    t.equal((await index.getRegistrations([])).size, 0);
    const { outcome: _none, ...withoutOutcome } = registration('R3');
    await index.applyRegistrations([withoutOutcome], []);
    t.equal((await index.getRegistrations(['R3'])).get('R3')?.outcome, null, 'an outcome left out reads back as null');
  });

  test('applying a registration records the death; an amendment replaces the state by ID', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p]);
    await index.applyRegistrations(
      [registration('R1', { nhsNumber: p.nhsNumber })],
      [{ nhsNumber: p.nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R1' }],
    );
    t.strictSame(await index.getPerson(p.nhsNumber), { ...indexed(p), deathStatus: 2, dateOfDeath: '2024-04-30', deathRegistrationId: 'R1' });
    const cancelled = registration('R1', { nhsNumber: p.nhsNumber, updateReason: 4, cancelled: true, recordVersion: '2024-05-02T09:00:00', sourceMessageId: 'MSG-2' });
    await index.applyRegistrations([cancelled], [{ nhsNumber: p.nhsNumber, status: 0, dateOfDeath: null, registrationId: null }]);
    t.strictSame((await index.getRegistrations(['R1'])).get('R1'), cancelled);
    t.strictSame(await index.getPerson(p.nhsNumber), indexed(p), 'a cancellation reverts the death');
  });

  test('applying the same registrations again changes nothing', async (t, index) => {
    const [a, b] = [makePerson(1), makePerson(2)];
    await index.upsertPeople([a, b]);
    const states = [registration('R1', { nhsNumber: a.nhsNumber }), registration('R2')];
    const deaths = [{ nhsNumber: a.nhsNumber, status: 2 as const, dateOfDeath: '2024-04-30', registrationId: 'R1' }];
    await index.applyRegistrations(states, deaths);
    const once = { a: await index.getPerson(a.nhsNumber), b: await index.getPerson(b.nhsNumber), regs: await index.getRegistrations(['R1', 'R2']) };
    await index.applyRegistrations(states, deaths);
    t.strictSame({ a: await index.getPerson(a.nhsNumber), b: await index.getPerson(b.nhsNumber), regs: await index.getRegistrations(['R1', 'R2']) }, once);
    t.equal(once.a?.deathStatus, 2);
    t.equal(once.b?.deathStatus, 0, 'nobody else touched');
  });

  test('applyRegistrations is atomic: a death for someone not in the index applies nothing', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p]);
    await t.rejects(index.applyRegistrations(
      [registration('R1', { nhsNumber: p.nhsNumber }), registration('R2')],
      [
        { nhsNumber: p.nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R1' },
        { nhsNumber: makePerson(2).nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R2' },
      ],
    ), /not in the demographic index/);
    t.equal((await index.getRegistrations(['R1', 'R2'])).size, 0, 'no registration recorded');
    t.strictSame(await index.getPerson(p.nhsNumber), indexed(p), 'no death recorded');
  });

  test('the later of two changes to one person in a call wins', async (t, index) => {
    const p = makePerson(1);
    await index.upsertPeople([p]);
    await index.applyRegistrations([], [
      { nhsNumber: p.nhsNumber, status: 1, dateOfDeath: '2024-04-01', registrationId: null },
      { nhsNumber: p.nhsNumber, status: 2, dateOfDeath: '2024-04-30', registrationId: 'R9' },
    ]);
    t.strictSame(await index.getPerson(p.nhsNumber), { ...indexed(p), deathStatus: 2, dateOfDeath: '2024-04-30', deathRegistrationId: 'R9' });
  });
}
