import t from 'tap';
import type { IndexedPerson } from '../../../../adapters/pds/person.js';
import { adjustForCommonNames, prepareSubject, scoreCandidate, scoreCandidates } from '../../../../adapters/pds/trace/scoring.js';
import { DEFAULT_TRACE_CONFIG, maxScoreWeight } from '../../../../adapters/pds/trace/trace-config.js';
import type { TraceSubject } from '../../../../adapters/pds/trace/trace-subject.js';

const config = DEFAULT_TRACE_CONFIG;
const w = config.weights;

let serial = 0;
function person(over: Partial<IndexedPerson> = {}): IndexedPerson {
  serial++;
  return {
    givenNames: ['Margaret', 'Rose'],
    familyName: 'Wilson',
    previousFamilyNames: ['Hargreaves'],
    dateOfBirth: '1940-05-02',
    gender: 'female',
    addressLines: ['12 Church Lane', 'Leeds'],
    postcode: 'LS6 2AB',
    gpPracticeOds: 'B86001',
    deathStatus: 0,
    dateOfDeath: null,
    deathRegistrationId: null,
    ...over,
    nhsNumber: String(9_000_000_000 + serial),
  };
}

const subject = (over: Partial<TraceSubject> = {}): TraceSubject => ({
  nhsNumber: null,
  givenNames: ['Margaret', 'Rose'],
  familyNames: ['Wilson', 'Hargreaves'],
  dateOfBirth: { year: 1940, month: 5, day: 2 },
  gender: 'female',
  postcode: 'ls6 2ab',
  addressLines: [],
  ...over,
});

const score = (s: TraceSubject, p: IndexedPerson) => scoreCandidate(prepareSubject(s, config), p);

t.test('every field exact: the breakdown and the scale', async (t) => {
  const c = score(subject(), person());
  t.same(
    Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [k, 'level' in v ? v.level : v])),
    {
      familyName: 'exact',
      otherFamilyNames: 'agree',
      givenName: 'exact',
      otherGivenNames: 'agree',
      dateOfBirth: 'exact',
      gender: 'agree',
      postcode: 'exact',
      commonName: { lookalikes: 0, weight: 0 },
    },
    'levels (the subject postcode normalised)',
  );
  t.equal(c.fields.familyName.against, 'current');
  const core = w.familyName.exact + w.givenName.exact + w.dateOfBirth.exact + w.gender.agree + w.postcode.exact;
  t.equal(c.weight, core + w.otherFamilyNames.agree + w.otherGivenNames.agree, 'the weights add up');
  t.equal(maxScoreWeight(w), core);
  t.ok(c.score > 1, 'middle and maiden names are evidence beyond the core fields');
  t.equal(score(subject({ givenNames: ['Margaret'], familyNames: ['Wilson'] }), person({ givenNames: ['Margaret'], previousFamilyNames: [] })).score, 1, 'core fields exact: 1');
});

t.test('each field at a weaker level', async (t) => {
  const c = score(
    subject({ givenNames: ['Peggy', 'Ann'], familyNames: ['Wilsen', 'Hargreaves'], dateOfBirth: { year: 1940, month: 2, day: 5 }, gender: 'unknown', postcode: 'LS6 9ZZ' }),
    person(),
  );
  const f = c.fields;
  t.same([f.familyName.level, f.familyName.against, f.familyName.weight], ['exact', 'previous', w.familyName.exact], 'the best pair: the maiden name');
  t.same([f.otherFamilyNames.level, f.otherFamilyNames.weight], ['agree', w.otherFamilyNames.agree], 'then Wilsen against Wilson, a typo');
  t.same([f.givenName.level, f.givenName.weight], ['variant', w.givenName.variant]);
  t.same([f.otherGivenNames.level, f.otherGivenNames.weight], ['disagree', w.otherGivenNames.disagree], 'Ann is not Rose');
  t.same([f.dateOfBirth.level, f.dateOfBirth.weight], ['transposed', w.dateOfBirth.transposed]);
  t.same([f.gender.level, f.gender.weight], ['unknown', 0]);
  t.same([f.postcode.level, f.postcode.weight], ['outward', w.postcode.outward]);
  t.equal(c.weight, Object.values(f).reduce((s, x) => s + x.weight, 0), 'the total is the sum of the fields');
});

t.test('partial dates weigh by how much was stated', async (t) => {
  t.equal(score(subject({ dateOfBirth: { year: 1940, month: 5, day: null } }), person()).fields.dateOfBirth.weight, w.dateOfBirth.partialMonth);
  t.equal(score(subject({ dateOfBirth: { year: 1940, month: null, day: null } }), person()).fields.dateOfBirth.weight, w.dateOfBirth.partialYear);
  t.same(score(subject({ dateOfBirth: null }), person()).fields.dateOfBirth, { level: 'unknown', weight: 0 });
});

t.test('maiden and other family names', async (t) => {
  t.same(score(subject({ familyNames: ['Wilsen'] }), person({ previousFamilyNames: [] })).fields.familyName.level, 'typo');
  const married = person({ familyName: 'Wilson', previousFamilyNames: ['Brown'] });
  const under = score(subject({ familyNames: ['Brown'] }), married).fields;
  t.same(
    [under.familyName.level, under.familyName.against, under.otherFamilyNames.level, under.otherFamilyNames.weight],
    ['exact', 'previous', 'previous-only', w.otherFamilyNames.previousOnly],
    'registered under the maiden name: weaker than the current name',
  );
  t.equal(score(subject({ familyNames: ['Wilson', 'Brown'] }), married).fields.otherFamilyNames.level, 'agree');
  t.equal(score(subject({ familyNames: ['Wilson', 'Green'] }), married).fields.otherFamilyNames.level, 'disagree', 'a different maiden name');
  t.equal(score(subject({ familyNames: ['Wilson', 'Brown'] }), person({ previousFamilyNames: [] })).fields.otherFamilyNames.level, 'missing', 'the index holds no previous name');
  t.equal(score(subject({ familyNames: ['Wilson'] }), married).fields.otherFamilyNames.level, 'unknown', 'a previous name not stated is no evidence');
});

t.test('gender and postcode', async (t) => {
  t.equal(score(subject({ gender: 'male' }), person()).fields.gender.level, 'disagree');
  t.equal(score(subject({ gender: 'other' }), person({ gender: 'other' })).fields.gender.level, 'agree');
  t.equal(score(subject({ gender: 'other' }), person()).fields.gender.level, 'unknown');
  t.equal(score(subject({ postcode: 'BS1 4DJ' }), person()).fields.postcode.level, 'disagree');
  t.equal(score(subject({ postcode: 'not a postcode' }), person()).fields.postcode.level, 'unknown');
  t.equal(score(subject(), person({ postcode: null })).fields.postcode.level, 'unknown');
});

t.test('scoreCandidates: distinct, best first, ties by NHS number', async (t) => {
  const a = person();
  const b = person({ postcode: 'BS1 4DJ' });
  const c = person({ givenNames: ['Ada'] });
  const twin = { ...a, nhsNumber: '8999999999' };
  const scored = scoreCandidates(subject(), [c, b, a, a, twin], config);
  t.same(
    scored.map((x) => x.person.nhsNumber),
    [twin.nhsNumber, a.nhsNumber, b.nhsNumber, c.nhsNumber],
  );
});

t.test('adjustForCommonNames', async (t) => {
  const john = person({ givenNames: ['John'], familyName: 'Smith', previousFamilyNames: [], gender: 'male', dateOfBirth: '1950-06-15' });
  const s = subject({ givenNames: ['John'], familyNames: ['Smith'], gender: 'male', dateOfBirth: { year: 1950, month: 6, day: 15 }, postcode: 'YO1 7HH' });
  const sameYear = [3, 5, 8].map((m) => person({ givenNames: ['John'], familyName: 'Smith', previousFamilyNames: [], gender: 'male', dateOfBirth: `1950-0${m}-02` }));
  const sameDay = [person({ givenNames: ['Ada'], familyName: 'Holt', dateOfBirth: '1950-06-15' })];
  const adjusted = adjustForCommonNames(scoreCandidates(s, [john, ...sameYear, ...sameDay], config), s, config);
  const best = adjusted.find((c) => c.person.nhsNumber === john.nhsNumber)!;
  // 3 John Smiths among an estimated 2 x 365 births that year, against the 2^-15.5 the weights assume.
  const names = w.familyName.exact + w.givenName.exact;
  const discount = Math.log2(3 / (2 * 365)) + names;
  t.equal(best.fields.commonName.lookalikes, 3);
  t.ok(Math.abs(best.fields.commonName.weight + discount) < 1e-9, `discount ${discount.toFixed(2)} bits`);
  const raw = score(s, john);
  t.ok(Math.abs(best.weight - (raw.weight - discount)) < 1e-9, 'taken off the weight');
  t.equal(adjusted.find((c) => c.person.nhsNumber === sameDay[0]!.nhsNumber)!.fields.commonName.weight, 0, 'a family name that disagrees is left alone');

  const middle = subject({ ...s, givenNames: ['John', 'Peter'] });
  const rare = adjustForCommonNames(scoreCandidates(middle, [person({ ...john, givenNames: ['John', 'Peter'] }), ...sameYear], config), middle, config);
  t.equal(rare[0]!.fields.commonName.weight, 0, 'no other John Peter Smith: no discount');
  const partial = { ...s, dateOfBirth: { year: 1950, month: 6, day: null } };
  t.ok(
    adjustForCommonNames(scoreCandidates(partial, [john, ...sameYear], config), partial, config).every((c) => c.fields.commonName.weight === 0),
    'partial dates are left to the margin',
  );
});
