import t, { type Test } from 'tap';
import type { GroRegistration, InvalidRegistration } from '../../../adapters/gro-deaths/registration.js';
import { validateRegistration } from '../../../adapters/gro-deaths/validate-registration.js';
import type { FieldElement } from '../../../adapters/gro-deaths/validate-registration.js';
import { DEFAULT_GRO_XML_LIMITS } from '../../../adapters/gro-deaths/xml/gro-xml-limits.js';
import { readGroRegistrations } from '../../../adapters/gro-deaths/xml/gro-xml-reader.js';
import { FIXTURE_TODAY, groFileXml, groRegistrationXml, textStream } from './gro-xml-fixture.js';
import type { RegistrationFixture } from './gro-xml-fixture.js';

/** The one record of a file holding just `record`, as the reader validates it. */
async function validated(record: string, today = FIXTURE_TODAY): Promise<GroRegistration | InvalidRegistration> {
  const out: Array<GroRegistration | InvalidRegistration> = [];
  for await (const r of readGroRegistrations(textStream(groFileXml([record])), DEFAULT_GRO_XML_LIMITS, { today })) out.push(r);
  if (out.length !== 1 || out[0] === undefined) throw new Error(`expected one record, got ${out.length}`);
  return out[0];
}

const isInvalid = (r: GroRegistration | InvalidRegistration): r is InvalidRegistration => 'errors' in r;

async function valid(t: Test, overrides: Partial<RegistrationFixture>): Promise<GroRegistration> {
  const r = await validated(groRegistrationXml(overrides));
  if (isInvalid(r)) {
    t.fail(`expected a valid record, got errors: ${r.errors.join('; ')}`);
    throw new Error('invalid');
  }
  return r;
}

async function errorsOf(overrides: Partial<RegistrationFixture> | string): Promise<string[]> {
  const r = await validated(typeof overrides === 'string' ? overrides : groRegistrationXml(overrides));
  return isInvalid(r) ? r.errors : [];
}

const EXPECTED_VALID: GroRegistration = {
  registrationId: '31989013',
  ordinal: 1,
  lockedAt: '2024-03-02T10:15:00.000',
  updatedAt: null,
  updateReason: null,
  name: { title: 'Mr', givenNames: ['JOHN', 'WILLIAM'], familyName: 'SMITH', suffix: null },
  aliases: [],
  maidenName: null,
  gender: '1',
  deathDate: { kind: 'full', date: { year: 2024, month: 2, day: 28 }, verificationLevel: '02' },
  birthDate: { kind: 'full', date: { year: 1941, month: 6, day: 15 }, verificationLevel: '00' },
  address: { flat: null, building: null, lines: ['10 Test Street', 'Leeds'], postcode: 'LS1 4AP' },
  nhsNumber: null,
};

t.test('the §1.2 example shape validates to a typed registration', async (t) => {
  t.same(await validated(groRegistrationXml()), EXPECTED_VALID);
});

t.test('namespaced children (GROPersonDescriptives, GROAddressDescriptives, govtalk) read the same', async (t) => {
  t.same(await validated(groRegistrationXml({ namespacedChildren: true })), EXPECTED_VALID);
});

t.test('LEP-generated record shape: children in no namespace under xmlns="", names and address prefixed', async (t) => {
  const record = '<DeathRegistration xmlns=""><RegistrationID>25763120</RegistrationID>' +
    '<RecordLockedDateTime>2008-04-22T12:03:11.000</RecordLockedDateTime><DeceasedName>' +
    '<w1:PersonNameTitle xmlns:w1="http://www.ons.gov.uk/gro/people/GROPersonDescriptives">Mrs</w1:PersonNameTitle>' +
    '<w2:PersonGivenName xmlns:w2="http://www.ons.gov.uk/gro/people/GROPersonDescriptives">BARRY</w2:PersonGivenName>' +
    '<w3:PersonFamilyName xmlns:w3="http://www.ons.gov.uk/gro/people/GROPersonDescriptives">PEREZ</w3:PersonFamilyName>' +
    '<w4:PersonNameSuffix xmlns:w4="http://www.ons.gov.uk/gro/people/GROPersonDescriptives"></w4:PersonNameSuffix></DeceasedName>' +
    '<DeceasedGender>1</DeceasedGender><DeceasedDeathDate>' +
    '<w5:PersonDeathDate xmlns:w5="http://www.govtalk.gov.uk/people/PersonDescriptives">1988-12-25</w5:PersonDeathDate>' +
    '<w6:VerificationLevel xmlns:w6="http://www.govtalk.gov.uk/people/PersonDescriptives">02</w6:VerificationLevel></DeceasedDeathDate>' +
    '<PartialMonthOfBirth>9</PartialMonthOfBirth><PartialYearOfBirth>1927</PartialYearOfBirth><DeceasedAddress>' +
    '<w7:Flat xmlns:w7="http://www.ons.gov.uk/gro/people/GROAddressDescriptives"/>' +
    '<w8:Line xmlns:w8="http://www.ons.gov.uk/gro/people/GROAddressDescriptives">10 Test Street</w8:Line>' +
    '<w9:Postcode xmlns:w9="http://www.ons.gov.uk/gro/people/GROAddressDescriptives">PR8 1HY</w9:Postcode>' +
    '</DeceasedAddress></DeathRegistration>';
  t.same(await validated(record), {
    registrationId: '25763120', ordinal: 1, lockedAt: '2008-04-22T12:03:11.000', updatedAt: null, updateReason: null,
    name: { title: 'Mrs', givenNames: ['BARRY'], familyName: 'PEREZ', suffix: null }, aliases: [], maidenName: null, gender: '1',
    deathDate: { kind: 'full', date: { year: 1988, month: 12, day: 25 }, verificationLevel: '02' },
    birthDate: { kind: 'partial', date: { year: 1927, month: 9, day: null } },
    address: { flat: null, building: null, lines: ['10 Test Street'], postcode: 'PR8 1HY' }, nhsNumber: null,
  });
});

t.test('each rule, failing alone, gives exactly its one error', async (t) => {
  const cases: Array<[string, Partial<RegistrationFixture> | string, RegExp]> = [
    ['RegistrationID missing', { registrationId: null }, /^RegistrationID: missing$/],
    ['RegistrationID not an integer', { registrationId: '12A4' }, /^RegistrationID: "12A4" is not a positive integer/],
    ['RegistrationID zero', { registrationId: '000' }, /^RegistrationID: "000" is not a positive integer/],
    ['RegistrationID of 19 digits', { registrationId: '1234567890123456789' }, /^RegistrationID: .* at most 18 digits$/],
    ['RegistrationID twice', { extraXml: '<RegistrationID>5</RegistrationID>' }, /^RegistrationID: appears 2 times/],
    ['neither timestamp', { lockedAt: null }, /exactly one must be given, found neither$/],
    ['both timestamps', { updatedAt: '2024-03-03T09:00:00', updateReason: '1' }, /exactly one must be given, found both$/],
    ['locked timestamp not a real date', { lockedAt: '2024-02-30T10:00:00' }, /^RecordLockedDateTime: "2024-02-30T10:00:00" is not an ISO date-time/],
    ['locked timestamp not ISO', { lockedAt: '2024-03-02 10:15' }, /^RecordLockedDateTime: .* is not an ISO date-time/],
    ['update timestamp hour 24', { lockedAt: null, updatedAt: '2024-03-02T24:00:00Z', updateReason: '1' }, /^RecordUpdateDateTime: .* is not an ISO date-time/],
    ['update without a reason', { lockedAt: null, updatedAt: '2024-03-02T10:15:00' }, /^RecordUpdateReason: missing on an update/],
    ['update reason 6', { lockedAt: null, updatedAt: '2024-03-02T10:15:00', updateReason: '6' }, /^RecordUpdateReason: "6" is not 1 to 5$/],
    ['update reason 0', { lockedAt: null, updatedAt: '2024-03-02T10:15:00', updateReason: '0' }, /^RecordUpdateReason: "0" is not 1 to 5$/],
    ['a locked record with a reason', { updateReason: '3' }, /^RecordUpdateReason: given on a record that is not an update/],
    ['gender 3', { gender: '3' }, /^DeceasedGender: "3" is not 1, 2 or 9$/],
    ['gender missing', { gender: null }, /^DeceasedGender: missing$/],
    ['death date missing', { deathDate: null }, /^DeceasedDeathDate: no date given/],
    ['birth date missing', { birthDate: null }, /^DeceasedBirthDate: no date given/],
    ['death date full and partial', { deathDate: { xml: '<DeceasedDeathDate><PersonDeathDate>2024-02-28</PersonDeathDate><VerificationLevel>00</VerificationLevel></DeceasedDeathDate><PartialYearOfDeath>2024</PartialYearOfDeath>' } }, /^DeceasedDeathDate: full and partial given, exactly one form allowed$/],
    ['birth date full and free text', { birthDate: { xml: '<DeceasedBirthDate><PersonBirthDate>1941-06-15</PersonBirthDate><VerificationLevel>00</VerificationLevel></DeceasedBirthDate><FreeFormatBirthDate>about 1941</FreeFormatBirthDate>' } }, /^DeceasedBirthDate: full and free text given/],
    ['death date 29 February of a common year', { deathDate: { full: '2023-02-29', verificationLevel: '00' } }, /^DeceasedDeathDate\/PersonDeathDate: "2023-02-29" is not a real YYYY-MM-DD date$/],
    ['birth date month 13', { birthDate: { full: '1941-13-01', verificationLevel: '00' } }, /^DeceasedBirthDate\/PersonBirthDate: "1941-13-01" is not a real/],
    ['full date without VerificationLevel', { deathDate: { full: '2024-02-28', verificationLevel: null } }, /^DeceasedDeathDate\/VerificationLevel: missing beside a full date$/],
    ['VerificationLevel 04', { birthDate: { full: '1941-06-15', verificationLevel: '04' } }, /^DeceasedBirthDate\/VerificationLevel: "04" is not 00 to 03$/],
    ['partial month 13', { deathDate: { partialYear: '2024', partialMonth: '13' } }, /^PartialMonthOfDeath: "13" is not a month 1 to 12$/],
    ['partial year of 2 digits', { birthDate: { partialYear: '41', partialMonth: '6' } }, /^PartialYearOfBirth: "41" is not a 4-digit year$/],
    ['partial month without a year', { birthDate: { partialYear: null, partialMonth: '6' } }, /^PartialYearOfBirth: missing beside PartialMonthOfBirth$/],
    ['PersonDeathDate twice', { deathDate: { xml: '<DeceasedDeathDate><PersonDeathDate>2024-02-28</PersonDeathDate><PersonDeathDate>2024-02-27</PersonDeathDate><VerificationLevel>00</VerificationLevel></DeceasedDeathDate>' } }, /^DeceasedDeathDate\/PersonDeathDate: appears 2 times, at most once allowed$/],
    ['partial year both beside and inside DeceasedDeathDate', { deathDate: { xml: '<PartialYearOfDeath>2024</PartialYearOfDeath><DeceasedDeathDate><PartialYearOfDeath>2024</PartialYearOfDeath></DeceasedDeathDate>' } }, /^PartialYearOfDeath and DeceasedDeathDate\/PartialYearOfDeath: appears 2 times/],
    ['born after death', { birthDate: { full: '2024-02-29', verificationLevel: '00' } }, /^DeceasedBirthDate 2024-02-29 is after DeceasedDeathDate 2024-02-28$/],
    ['born in a later month than a full death date', { birthDate: { partialYear: '2024', partialMonth: '3' } }, /^DeceasedBirthDate 2024-03 is after DeceasedDeathDate 2024-02-28$/],
    ['died after registration', { deathDate: { full: '2024-03-03', verificationLevel: '00' } }, /^DeceasedDeathDate 2024-03-03 is after RecordLockedDateTime 2024-03-02$/],
    ['died in a later year than registration (partial)', { deathDate: { partialYear: '2025' } }, /^DeceasedDeathDate 2025 is after RecordLockedDateTime 2024-03-02$/],
    ['died in the future: one error, not one per later date', { deathDate: { full: '2024-07-01', verificationLevel: '00' } }, /^DeceasedDeathDate 2024-07-01 is after RecordLockedDateTime 2024-03-02$/],
    ['update dated after today', { lockedAt: null, updatedAt: '2024-06-02T00:00:00Z', updateReason: '2' }, /^RecordUpdateDateTime 2024-06-02 is after today 2024-06-01$/],
    ['registered in the future (death before it)', { deathDate: { full: '2024-07-01', verificationLevel: '00' }, lockedAt: '2024-07-02T00:00:00' }, /^RecordLockedDateTime 2024-07-02 is after today 2024-06-01$/],
    ['postcode not UK-shaped', { address: { lines: ['1 Road'], postcode: 'SW1A' } }, /^DeceasedAddress\/Postcode: "SW1A" is not a UK postcode$/],
    ['six address lines', { address: { lines: ['1', '2', '3', '4', '5', '6'], postcode: 'LS1 4AP' } }, /^DeceasedAddress\/Line: 6 given, at most 5 allowed$/],
    ['NHS number failing Modulus 11', { nhsNumber: '9434765918' }, /^DeceasedNHSNumber: "9434765918" fails the Modulus 11 check$/],
    ['NHS number of 9 digits', { nhsNumber: '943476591' }, /^DeceasedNHSNumber: "943476591" is not 10 digits$/],
    ['NHS number with letters', { nhsNumber: '94347659AB' }, /^DeceasedNHSNumber: .* is not 10 digits$/],
    ['family name empty', { name: { givenNames: ['JOHN'], familyName: '   ' } }, /^DeceasedName\/PersonFamilyName: missing or empty$/],
    ['family name absent', { name: { givenNames: ['JOHN'] } }, /^DeceasedName\/PersonFamilyName: missing or empty$/],
    ['DeceasedName absent', { name: null }, /^DeceasedName: missing$/],
    ['two family names', groRegistrationXml().replace('<PersonFamilyName>SMITH</PersonFamilyName>', '<PersonFamilyName>SMITH</PersonFamilyName><PersonFamilyName>JONES</PersonFamilyName>'), /^DeceasedName\/PersonFamilyName: appears 2 times/],
    ['two postcodes', groRegistrationXml().replace('</DeceasedAddress>', '<Postcode>LS2 7EW</Postcode></DeceasedAddress>'), /^DeceasedAddress\/Postcode: appears 2 times/],
    ['more alias types than aliases', { extraXml: '<DeceasedAliasNameType>formerly known as</DeceasedAliasNameType>' }, /^DeceasedAliasNameType: 1 given for 0 DeceasedAliasName$/],
  ];
  for (const [what, input, expected] of cases) {
    const errors = await errorsOf(input);
    t.equal(errors.length, 1, `${what}: one error (${errors.join(' | ')})`);
    t.match(errors[0] ?? '', expected, what);
  }
});

t.test('several errors at once are all listed, with the fields by path for the reviewer', async (t) => {
  const r = await validated(groRegistrationXml({
    registrationId: 'X1',
    gender: '7',
    address: { lines: ['1 High St', '2nd floor'], postcode: 'NOT A CODE' },
    nhsNumber: '1234567890',
    deathDate: { partialYear: '2024', partialMonth: '13' },
    aliases: [{ name: { givenNames: ['JACK'], familyName: 'SMYTH' }, type: 'otherwise' }],
  }));
  if (!isInvalid(r)) return t.fail('expected an invalid registration');
  t.equal(r.registrationId, null, 'no usable RegistrationID');
  t.equal(r.ordinal, 1);
  t.equal(r.errors.length, 5, r.errors.join(' | '));
  for (const re of [/^RegistrationID/, /^DeceasedGender/, /^DeceasedAddress\/Postcode/, /^DeceasedNHSNumber/, /^PartialMonthOfDeath/]) {
    t.ok(r.errors.some((e) => re.test(e)), `lists ${re}`);
  }
  t.same(r.fields, {
    RegistrationID: 'X1',
    RecordLockedDateTime: '2024-03-02T10:15:00.000',
    'DeceasedName/PersonNameTitle': 'Mr',
    'DeceasedName/PersonGivenName': 'JOHN',
    'DeceasedName/PersonGivenName[2]': 'WILLIAM',
    'DeceasedName/PersonFamilyName': 'SMITH',
    'DeceasedAliasName/PersonGivenName': 'JACK',
    'DeceasedAliasName/PersonFamilyName': 'SMYTH',
    DeceasedAliasNameType: 'otherwise',
    DeceasedGender: '7',
    PartialMonthOfDeath: '13',
    PartialYearOfDeath: '2024',
    'DeceasedBirthDate/PersonBirthDate': '1941-06-15',
    'DeceasedBirthDate/VerificationLevel': '00',
    'DeceasedAddress/Line': '1 High St',
    'DeceasedAddress/Line[2]': '2nd floor',
    'DeceasedAddress/Postcode': 'NOT A CODE',
    DeceasedNHSNumber: '1234567890',
  });
});

t.test('an amendment carries its update time and reason, for each reason 1 to 5', async (t) => {
  for (const reason of [1, 2, 3, 4, 5] as const) {
    const r = await valid(t, { lockedAt: null, updatedAt: '2024-05-01T08:30:00+01:00', updateReason: String(reason) });
    t.same([r.lockedAt, r.updatedAt, r.updateReason], [null, '2024-05-01T08:30:00+01:00', reason], `reason ${reason}`);
  }
});

t.test('partial and free-text dates, beside or inside DeceasedXDate, with QualifierText allowed', async (t) => {
  const beside = await valid(t, { deathDate: { partialYear: '2024', partialMonth: '02', qualifierText: 'on or about' }, birthDate: { partialYear: '1941' } });
  t.same(beside.deathDate, { kind: 'partial', date: { year: 2024, month: 2, day: null } });
  t.same(beside.birthDate, { kind: 'partial', date: { year: 1941, month: null, day: null } });
  const inside = await valid(t, { deathDate: { partialYear: '2024', partialMonth: '3', inside: true } });
  t.same(inside.deathDate, { kind: 'partial', date: { year: 2024, month: 3, day: null } }, 'same month as registration is not after it');
  const free = await valid(t, { deathDate: { free: '  found  in early 2024 ', qualifierText: 'found dead' }, birthDate: { free: 'about 1941', inside: true } });
  t.same(free.deathDate, { kind: 'free', text: 'found in early 2024' });
  t.same(free.birthDate, { kind: 'free', text: 'about 1941' });
  const explained = await valid(t, { birthDate: { xml: '<PartialYearOfBirth>1941</PartialYearOfBirth><FreeFormatBirthDate>about 1941</FreeFormatBirthDate>' } });
  t.same(explained.birthDate, { kind: 'partial', date: { year: 1941, month: null, day: null } }, 'free text explaining a partial date (as in GRO fixtures): the partial date is used');
  const sameYear = await valid(t, { birthDate: { partialYear: '2024' }, deathDate: { full: '2024-01-05', verificationLevel: '01' } });
  t.equal(sameYear.birthDate.kind, 'partial', 'born in 2024, died 5 Jan 2024: compared by year only, not out of order');
  const errors = await errorsOf({ birthDate: { free: 'unknown' }, deathDate: { full: '2024-03-05', verificationLevel: '00' } });
  t.same(errors, ['DeceasedDeathDate 2024-03-05 is after RecordLockedDateTime 2024-03-02'], 'a free-text date is skipped, the others still ordered');
});

t.test('partial dates order by what both know: non-transitive cases are still caught', async (t) => {
  // Born 20 May 2000, died "2000", registered 1 May 2000: each adjacent pair is fine at year precision.
  const errors = await errorsOf({ birthDate: { full: '2000-05-20', verificationLevel: '00' }, deathDate: { partialYear: '2000' }, lockedAt: '2000-05-01T00:00:00' });
  t.same(errors, ['DeceasedBirthDate 2000-05-20 is after RecordLockedDateTime 2000-05-01']);
});

t.test('names are trimmed and collapsed; given names in order; aliases paired with their types in order', async (t) => {
  const r = await valid(t, {
    name: { title: ' Dr ', givenNames: ['  MARY   ANNE ', '', 'ALICE'], familyName: ' SMITH-\n JONES ', suffix: 'PhD' },
    aliases: [
      { name: { givenNames: ['MOLLY'], familyName: 'JONES' }, type: 'formerly known as' },
      { name: { title: 'Mrs', givenNames: ['MARY'], familyName: 'TAYLOR' } },
    ],
    maidenName: '  TAYLOR  ',
    gender: '2',
  });
  t.same(r.name, { title: 'Dr', givenNames: ['MARY ANNE', 'ALICE'], familyName: 'SMITH- JONES', suffix: 'PhD' });
  t.same(r.aliases, [
    { name: { title: null, givenNames: ['MOLLY'], familyName: 'JONES', suffix: null }, type: 'formerly known as' },
    { name: { title: 'Mrs', givenNames: ['MARY'], familyName: 'TAYLOR', suffix: null }, type: null },
  ]);
  t.equal(r.maidenName, 'TAYLOR');
  t.equal(r.gender, '2');
});

t.test('identifiers and address are normalised', async (t) => {
  const r = await valid(t, {
    registrationId: '00042',
    nhsNumber: ' 943 476 5919 ',
    address: { flat: 'Flat 2', building: ' Rose  Court ', lines: ['1 High St', ' ', 'Leeds'], postcode: 'ls14ap' },
  });
  t.equal(r.registrationId, '42', 'leading zeros dropped, so an amendment finds its registration');
  t.equal(r.nhsNumber, '9434765919');
  t.same(r.address, { flat: 'Flat 2', building: 'Rose Court', lines: ['1 High St', 'Leeds'], postcode: 'LS1 4AP' });
  const none = await valid(t, { address: null, nhsNumber: null });
  t.same(none.address, { flat: null, building: null, lines: [], postcode: null }, 'no address at all is allowed');
  const blank = await valid(t, { address: { lines: ['1 Road'], postcode: '' }, nhsNumber: '' });
  t.same([blank.address.postcode, blank.nhsNumber], [null, null], 'empty Postcode and DeceasedNHSNumber elements count as absent');
});

t.test('validateRegistration works on a hand-built tree and refuses a bad today', async (t) => {
  const leaf = (name: string, text: string): FieldElement => ({ name, text, children: [] });
  const tree: FieldElement = {
    name: 'DeathRegistration', text: '', children: [
      leaf('RegistrationID', '7'), leaf('RecordLockedDateTime', '2024-03-02T10:15:00Z'),
      { name: 'DeceasedName', text: '', children: [leaf('PersonFamilyName', 'SMITH')] },
      leaf('DeceasedGender', '9'), leaf('FreeFormatDeathDate', 'unknown'), leaf('PartialYearOfBirth', '1950'),
    ],
  };
  const r = validateRegistration(tree, 3, '2024-06-01');
  t.match(r, { registrationId: '7', ordinal: 3, gender: '9', deathDate: { kind: 'free', text: 'unknown' }, birthDate: { kind: 'partial' } });
  t.throws(() => validateRegistration(tree, 1, '2024-6-1'), RangeError);
  t.throws(() => validateRegistration(tree, 1, '2024-02-30'), RangeError);
});
