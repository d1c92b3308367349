import t from 'tap';
import { isValidNhsNumber, normalizeNhsNumber } from '../../../adapters/pds/nhs-number.js';

t.test('the published test numbers pass the Modulus 11 check', async (t) => {
  t.ok(isValidNhsNumber('9434765919'));
  t.ok(isValidNhsNumber('9434765870'));
});

t.test('a wrong check digit fails, whichever digit is wrong', async (t) => {
  for (let d = 0; d <= 9; d++) {
    if (d !== 9) t.notOk(isValidNhsNumber(`943476591${d}`), `check digit ${d}`);
  }
  t.notOk(isValidNhsNumber('9434765991'), 'two digits swapped');
});

t.test('a remainder giving check value 11 means check digit 0', async (t) => {
  // 9434765870: weighted sum 308, 308 mod 11 = 0, 11 - 0 = 11 → 0.
  t.ok(isValidNhsNumber('9434765870'));
  t.notOk(isValidNhsNumber('9434765871'));
});

t.test('a prefix whose check value is 10 has no valid number at all', async (t) => {
  // 943476582: weighted sum 298, 298 mod 11 = 1, 11 - 1 = 10.
  for (let d = 0; d <= 9; d++) t.notOk(isValidNhsNumber(`943476582${d}`), `943476582${d}`);
});

t.test('only exactly ten digits are checked', async (t) => {
  for (const s of ['', '943476591', '94347659190', '943 476 5919', '943476591x', '９４３４７６５９１９']) t.notOk(isValidNhsNumber(s), JSON.stringify(s));
});

t.test('normalizing strips spaces and dashes and wants ten digits', async (t) => {
  t.equal(normalizeNhsNumber('943 476 5919'), '9434765919');
  t.equal(normalizeNhsNumber('943-476-5919'), '9434765919');
  t.equal(normalizeNhsNumber(' 9434765919\t'), '9434765919');
  t.equal(normalizeNhsNumber('9434765918'), '9434765918', 'normalizing does not check the digit');
  t.equal(normalizeNhsNumber('943476591'), null);
  t.equal(normalizeNhsNumber('94347659190'), null);
  t.equal(normalizeNhsNumber('943.476.5919'), null);
  t.equal(normalizeNhsNumber(''), null);
});
