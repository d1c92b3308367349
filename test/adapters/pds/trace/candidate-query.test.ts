import t from 'tap';
import { familyNameKeys } from '../../../../adapters/pds/names/name-keys.js';
import { buildCandidateQuery } from '../../../../adapters/pds/trace/candidate-query.js';
import type { TraceSubject } from '../../../../adapters/pds/trace/trace-subject.js';

const subject = (over: Partial<TraceSubject>): TraceSubject => ({
  nhsNumber: null,
  givenNames: ['Margaret'],
  familyNames: ['Wilson'],
  dateOfBirth: { year: 1940, month: 5, day: 2 },
  gender: 'female',
  postcode: 'LS1 4AP',
  addressLines: [],
  ...over,
});

t.test('a full date: the date, its transposition, and the name keys with the stated year', async (t) => {
  const q = buildCandidateQuery(subject({ nhsNumber: '9434765919' }));
  t.same(q, { nhsNumber: '9434765919', datesOfBirth: ['1940-05-02', '1940-02-05'], nameKeys: familyNameKeys(['Wilson']), birthYears: [1940] });
});

t.test('no transposition when the day cannot be a month or equals it', async (t) => {
  t.same(buildCandidateQuery(subject({ dateOfBirth: { year: 1940, month: 5, day: 20 } })).datesOfBirth, ['1940-05-20']);
  t.same(buildCandidateQuery(subject({ dateOfBirth: { year: 1940, month: 5, day: 5 } })).datesOfBirth, ['1940-05-05']);
});

t.test('a partial date is looked up by name and year only', async (t) => {
  const q = buildCandidateQuery(subject({ dateOfBirth: { year: 1940, month: 5, day: null } }));
  t.same(q.datesOfBirth, []);
  t.same(q.birthYears, [1940]);
  t.same(buildCandidateQuery(subject({ dateOfBirth: { year: 1940, month: null, day: null } })).birthYears, [1940]);
});

t.test('every stated family name gives keys: current, maiden, double-barrelled parts', async (t) => {
  const q = buildCandidateQuery(subject({ familyNames: ['Smythe-Jones', 'Brown'] }));
  for (const key of [...familyNameKeys(['Smith']), ...familyNameKeys(['Jones']), ...familyNameKeys(['Brown'])]) t.ok(q.nameKeys.includes(key), key);
});

t.test('nothing to look up by', async (t) => {
  const q = buildCandidateQuery(subject({ dateOfBirth: null, familyNames: [] }));
  t.same(q, { nhsNumber: null, datesOfBirth: [], nameKeys: [], birthYears: [] });
  t.same(buildCandidateQuery(subject({ dateOfBirth: { year: 1940, month: 2, day: 30 } })).datesOfBirth, [], 'an impossible date is not looked up');
});
