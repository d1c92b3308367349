import t from 'tap';
import {
  compareDateOfBirth,
  dateAtLeast,
  datePrecision,
  isCalendarDate,
  parseIsoDate,
  transposedDate,
} from '../../../../adapters/pds/trace/date-compare.js';

const full = (year: number, month: number, day: number) => ({ year, month, day });

t.test('full stated dates', async (t) => {
  t.equal(compareDateOfBirth(full(1950, 3, 7), '1950-03-07'), 'exact');
  t.equal(compareDateOfBirth(full(1950, 7, 3), '1950-03-07'), 'transposed', 'day and month swapped');
  t.equal(compareDateOfBirth(full(1950, 3, 17), '1950-03-07'), 'typo', 'one digit of the day');
  t.equal(compareDateOfBirth(full(1950, 8, 7), '1950-03-07'), 'typo', 'one digit of the month');
  t.equal(compareDateOfBirth(full(1960, 3, 7), '1950-03-07'), 'typo', 'one digit of the year');
  t.equal(compareDateOfBirth(full(1949, 3, 7), '1950-03-07'), 'typo', 'year one off with day and month equal (two digits differ)');
  t.equal(compareDateOfBirth(full(1951, 3, 8), '1950-03-07'), 'disagree', 'year one off and the day too');
  t.equal(compareDateOfBirth(full(1950, 3, 28), '1950-03-07'), 'disagree', 'two digits of the day');
  t.equal(compareDateOfBirth(full(1950, 12, 25), '1950-03-07'), 'disagree');
  t.equal(compareDateOfBirth(full(1975, 3, 7), '1957-03-07'), 'disagree', 'swapped year digits are two digits');
});

t.test('transposition needs both parts to be months, and different', async (t) => {
  t.equal(compareDateOfBirth(full(1950, 5, 5), '1950-05-05'), 'exact');
  t.equal(compareDateOfBirth(full(1951, 7, 3), '1950-03-07'), 'disagree', 'transposed but another year');
  t.equal(compareDateOfBirth(full(1950, 1, 13), '1950-01-31'), 'disagree', '13/31 cannot be a transposition');
});

t.test('partial stated dates', async (t) => {
  t.equal(compareDateOfBirth({ year: 1950, month: 3, day: null }, '1950-03-07'), 'partial', 'year and month agree');
  t.equal(compareDateOfBirth({ year: 1950, month: null, day: null }, '1950-03-07'), 'partial', 'year agrees');
  t.equal(compareDateOfBirth({ year: 1950, month: 4, day: null }, '1950-03-07'), 'disagree', 'the month contradicts');
  t.equal(compareDateOfBirth({ year: 1951, month: null, day: null }, '1950-03-07'), 'disagree', 'the year contradicts');
  t.equal(compareDateOfBirth({ year: 1950, month: null, day: 7 }, '1950-03-07'), 'partial', 'a day without a month counts as the year only');
});

t.test('held dates that are not dates disagree', async (t) => {
  t.equal(compareDateOfBirth(full(1950, 3, 7), '1950-3-7'), 'disagree');
  t.equal(compareDateOfBirth(full(1950, 2, 30), '1950-02-30'), 'disagree', 'not a calendar day');
  t.equal(compareDateOfBirth(full(1950, 3, 7), ''), 'disagree');
});

t.test('helpers', async (t) => {
  t.same(parseIsoDate('2000-02-29'), { year: 2000, month: 2, day: 29 }, 'leap year');
  t.equal(parseIsoDate('1900-02-29'), null, '1900 was not a leap year');
  t.equal(parseIsoDate('19x0-02-01'), null);
  t.ok(isCalendarDate(2024, 2, 29));
  t.notOk(isCalendarDate(2023, 2, 29));
  t.notOk(isCalendarDate(2023, 13, 1));
  t.equal(transposedDate(full(1950, 3, 7)), '1950-07-03');
  t.equal(transposedDate(full(1950, 3, 3)), null, 'same day and month');
  t.equal(transposedDate(full(1950, 3, 17)), null, 'day over 12');
  t.equal(transposedDate({ year: 1950, month: 3, day: null }), null, 'partial');
  t.equal(datePrecision(full(1950, 3, 7)), 'day');
  t.equal(datePrecision({ year: 1950, month: 3, day: null }), 'month');
  t.equal(datePrecision({ year: 1950, month: null, day: null }), 'year');
  t.ok(dateAtLeast('transposed', 'partial'));
  t.notOk(dateAtLeast('typo', 'partial'));
});
