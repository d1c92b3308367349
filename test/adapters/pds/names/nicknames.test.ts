import t from 'tap';
import { NICKNAME_GROUP_COUNT, sameGivenNameGroup } from '../../../../adapters/pds/names/nicknames.js';

t.test('the groups named in the issue hold their forms', async (t) => {
  const groups = [
    ['William', 'Bill', 'Will', 'Billy', 'Liam'],
    ['Robert', 'Bob', 'Rob', 'Bobby', 'Bert'],
    ['Margaret', 'Peggy', 'Maggie', 'Meg', 'Margot', 'Rita'],
    ['Elizabeth', 'Liz', 'Beth', 'Betty', 'Eliza', 'Lisa', 'Elsie'],
    ['Catherine', 'Kathryn', 'Kate', 'Kitty', 'Cathy'],
    ['Stephen', 'Steven', 'Steve'],
    ['Jon', 'John', 'Jonathan', 'Jack'],
  ];
  for (const [formal, ...forms] of groups) {
    for (const form of forms) t.ok(sameGivenNameGroup(formal!, form), `${formal} ~ ${form}`);
    t.ok(sameGivenNameGroup(forms[0]!, forms[forms.length - 1]!), `${forms[0]} ~ ${forms[forms.length - 1]} through ${formal}`);
  }
});

t.test('about 150 groups or more, across generations', async (t) => {
  t.ok(NICKNAME_GROUP_COUNT >= 150, `${NICKNAME_GROUP_COUNT} groups`);
  for (const [a, b] of [['Albert', 'Bertie'], ['Dorothy', 'Dot'], ['Florence', 'Flo'], ['Alfred', 'Alfie'], ['Harry', 'Henry'], ['Mohammed', 'Muhammad'], ['Piotr', 'Peter']]) {
    t.ok(sameGivenNameGroup(a!, b!), `${a} ~ ${b}`);
  }
});

t.test('a shared diminutive does not join two formal names', async (t) => {
  t.ok(sameGivenNameGroup('Al', 'Albert'));
  t.ok(sameGivenNameGroup('Al', 'Alan'));
  t.notOk(sameGivenNameGroup('Albert', 'Alan'), 'Albert and Alan share only Al');
  t.notOk(sameGivenNameGroup('Edward', 'Edwin'), 'Edward and Edwin share only Ed and Ted');
});

t.test('names kept apart on purpose, and unknown names', async (t) => {
  t.notOk(sameGivenNameGroup('Hannah', 'Ann'));
  t.notOk(sameGivenNameGroup('Jean', 'Jane'));
  t.notOk(sameGivenNameGroup('Sean', 'John'));
  t.notOk(sameGivenNameGroup('Megan', 'Margaret'));
  t.notOk(sameGivenNameGroup('William', 'Robert'));
  t.notOk(sameGivenNameGroup('Zebedee', 'Zeb'), 'a name in no group matches only itself');
  t.ok(sameGivenNameGroup('Zebedee', 'zebedee'), 'the same name, case folded');
  t.notOk(sameGivenNameGroup('', ''), 'nothing is no name');
});

t.test('names are normalised before lookup', async (t) => {
  t.ok(sameGivenNameGroup(' peggy ', 'MARGARET'));
  t.ok(sameGivenNameGroup('Zoë', 'Zoey'), 'diacritics folded');
});
