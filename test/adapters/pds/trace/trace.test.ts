import t from 'tap';
import type { Test } from 'tap';
import { isValidNhsNumber } from '../../../../adapters/pds/nhs-number.js';
import type { IndexedPerson } from '../../../../adapters/pds/person.js';
import { tooPoorToTrace, traceSubject, type TraceResult } from '../../../../adapters/pds/trace/trace.js';
import { DEFAULT_TRACE_CONFIG, parseTraceConfig, type TraceConfig } from '../../../../adapters/pds/trace/trace-config.js';
import type { TraceSubject } from '../../../../adapters/pds/trace/trace-subject.js';

/** A Modulus 11 valid test-range NHS number, distinct per n. */
function nhs(n: number): string {
  for (let base = 900_000_000 + n * 13; ; base++) {
    const digits = String(base);
    const sum = [...digits].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check !== 10) return digits + String(check === 11 ? 0 : check);
  }
}

let serial = 0;
/** Margaret Rose Wilson née Hargreaves of Leeds, or anyone else by override. */
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
    // A new person each time, even when made from another's fields.
    nhsNumber: nhs(serial),
  };
}

/** What a clean registration of `p` states. */
function subjectOf(p: IndexedPerson, over: Partial<TraceSubject> = {}): TraceSubject {
  const [year, month, day] = p.dateOfBirth.split('-').map(Number) as [number, number, number];
  return {
    nhsNumber: null,
    givenNames: [...p.givenNames],
    familyNames: [p.familyName, ...p.previousFamilyNames],
    dateOfBirth: { year, month, day },
    gender: p.gender,
    postcode: p.postcode,
    addressLines: [...p.addressLines],
    ...over,
  };
}

/** Unrelated people the index also returns: born the same day, or sharing the family name that year. */
function background(): IndexedPerson[] {
  return [
    person({ givenNames: ['Albert'], familyName: 'Cartwright', previousFamilyNames: [], gender: 'male', postcode: 'M1 1AE' }),
    person({ givenNames: ['Joan', 'Ada'], familyName: 'Pickles', previousFamilyNames: ['Hirst'], postcode: 'BD1 1HY' }),
    person({ givenNames: ['Sylvia'], familyName: 'Wilson', previousFamilyNames: ['Brook'], dateOfBirth: '1940-11-23', postcode: 'HX1 1QN' }),
    person({ givenNames: ['Frank'], familyName: 'Wilson', previousFamilyNames: [], dateOfBirth: '1940-08-14', gender: 'male', postcode: 'LS6 4QD' }),
  ];
}

const config = DEFAULT_TRACE_CONFIG;

function matched(t: Test, result: TraceResult, who: IndexedPerson, method: 'cross-check' | 'alphanumeric', msg: string): void {
  if (result.outcome !== 'match') {
    t.fail(`${msg}: expected a match, got ${result.outcome}: ${result.detail}`);
    return;
  }
  t.equal(result.person.nhsNumber, who.nhsNumber, `${msg}: the right person`);
  t.equal(result.method, method, `${msg}: by ${method}`);
}

function manual(t: Test, result: TraceResult, outcome: 'no-match' | 'ambiguous', msg: string): string {
  t.equal(result.outcome, outcome, msg);
  return result.outcome === 'match' ? `matched ${result.person.nhsNumber}` : result.detail;
}

t.test('test NHS numbers are valid', async (t) => {
  for (let n = 1; n < 50; n++) t.ok(isValidNhsNumber(nhs(n)), nhs(n));
});

t.test('exact: every field agrees', async (t) => {
  const margaret = person();
  const result = traceSubject(subjectOf(margaret), [margaret, ...background()], config);
  matched(t, result, margaret, 'alphanumeric', 'exact');
  t.equal(result.outcome === 'match' ? result.score : -1, 1, 'score 1: the core fields exact');
  t.equal(result.candidates[0]?.nhsNumber, margaret.nhsNumber, 'listed first');
  t.ok(result.candidates.length <= config.reportedCandidates, 'at most the reported few');
  for (let i = 1; i < result.candidates.length; i++) t.ok(result.candidates[i - 1]!.score >= result.candidates[i]!.score, 'best first');
  for (const c of result.candidates) t.equal(Math.round(c.score * 1000) / 1000, c.score, 'three decimals');
});

t.test('nickname, misspelling, Smith/Smythe', async (t) => {
  const margaret = person();
  matched(t, traceSubject(subjectOf(margaret, { givenNames: ['Peggy', 'Rose'] }), [margaret, ...background()], config), margaret, 'alphanumeric', 'Peggy for Margaret');
  matched(
    t,
    traceSubject(subjectOf(margaret, { givenNames: ['Margret', 'Rose'], familyNames: ['Wilsson', 'Hargreaves'] }), [margaret, ...background()], config),
    margaret,
    'alphanumeric',
    'Margret Wilsson',
  );
  const smith = person({ givenNames: ['Arthur', 'James'], familyName: 'Smith', previousFamilyNames: [], gender: 'male', dateOfBirth: '1931-09-17' });
  matched(t, traceSubject(subjectOf(smith, { familyNames: ['Smythe'] }), [smith, ...background()], config), smith, 'alphanumeric', 'Smythe for Smith');
});

t.test('maiden name and double-barrelled names', async (t) => {
  const margaret = person({ familyName: 'Wilson', previousFamilyNames: ['Brown'] });
  matched(t, traceSubject(subjectOf(margaret, { familyNames: ['Brown'] }), [margaret, ...background()], config), margaret, 'alphanumeric', 'registered under her maiden name');
  const barrel = person({ familyName: 'Smith-Jones', previousFamilyNames: [] });
  matched(t, traceSubject(subjectOf(barrel, { familyNames: ['Smith'] }), [barrel, ...background()], config), barrel, 'alphanumeric', 'one part of a double-barrelled name');
  const plain = person({ familyName: 'Jones', previousFamilyNames: [] });
  matched(t, traceSubject(subjectOf(plain, { familyNames: ['Smith-Jones'] }), [plain, ...background()], config), plain, 'alphanumeric', 'double-barrelled on the record only');
});

t.test('dates: transposed and partial', async (t) => {
  const margaret = person();
  matched(t, traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: 2, day: 5 } }), [margaret, ...background()], config), margaret, 'alphanumeric', 'day and month swapped');
  matched(t, traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: 5, day: null } }), [margaret, ...background()], config), margaret, 'alphanumeric', 'year and month only');
  matched(t, traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: null, day: null } }), [margaret, ...background()], config), margaret, 'alphanumeric', 'year only, same address');
  const plain = person({ givenNames: ['Margaret'], previousFamilyNames: [] });
  manual(t, traceSubject(subjectOf(plain, { dateOfBirth: { year: 1940, month: null, day: null }, postcode: 'YO1 7HH' }), [plain, ...background()], config), 'no-match', 'year only and moved: too little');
  matched(
    t,
    traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: null, day: null }, postcode: 'YO1 7HH' }), [margaret, ...background()], config),
    margaret,
    'alphanumeric',
    'year only and moved, but middle and maiden names agree',
  );
  manual(t, traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: 5, day: 12 } }), [margaret, ...background()], config), 'no-match', 'a one-digit date typo is below the minimum date agreement');
});

t.test('moved house', async (t) => {
  const margaret = person();
  const result = traceSubject(subjectOf(margaret, { postcode: 'YO1 7HH', addressLines: ['Rose Court Care Home', 'York'] }), [margaret, ...background()], config);
  matched(t, result, margaret, 'alphanumeric', 'new address, names and date agree');
  t.ok(result.outcome === 'match' && result.score < 1, 'scores less than a full agreement');
  matched(t, traceSubject(subjectOf(margaret, { postcode: 'LS6 9ZZ' }), [margaret, ...background()], config), margaret, 'alphanumeric', 'moved within the district');
  matched(t, traceSubject(subjectOf(margaret, { postcode: null }), [margaret, ...background()], config), margaret, 'alphanumeric', 'no fixed abode');
});

t.test('twins: the right twin or a person, never the wrong twin', async (t) => {
  const shared = { familyName: 'Wilson', previousFamilyNames: [], dateOfBirth: '1952-03-07', postcode: 'LS6 2AB' };
  const anne = person({ ...shared, givenNames: ['Anne', 'Louise'] });
  const mary = person({ ...shared, givenNames: ['Mary', 'Elizabeth'] });
  const index = [anne, mary, ...background()];
  matched(t, traceSubject(subjectOf(anne), index, config), anne, 'alphanumeric', 'Anne');
  matched(t, traceSubject(subjectOf(mary), index, config), mary, 'alphanumeric', 'Mary');
  matched(t, traceSubject(subjectOf(mary, { givenNames: ['Molly', 'Elizabeth'] }), index, config), mary, 'alphanumeric', 'Molly for Mary');
  manual(t, traceSubject(subjectOf(mary, { givenNames: ['M'] }), [anne, mary, person({ ...shared, givenNames: ['Margaret'] })], config), 'ambiguous', 'an initial that fits two twins');
  manual(t, traceSubject(subjectOf(anne, { givenNames: [] }), index, config), 'ambiguous', 'no given name: twins cannot be told apart');
  const detail = manual(t, traceSubject(subjectOf(anne), [mary, ...background()], config), 'no-match', 'Anne is not in the index, her twin is');
  t.match(detail, /given name disagrees/, 'refused on the given name');
  const sam = person({ ...shared, givenNames: ['Samuel'], gender: 'male' });
  const samantha = person({ ...shared, givenNames: ['Samantha'], gender: 'female' });
  manual(t, traceSubject(subjectOf(samantha, { givenNames: ['Sam'], gender: 'male' }), [sam, samantha], config), 'ambiguous', '"Sam" with a wrong gender: not given to Samuel');
});

t.test('unrelated people with the same name and birthday', async (t) => {
  const leeds = person({ givenNames: ['John'], familyName: 'Hepworth', previousFamilyNames: [], gender: 'male', dateOfBirth: '1948-11-21', postcode: 'LS6 2AB' });
  const bristol = person({ givenNames: ['John'], familyName: 'Hepworth', previousFamilyNames: [], gender: 'male', dateOfBirth: '1948-11-21', postcode: 'BS1 4DJ' });
  const index = [leeds, bristol, ...background()];
  matched(t, traceSubject(subjectOf(leeds), index, config), leeds, 'alphanumeric', 'the postcode tells them apart');
  matched(t, traceSubject(subjectOf(bristol), index, config), bristol, 'alphanumeric', 'either way');
  manual(t, traceSubject(subjectOf(leeds, { postcode: 'M1 1AE' }), index, config), 'ambiguous', 'registered in a third town');
  manual(t, traceSubject(subjectOf(leeds, { postcode: null }), index, config), 'ambiguous', 'no address');
  manual(t, traceSubject(subjectOf(leeds, { postcode: 'LS6 4QD' }), index, config), 'ambiguous', 'the same district only is not decisive');
  const middle = [person({ ...leeds, givenNames: ['John', 'Peter'] }), person({ ...bristol, givenNames: ['John', 'William'] })];
  matched(t, traceSubject(subjectOf(middle[1]!, { postcode: 'M1 1AE' }), middle, config), middle[1]!, 'alphanumeric', 'told apart by middle names');
});

t.test('the margin: a match must beat everyone else clearly', async (t) => {
  const may = person({ dateOfBirth: '1940-05-02', postcode: 'BS1 4DJ' });
  const later = person({ dateOfBirth: '1940-05-20', postcode: 'M1 1AE' });
  const partial = subjectOf(may, { dateOfBirth: { year: 1940, month: 5, day: null }, postcode: 'YO1 7HH' });
  t.match(manual(t, traceSubject(partial, [may, later, ...background()], config), 'ambiguous', 'two people fit a partial date as well'), /within the margin/);

  const misdated = person({ dateOfBirth: '1940-05-12' });
  const namesake = person({ previousFamilyNames: [], postcode: 'BS1 4DJ' });
  const subject = subjectOf(misdated, { dateOfBirth: { year: 1940, month: 5, day: 2 } });
  // The common-name discount alone would also refuse the namesake here (she is one of two such
  // names that year); switched off, the margin has to.
  const marginOnly = parseTraceConfig({ rules: { commonNameAdjustment: false } }) as TraceConfig;
  const result = traceSubject(subject, [misdated, namesake, ...background()], marginOnly);
  t.match(manual(t, result, 'ambiguous', 'her date mistyped by one digit: her namesake born that day elsewhere is not taken for her'), /within the margin/);
  t.equal(result.candidates[0]?.nhsNumber, misdated.nhsNumber, 'she still scores best, though she cannot be matched on a date typo');
  manual(t, traceSubject(subject, [misdated, namesake, ...background()], config), 'no-match', 'with the discount: the namesake is below the threshold');
});

t.test('the person is not in the index but someone like them is', async (t) => {
  const margaret = person();
  const cousin = person({ dateOfBirth: '1941-05-02', previousFamilyNames: [] });
  manual(t, traceSubject(subjectOf(margaret), [cousin, ...background()], config), 'no-match', 'same name, born a year later');
  const sister = person({ givenNames: ['Mary', 'Rose'], dateOfBirth: '1942-09-30' });
  manual(t, traceSubject(subjectOf(margaret), [sister, ...background()], config), 'no-match', 'her sister at the same address');
  manual(t, traceSubject(subjectOf(margaret), background(), config), 'no-match', 'nobody like her');
  manual(t, traceSubject(subjectOf(margaret), [], config), 'no-match', 'no candidates at all');
});

t.test('a common name and a new address is not enough', async (t) => {
  const john = person({ givenNames: ['John'], familyName: 'Smith', previousFamilyNames: [], gender: 'male', dateOfBirth: '1950-06-15', postcode: 'LS6 2AB' });
  // Five more John Smiths born in 1950: about one in three hundred of the year's births here.
  const others = [3, 5, 8, 9, 11].map((m) => person({ ...john, dateOfBirth: `1950-${String(m).padStart(2, '0')}-02`, postcode: 'HX1 1QN' }));
  const sameDay = Array.from({ length: 6 }, (_, i) => person({ givenNames: ['Ada'], familyName: `Other${String.fromCharCode(65 + i)}`, previousFamilyNames: [], dateOfBirth: '1950-06-15' }));
  const index = [john, ...others, ...sameDay];
  const detail = manual(t, traceSubject(subjectOf(john, { postcode: 'YO1 7HH' }), index, config), 'no-match', 'moved: could be another John Smith born that day');
  t.match(detail, /lookalikes/, 'the detail says why');
  matched(t, traceSubject(subjectOf(john), index, config), john, 'alphanumeric', 'at his address');
  const off = parseTraceConfig({ rules: { commonNameAdjustment: false } }) as TraceConfig;
  matched(t, traceSubject(subjectOf(john, { postcode: 'YO1 7HH' }), index, off), john, 'alphanumeric', 'with the adjustment off');
});

t.test('gender must not disagree', async (t) => {
  const margaret = person();
  manual(t, traceSubject(subjectOf(margaret, { gender: 'male' }), [margaret, ...background()], config), 'no-match', 'male against female');
  matched(t, traceSubject(subjectOf(margaret, { gender: 'unknown' }), [margaret, ...background()], config), margaret, 'alphanumeric', 'indeterminate is not a contradiction');
});

t.test('NHS number cross-check', async (t) => {
  const margaret = person();
  const index = [margaret, ...background()];
  matched(t, traceSubject(subjectOf(margaret, { nhsNumber: margaret.nhsNumber }), index, config), margaret, 'cross-check', 'number, date and name agree');
  matched(
    t,
    traceSubject(subjectOf(margaret, { nhsNumber: margaret.nhsNumber, givenNames: ['Peggy'], postcode: 'YO1 7HH', dateOfBirth: { year: 1940, month: 5, day: null } }), index, config,),
    margaret,
    'cross-check',
    'nickname, new address, partial date',
  );
  const off = parseTraceConfig({ crossCheck: { enabled: false } }) as TraceConfig;
  matched(t, traceSubject(subjectOf(margaret, { nhsNumber: margaret.nhsNumber }), index, off), margaret, 'alphanumeric', 'cross-check switched off');
});

t.test('an NHS number of someone else is a conflict, never a match', async (t) => {
  const shared = { familyName: 'Wilson', previousFamilyNames: [], dateOfBirth: '1952-03-07', postcode: 'LS6 2AB' };
  const anne = person({ ...shared, givenNames: ['Anne'] });
  const mary = person({ ...shared, givenNames: ['Mary'] });
  const result = traceSubject(subjectOf(anne, { nhsNumber: mary.nhsNumber }), [anne, mary, ...background()], config);
  t.match(manual(t, result, 'ambiguous', "Anne's record with her twin's number"), /conflict/);
  t.ok(result.candidates.some((c) => c.nhsNumber === anne.nhsNumber) && result.candidates.some((c) => c.nhsNumber === mary.nhsNumber), 'both listed');

  const stranger = person({ givenNames: ['Albert'], familyName: 'Cartwright', previousFamilyNames: [], gender: 'male', dateOfBirth: '1937-01-30' });
  const many = [anne, mary, stranger, ...Array.from({ length: 8 }, () => person({ ...shared, givenNames: ['Ada'], familyName: 'Holt' }))];
  const small = parseTraceConfig({ reportedCandidates: 2 }) as TraceConfig;
  const typo = traceSubject(subjectOf(anne, { nhsNumber: stranger.nhsNumber }), many, small);
  manual(t, typo, 'ambiguous', 'a mistyped number that is someone else entirely');
  t.ok(typo.candidates.some((c) => c.nhsNumber === stranger.nhsNumber), 'the numbered person is listed even outside the top few');

  const unknown = traceSubject(subjectOf(anne, { nhsNumber: nhs(999) }), [anne, mary], config);
  t.match(manual(t, unknown, 'ambiguous', 'a number the index does not hold, and a confident alphanumeric match'), /not in the index/);
});

t.test('a cross-checked person another candidate agrees with better', async (t) => {
  const shared = { familyName: 'Wilson', previousFamilyNames: [], dateOfBirth: '1952-03-07', postcode: 'LS6 2AB' };
  const mary = person({ ...shared, givenNames: ['Mary'] });
  const marie = person({ ...shared, givenNames: ['Marie'] });
  const result = traceSubject(subjectOf(mary, { nhsNumber: marie.nhsNumber }), [mary, marie], config);
  t.match(manual(t, result, 'ambiguous', "Mary's record with Marie's number: Marie passes, Mary agrees better"), /agrees better/);
});

t.test('a failed cross-check with nobody else', async (t) => {
  const margaret = person();
  const result = traceSubject(subjectOf(margaret, { nhsNumber: margaret.nhsNumber, dateOfBirth: { year: 1961, month: 10, day: 30 } }), [margaret], config);
  t.match(manual(t, result, 'no-match', 'number right, date wrong'), /fails the cross-check \(date of birth disagree\)/);
  const repaired = traceSubject(subjectOf(margaret, { nhsNumber: margaret.nhsNumber, familyNames: ['Wilkinson'] }), [margaret], config);
  t.match(manual(t, repaired, 'no-match', 'number and date right, family name wrong'), /family name disagree/);
});

t.test('a partial date among more candidates than the limit', async (t) => {
  const margaret = person();
  const limited = parseTraceConfig({ candidateLimit: 3 }) as TraceConfig;
  const result = traceSubject(subjectOf(margaret, { dateOfBirth: { year: 1940, month: 5, day: null } }), [margaret, ...background()].slice(0, 3), limited);
  t.match(manual(t, result, 'ambiguous', 'the list may be cut: the person or a namesake may be missing'), /reach the limit/);
  matched(t, traceSubject(subjectOf(margaret), [margaret, ...background()].slice(0, 3), limited), margaret, 'alphanumeric', 'a full date still sees everyone born that day');
});

t.test('duplicates in the candidate list count once', async (t) => {
  const margaret = person();
  const result = traceSubject(subjectOf(margaret), [margaret, margaret, { ...margaret }], config);
  matched(t, result, margaret, 'alphanumeric', 'not ambiguous with itself');
  t.equal(result.candidates.length, 1);
});

t.test('tooPoorToTrace', async (t) => {
  const s = subjectOf(person());
  t.equal(tooPoorToTrace(s), null, 'a normal record');
  t.equal(tooPoorToTrace({ ...s, familyNames: [] }), 'no family name');
  t.equal(tooPoorToTrace({ ...s, familyNames: ["'"] }), 'no family name', 'nothing left after normalising');
  t.equal(tooPoorToTrace({ ...s, dateOfBirth: null }), 'no date of birth and no NHS number');
  t.match(tooPoorToTrace({ ...s, dateOfBirth: null, nhsNumber: nhs(1) }), /cannot be cross-checked/);
  t.equal(tooPoorToTrace({ ...s, dateOfBirth: { year: 1940, month: 2, day: 30 } }), 'date of birth is not a valid date');
  t.equal(tooPoorToTrace({ ...s, dateOfBirth: { year: 1940, month: null, day: 3 } }), 'date of birth is not a valid date');
  t.equal(tooPoorToTrace({ ...s, dateOfBirth: { year: 40, month: 2, day: 3 } }), 'date of birth has no four-digit year');
  t.equal(tooPoorToTrace({ ...s, givenNames: [] }), null, 'a given name is not required');
});
