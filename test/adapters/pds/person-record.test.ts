import t from 'tap';
import { DEFAULT_PERSON_LIMITS, parsePersonRecord, personLimits, type PersonLimits } from '../../../adapters/pds/import/person-record.js';

const LIMITS: PersonLimits = { ...DEFAULT_PERSON_LIMITS, latestDateOfBirth: '2024-06-01' };

/** A valid record as it arrives from NDJSON; tests change one thing at a time. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nhsNumber: '9434765919',
    givenNames: ['Alice', 'Mary'],
    familyName: 'Whitfield',
    previousFamilyNames: ['Brown'],
    dateOfBirth: '1950-03-04',
    gender: 'female',
    addressLines: ['1 High Street', 'Leeds'],
    postcode: 'LS1 4AP',
    gpPracticeOds: 'B86001',
    ...overrides,
  };
}

/** The errors for a record that must be invalid. */
function errorsOf(value: unknown, limits: PersonLimits = LIMITS): string[] {
  const outcome = parsePersonRecord(value, limits);
  if ('person' in outcome) throw new Error(`expected errors, got ${JSON.stringify(outcome.person)}`);
  return outcome.errors;
}

t.test('a valid record becomes a Person, normalised', async (t) => {
  const outcome = parsePersonRecord(record({ nhsNumber: '943 476 5919', postcode: 'ls14ap', gpPracticeOds: ' b86001', familyName: ' Whitfield ' }), LIMITS);
  t.strictSame(outcome, {
    person: {
      nhsNumber: '9434765919',
      givenNames: ['Alice', 'Mary'],
      familyName: 'Whitfield',
      previousFamilyNames: ['Brown'],
      dateOfBirth: '1950-03-04',
      gender: 'female',
      addressLines: ['1 High Street', 'Leeds'],
      postcode: 'LS1 4AP',
      gpPracticeOds: 'B86001',
    },
  });
});

t.test('postcode and GP practice may be null or empty, meaning none', async (t) => {
  for (const none of [null, '']) {
    const outcome = parsePersonRecord(record({ postcode: none, gpPracticeOds: none }), LIMITS);
    t.ok('person' in outcome && outcome.person.postcode === null && outcome.person.gpPracticeOds === null, JSON.stringify(none));
  }
  const empty = parsePersonRecord(record({ previousFamilyNames: [], addressLines: [] }), LIMITS);
  t.ok('person' in empty, 'empty optional lists are fine');
});

t.test('the NHS number must be a string of ten digits passing Modulus 11', async (t) => {
  t.same(errorsOf(record({ nhsNumber: '9434765918' })), ['nhsNumber "9434765918" fails the Modulus 11 check']);
  t.same(errorsOf(record({ nhsNumber: '94347659' })), ['nhsNumber "94347659" is not 10 digits']);
  t.same(errorsOf(record({ nhsNumber: 9434765919 })), ['nhsNumber must be a string of 10 digits, got a number']);
});

t.test('unknown and missing fields are each named', async (t) => {
  const { gender: _g, postcode: _p, ...rest } = record();
  t.same(errorsOf({ ...rest, nhs: 'x', sex: 'F' }), ['unknown fields "nhs", "sex"', 'missing fields "gender", "postcode"']);
  const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, 1]));
  t.match(errorsOf(record(many))[0], /^unknown fields "f0", "f1", "f2", "f3", "f4", … \(8 in all\)$/);
});

t.test('a JSON __proto__ key is an unknown field, not a prototype', async (t) => {
  const value = JSON.parse(JSON.stringify(record()).replace('{', '{"__proto__":{"gender":"male"},'));
  t.same(errorsOf(value), ['unknown field "__proto__"']);
});

t.test('anything but an object is refused', async (t) => {
  for (const v of [null, [], 'x', 3, true]) t.same(errorsOf(v), ['a person must be a JSON object'], JSON.stringify(v));
});

t.test('names: at least one given name, within the counts and lengths', async (t) => {
  t.same(errorsOf(record({ givenNames: [] })), ['givenNames must have 1 to 5 names, has 0']);
  t.same(errorsOf(record({ givenNames: ['A', 'B', 'C', 'D', 'E', 'F'] })), ['givenNames must have 1 to 5 names, has 6']);
  t.same(errorsOf(record({ givenNames: 'Alice' })), ['givenNames must be an array of strings, got a string']);
  t.same(errorsOf(record({ givenNames: ['Alice', 3] })), ['givenNames must be an array of strings, got an array holding other values']);
  t.same(errorsOf(record({ givenNames: ['Alice', '  '] })), ['givenNames[1] is empty']);
  t.same(errorsOf(record({ familyName: 'x'.repeat(36) })), ['familyName is longer than 35 characters']);
  t.ok('person' in parsePersonRecord(record({ familyName: 'x'.repeat(35) }), LIMITS), '35 characters is fine');
  t.same(errorsOf(record({ familyName: '---' })), ['familyName "---" has no letters']);
  t.same(errorsOf(record({ familyName: 'Smith\u001b[2J' })), ['familyName holds a control character']);
  t.same(errorsOf(record({ familyName: null })), ['familyName must be a string, got null']);
  t.same(errorsOf(record({ previousFamilyNames: Array(11).fill('Brown') })), ['previousFamilyNames must have 0 to 10 names, has 11']);
  t.same(errorsOf(record({ addressLines: Array(6).fill('Leeds') })), ['addressLines must have 0 to 5 lines, has 6']);
  t.same(errorsOf(record({ addressLines: ['Flat 1', 'y'.repeat(36)] })), ['addressLines[1] is longer than 35 characters']);
  t.ok('person' in parsePersonRecord(record({ familyName: "O'Brien-Ní Dhuibhir", givenNames: ['Zoë'] }), LIMITS), 'apostrophes, hyphens and accents');
});

t.test('the limits are configurable', async (t) => {
  const wide = personLimits({ maxGivenNames: 7, maxNameChars: 50, maxAddressLines: 1, latestDateOfBirth: '2024-06-01' });
  t.ok('person' in parsePersonRecord(record({ givenNames: Array(7).fill('Al'), familyName: 'x'.repeat(50), addressLines: ['Leeds'] }), wide));
  t.same(errorsOf(record(), wide), ['addressLines must have 0 to 1 line, has 2']);
  t.throws(() => personLimits({ maxGivenNames: 0 }), RangeError);
  t.throws(() => personLimits({ earliestDateOfBirth: '1870-02-30' }), RangeError);
});

t.test('date of birth: a real YYYY-MM-DD date from 1870 to today', async (t) => {
  t.same(errorsOf(record({ dateOfBirth: '1950-02-30' })), ['dateOfBirth "1950-02-30" is not a calendar date']);
  t.same(errorsOf(record({ dateOfBirth: '1950-13-01' })), ['dateOfBirth "1950-13-01" is not a calendar date']);
  t.same(errorsOf(record({ dateOfBirth: '1900-02-29' })), ['dateOfBirth "1900-02-29" is not a calendar date'], 'not a leap year');
  t.ok('person' in parsePersonRecord(record({ dateOfBirth: '2000-02-29' }), LIMITS), '2000 was a leap year');
  t.same(errorsOf(record({ dateOfBirth: '4/3/1950' })), ['dateOfBirth "4/3/1950" is not a YYYY-MM-DD date']);
  t.same(errorsOf(record({ dateOfBirth: '1869-12-31' })), ['dateOfBirth "1869-12-31" is before 1870-01-01']);
  t.ok('person' in parsePersonRecord(record({ dateOfBirth: '1870-01-01' }), LIMITS));
  t.same(errorsOf(record({ dateOfBirth: '2024-06-02' })), ['dateOfBirth "2024-06-02" is in the future']);
  t.ok('person' in parsePersonRecord(record({ dateOfBirth: '2024-06-01' }), LIMITS), 'born today');
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  t.same(errorsOf(record({ dateOfBirth: tomorrow }), DEFAULT_PERSON_LIMITS), [`dateOfBirth "${tomorrow}" is in the future`], 'default: today');
});

t.test('gender is one of the four PDS values', async (t) => {
  for (const g of ['male', 'female', 'other', 'unknown']) t.ok('person' in parsePersonRecord(record({ gender: g }), LIMITS), g);
  t.same(errorsOf(record({ gender: 'F' })), ['gender "F" is not one of male, female, other, unknown']);
  t.same(errorsOf(record({ gender: 1 })), ['gender a number is not one of male, female, other, unknown']);
});

t.test('postcode and ODS code are checked for shape', async (t) => {
  t.same(errorsOf(record({ postcode: 'LS1' })), ['postcode "LS1" is not a UK postcode']);
  t.same(errorsOf(record({ postcode: 12 })), ['postcode must be a string or null, got a number']);
  t.same(errorsOf(record({ gpPracticeOds: 'B8-6001' })), ['gpPracticeOds "B8-6001" is not an ODS code (3 to 10 letters and digits)']);
  t.same(errorsOf(record({ gpPracticeOds: 'AB' })), ['gpPracticeOds "AB" is not an ODS code (3 to 10 letters and digits)']);
});

t.test('every problem of a record is reported, each naming its field; long values are cut', async (t) => {
  const errors = errorsOf(record({ nhsNumber: '9434765918', gender: 'M', dateOfBirth: '1950-02-30', postcode: 'x'.repeat(200) }));
  t.equal(errors.length, 4);
  t.match(errors.join('\n'), /^nhsNumber .*\ndateOfBirth .*\ngender .*\npostcode "x{40}…" is not a UK postcode$/);
});
