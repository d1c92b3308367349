import t from 'tap';
import {
  DEFAULT_NAME_COMPARE_OPTIONS,
  compareFamilyName,
  compareGivenName,
  compareGivenNames,
  compareNames,
  nameAtLeast,
  nameStronger,
  prepareName,
  prepareNames,
  type NameAgreement,
} from '../../../../adapters/pds/names/name-compare.js';

const family = (stated: string, held: string, previous: string[] = []): NameAgreement => compareFamilyName(stated, { familyName: held, previousFamilyNames: previous }).level;

t.test('family names: each level', async (t) => {
  t.equal(family('Smith', 'SMITH'), 'exact', 'case folded');
  t.equal(family("O'Brien", 'OBRIEN'), 'exact', 'punctuation folded');
  t.equal(family('Smith Jones', 'Smith-Jones'), 'exact', 'space and hyphen alike');
  t.equal(family('Mc Donald', 'McDonald'), 'exact', 'spacing folded');
  t.equal(family('Smith', 'Smith-Jones'), 'variant', 'one part of a double-barrelled name');
  t.equal(family('Smith-Jones', 'Jones'), 'variant', 'the other way round');
  t.equal(family('Jones-Smith', 'Smith-Jones'), 'variant', 'parts reordered');
  t.equal(family('MacDonald', 'McDonald'), 'variant', 'Mac and Mc');
  t.equal(family('Smythe', 'Smith'), 'phonetic', 'Smith/Smythe sound alike (Jaro-Winkler only 0.858)');
  t.equal(family('Dickson', 'Dixon'), 'phonetic');
  t.equal(family('Thompson', 'Thomson'), 'typo', 'one letter dropped');
  t.equal(family('Smyth', 'Smith'), 'typo', 'spelt nearly the same outranks sounding the same');
  t.equal(family('Jonas', 'Jones'), 'typo', 'Jaro-Winkler 0.907');
  t.equal(family('Hall', 'Hill'), 'phonetic', 'too short for a typo; Double Metaphone ignores the vowel, so only weak');
  t.equal(family('Cox', 'Fox'), 'disagree');
  t.equal(family('Smith', 'Jones'), 'disagree');
  t.equal(family('Robertson', 'Roberts'), 'disagree', 'a surname made by adding to another is another name (Jaro-Winkler 0.956)');
  t.equal(family('Williams', 'William'), 'typo', 'one added letter can be a slip');
});

t.test('family names: the best of current and previous names, and where it was found', async (t) => {
  t.same(compareFamilyName('Brown', { familyName: 'Wilson', previousFamilyNames: ['Brown'] }), { level: 'exact', against: 'previous' }, 'maiden name held as previous');
  t.same(compareFamilyName('Wilson', { familyName: 'Wilson', previousFamilyNames: ['Brown'] }), { level: 'exact', against: 'current' });
  t.same(compareFamilyName('Browne', { familyName: 'Wilson', previousFamilyNames: ['Brown'] }), { level: 'typo', against: 'previous' });
  t.same(compareFamilyName('Green', { familyName: 'Wilson', previousFamilyNames: ['Brown'] }), { level: 'disagree', against: null });
  t.same(compareFamilyName('', { familyName: 'Wilson', previousFamilyNames: [] }), { level: 'disagree', against: null }, 'nothing stated');
});

t.test('given names: each level', async (t) => {
  t.equal(compareGivenName('margaret', ['Margaret']), 'exact');
  t.equal(compareGivenName('Peggy', ['Margaret']), 'variant', 'nickname group');
  t.equal(compareGivenName('Mary', ['Mary-Ann']), 'variant', 'one part of a double given name');
  t.equal(compareGivenName('Filipa', ['Philippa']), 'phonetic', 'PH and F');
  t.equal(compareGivenName('Marhta', ['Martha']), 'typo', 'Jaro-Winkler 0.961');
  t.equal(compareGivenName('J', ['John']), 'typo', 'an initial agrees, weakly');
  t.equal(compareGivenName('K', ['John']), 'disagree', 'a different initial');
  t.equal(compareGivenName('Soph', ['Sophie']), 'typo', 'a shortened form');
  t.equal(compareGivenName('Hols', ['Holly']), 'typo', 'a shortened form with a pet ending');
  t.equal(compareGivenName('Marky', ['Mark']), 'typo', 'a pet ending added');
  t.equal(compareGivenName('Ives', ['Ivy']), 'disagree', 'the stem "IV" is too short to count');
  t.equal(compareGivenName('Robert', ['Susan', 'Robert']), 'exact', 'the best of the held names');
  t.equal(compareGivenName('Albert', ['Alan']), 'disagree', 'Al is shared, the names are not');
});

t.test('the options move the typo level', async (t) => {
  const strict = { ...DEFAULT_NAME_COMPARE_OPTIONS, typoJaroWinkler: 0.97, editDistanceMinLength: 20 };
  t.equal(compareGivenName('Marhta', ['Martha'], strict), 'phonetic', 'Jaro-Winkler 0.961 is below 0.97; they still sound alike');
  t.equal(compareGivenName('J', ['John'], { ...DEFAULT_NAME_COMPARE_OPTIONS, initialsAgree: false }), 'disagree', 'initials switched off');
  const a = prepareName('SMIHT')!;
  const b = prepareName('SMITH')!;
  t.equal(compareNames(a, b, 'family', { ...DEFAULT_NAME_COMPARE_OPTIONS, typoJaroWinkler: 1 }), 'typo', 'one edit still counts for 5 letters');
  t.equal(compareNames(a, b, 'family', { ...DEFAULT_NAME_COMPARE_OPTIONS, typoJaroWinkler: 1, editDistanceMinLength: 6 }), 'phonetic', 'unless edits need 6 letters');
});

t.test('compareGivenNames: the usual name and the others', async (t) => {
  const cmp = (stated: string[], held: string[]) => compareGivenNames(prepareNames(stated), prepareNames(held), DEFAULT_NAME_COMPARE_OPTIONS);
  t.same(cmp(['John', 'William'], ['John', 'William']), { level: 'exact', others: 'agree' });
  t.same(cmp(['Bill', 'Henry'], ['William', 'Henry']), { level: 'variant', others: 'agree' });
  t.same(cmp(['Daniel', 'Andrew'], ['Daniel', 'Jake']), { level: 'exact', others: 'disagree' }, 'namesakes told apart by middle names');
  t.same(cmp(['John'], ['John', 'William']), { level: 'exact', others: 'unstated' }, 'the index holds a middle name the record does not state');
  t.same(cmp(['John', 'William'], ['John']), { level: 'exact', others: 'missing' }, 'the record states a middle name the index lacks');
  t.same(cmp(['John'], ['John']), { level: 'exact', others: null }, 'no middle names either side');
  t.same(cmp(['William'], ['John', 'William']), { level: 'typo', others: 'unstated' }, 'known by the middle name: consistent but weak');
  t.same(cmp(['Louise', 'Amy'], ['Claire', 'Emma']), { level: 'disagree', others: 'disagree' }, 'middle names never stand in for the usual name');
  t.same(cmp([], ['John']), { level: null, others: null });
  t.same(cmp(['John'], []), { level: null, others: null });
});

t.test('level order', async (t) => {
  t.ok(nameAtLeast('exact', 'typo'));
  t.ok(nameAtLeast('typo', 'typo'));
  t.notOk(nameAtLeast('disagree', 'typo'));
  t.ok(nameStronger('variant', 'typo'));
  t.ok(nameStronger('typo', 'phonetic'));
  t.notOk(nameStronger('phonetic', 'phonetic'));
});

t.test('prepareName', async (t) => {
  t.same(prepareName('  Smith-Jones '), { normalized: 'SMITH-JONES', joined: 'SMITHJONES', parts: ['SMITH', 'JONES'] });
  t.equal(prepareName("'-"), null, 'nothing left');
  t.same(prepareNames(['', 'Ann', '  ']).map((n) => n.joined), ['ANN']);
});
