import t from 'tap';
import type { Test } from 'tap';
import { damerauLevenshtein, jaro, jaroWinkler, withinOneEdit } from '../../../../adapters/pds/names/string-similarity.js';

const close = (t: Test, actual: number, expected: number, msg: string): void => {
  t.ok(Math.abs(actual - expected) < 0.0005, `${msg}: ${actual.toFixed(4)} ≈ ${expected}`);
};

t.test('Jaro-Winkler matches the published examples', async (t) => {
  close(t, jaroWinkler('MARTHA', 'MARHTA'), 0.961, 'MARTHA/MARHTA');
  close(t, jaroWinkler('DWAYNE', 'DUANE'), 0.84, 'DWAYNE/DUANE');
  close(t, jaroWinkler('DIXON', 'DICKSONX'), 0.813, 'DIXON/DICKSONX');
  close(t, jaro('MARTHA', 'MARHTA'), 0.944, 'Jaro MARTHA/MARHTA');
  close(t, jaro('DIXON', 'DICKSONX'), 0.767, 'Jaro DIXON/DICKSONX');
});

t.test('Jaro-Winkler edge cases', async (t) => {
  t.equal(jaroWinkler('SMITH', 'SMITH'), 1, 'identical');
  t.equal(jaroWinkler('', ''), 1, 'both empty are identical');
  t.equal(jaroWinkler('SMITH', ''), 0, 'one empty');
  t.equal(jaroWinkler('ABC', 'XYZ'), 0, 'nothing in common');
  t.equal(jaroWinkler('MARTHA', 'MARHTA'), jaroWinkler('MARHTA', 'MARTHA'), 'symmetric');
  // Below 0.7 the prefix bonus is not applied.
  t.equal(jaroWinkler('ABCDEFGH', 'ABXXXXXX'), jaro('ABCDEFGH', 'ABXXXXXX'), 'no boost for weak similarity');
  t.ok(jaroWinkler('A'.repeat(100), 'A'.repeat(99) + 'B') > 0.98, 'long strings reuse grown scratch buffers');
});

t.test('Damerau-Levenshtein (optimal string alignment)', async (t) => {
  t.equal(damerauLevenshtein('SMITH', 'SMITH'), 0);
  t.equal(damerauLevenshtein('SMITH', 'SMYTH'), 1, 'substitution');
  t.equal(damerauLevenshtein('SMITH', 'SMIHT'), 1, 'adjacent transposition');
  t.equal(damerauLevenshtein('SMITH', 'SMITHE'), 1, 'insertion');
  t.equal(damerauLevenshtein('SMITH', 'SMIT'), 1, 'deletion');
  t.equal(damerauLevenshtein('KITTEN', 'SITTING'), 3);
  t.equal(damerauLevenshtein('CA', 'ABC'), 3, 'OSA does not edit a transposed pair again (true Damerau gives 2)');
  t.equal(damerauLevenshtein('', 'ABC'), 3);
  t.equal(damerauLevenshtein('ABC', ''), 3);
});

t.test('withinOneEdit agrees with damerauLevenshtein <= 1', async (t) => {
  const words = ['SMITH', 'SMYTH', 'SMIHT', 'SMITHE', 'SMIT', 'MSITH', 'SMTIH', 'SMITHS', 'SIMTH', 'JONES', 'SMI', '', 'S'];
  for (const a of words) {
    for (const b of words) t.equal(withinOneEdit(a, b), damerauLevenshtein(a, b) <= 1, `${a}/${b}`);
  }
});
