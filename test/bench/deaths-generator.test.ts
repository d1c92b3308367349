import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import t, { type Test } from 'tap';
import type { Person } from '../../adapters/pds/person.js';
import { Evaluator, MANUAL_WORKFLOW, NOTIFICATION_WORKFLOW, SUMMARY_WORKFLOW } from '../../bench/deaths/evaluate.js';
import type { OutputMessage } from '../../bench/deaths/meshd-outputs.js';
import { NICKNAMES } from '../../bench/deaths/name-variants.js';
import { LABELS_BY_RATE, DEFAULT_NOISE, type NoiseRates } from '../../bench/deaths/noise.js';
import { Population } from '../../bench/deaths/population.js';
import { writePopulationFile } from '../../bench/deaths/population-file.js';
import { writeRegistrationFiles } from '../../bench/deaths/registration-files.js';
import type { TruthEntry } from '../../bench/deaths/registrations.js';
import { Random, mix } from '../../bench/deaths/random.js';

const GRO_NS = 'http://www.ons.gov.uk/gro/OGDDeathExtractDWP';

/** Modulus 11, written out again here so a bug in the generator's own check cannot hide itself. */
function mod11Valid(n: string): boolean {
  if (!/^\d{10}$/.test(n)) return false;
  const sum = [...n.slice(0, 9)].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return check !== 10 && check === Number(n[9]);
}

/** The fields of one DeathRegistration as the XML states them. */
interface ParsedRecord {
  registrationId: string;
  lockedAt: string | null;
  updateReason: string | null;
  givenNames: string[];
  familyName: string;
  maidenName: string | null;
  gender: string;
  deathDate: string;
  birthDate: string | null;
  partialMonth: string | null;
  partialYear: string | null;
  lines: string[];
  postcode: string | null;
  nhsNumber: string | null;
}

/** Parses a GRO file with saxes (namespace-aware); throws on any well-formedness error. */
async function parseGroFile(path: string): Promise<{ rootNs: string; rootName: string; recordCount: number; records: ParsedRecord[] }> {
  const parser = new SaxesParser({ xmlns: true });
  const stack: string[] = [];
  const records: ParsedRecord[] = [];
  let rootNs = '';
  let rootName = '';
  let recordCount = -1;
  let text = '';
  let current: ParsedRecord | null = null;
  parser.on('opentag', (tag) => {
    if (stack.length === 0) {
      rootNs = tag.uri;
      rootName = tag.local;
    }
    stack.push(tag.local);
    text = '';
    if (tag.local === 'DeathRegistration') {
      current = { registrationId: '', lockedAt: null, updateReason: null, givenNames: [], familyName: '', maidenName: null, gender: '', deathDate: '', birthDate: null, partialMonth: null, partialYear: null, lines: [], postcode: null, nhsNumber: null };
    }
  });
  parser.on('text', (chunk) => {
    text += chunk;
  });
  parser.on('closetag', (tag) => {
    const parent = stack[stack.length - 2];
    stack.pop();
    const r = current;
    if (tag.local === 'RecordCount') recordCount = Number(text);
    if (!r) return;
    switch (tag.local) {
      case 'RegistrationID': r.registrationId = text; break;
      case 'RecordLockedDateTime': r.lockedAt = text; break;
      case 'RecordUpdateReason': r.updateReason = text; break;
      case 'PersonGivenName': if (parent === 'DeceasedName') r.givenNames.push(text); break;
      case 'PersonFamilyName': if (parent === 'DeceasedName') r.familyName = text; break;
      case 'DeceasedMaidenName': r.maidenName = text; break;
      case 'DeceasedGender': r.gender = text; break;
      case 'PersonDeathDate': r.deathDate = text; break;
      case 'PersonBirthDate': r.birthDate = text; break;
      case 'PartialMonthOfBirth': r.partialMonth = text; break;
      case 'PartialYearOfBirth': r.partialYear = text; break;
      case 'Line': r.lines.push(text); break;
      case 'Postcode': r.postcode = text; break;
      case 'DeceasedNHSNumber': r.nhsNumber = text; break;
      case 'DeathRegistration': records.push(r); current = null; break;
    }
    text = '';
  });
  let failure: Error | null = null;
  parser.on('error', (err) => {
    failure ??= err;
  });
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) parser.write(chunk as string);
  parser.close();
  if (failure) throw failure;
  return { rootNs, rootName, recordCount, records };
}

function readTruth(path: string): TruthEntry[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthEntry);
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Generates population + registrations (+ later amendments) into a fresh directory. */
async function generate(t: Test, seed: number, size: number, count: number, amendments = false) {
  const dir = await mkdtemp(join(tmpdir(), 'deaths-gen-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const population = new Population(seed, size);
  const paths = { people: join(dir, 'people.ndjson'), xml: join(dir, 'deaths.xml'), truth: join(dir, 'truth.ndjson'), amendments: join(dir, 'amendments.xml') };
  await writePopulationFile(population, paths.people);
  const summary = await writeRegistrationFiles(seed, population, count, { xmlPath: paths.xml, truthPath: paths.truth, amendmentsXmlPath: paths.amendments }, amendments ? { amendments: { rate: 0.05, placement: 'later-file' } } : {});
  return { population, paths, summary };
}

t.test('the PRNG is deterministic and its helpers stay in range', async (t) => {
  const a = new Random(42);
  const b = new Random(42);
  const seqA = Array.from({ length: 20 }, () => a.uint32());
  t.same(seqA, Array.from({ length: 20 }, () => b.uint32()));
  t.not(seqA.join(), Array.from({ length: 20 }, () => new Random(43).uint32()).join());
  const r = new Random(7);
  const draws = Array.from({ length: 1000 }, () => r.int(3, 9));
  t.same([...new Set(draws)].sort(), [3, 4, 5, 6, 7, 8, 9], 'int covers its range and nothing else');
  t.not(mix(1, 2), mix(2, 1), 'mix depends on order');
  t.throws(() => r.int(5, 4));
});

t.test('same seed gives byte-identical files; another seed gives different ones', async (t) => {
  const one = await generate(t, 7, 4000, 800, true);
  const two = await generate(t, 7, 4000, 800, true);
  const other = await generate(t, 8, 4000, 800, true);
  for (const key of ['people', 'xml', 'truth', 'amendments'] as const) {
    t.equal(await sha256(one.paths[key]), await sha256(two.paths[key]), `${key}: same seed, same bytes`);
    t.not(await sha256(one.paths[key]), await sha256(other.paths[key]), `${key}: other seed, other bytes`);
  }
  t.ok(one.summary.amendmentRecords > 0, 'the amendment flag produces amendments');
});

t.test('the population NDJSON has exactly the importer fields, valid unique test-range NHS numbers', async (t) => {
  const { population, paths } = await generate(t, 3, 20_000, 100);
  const lines = readFileSync(paths.people, 'utf8').trim().split('\n');
  t.equal(lines.length, 20_000);
  const seen = new Set<string>();
  let bad = 0;
  for (const line of lines) {
    const p = JSON.parse(line) as Record<string, unknown>;
    if (Object.keys(p).join(',') !== 'nhsNumber,givenNames,familyName,previousFamilyNames,dateOfBirth,gender,addressLines,postcode,gpPracticeOds') bad++;
    const nhs = p.nhsNumber as string;
    if (!mod11Valid(nhs) || !nhs.startsWith('9')) bad++;
    seen.add(nhs);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.dateOfBirth as string)) bad++;
    if (p.gpPracticeOds !== null && !/^Y\d{5}$/.test(p.gpPracticeOds as string)) bad++;
    if (bad > 0) break;
  }
  t.equal(bad, 0, 'every line has exactly the nine fields, a valid 9xxxxxxxxx number, a date and an ODS code or null');
  t.equal(seen.size, 20_000, 'NHS numbers are unique');
  // Outsiders (deaths the index does not know) must not reuse an index number.
  const reused = Array.from({ length: 500 }, (_, k) => population.outsiderAt(k).person.nhsNumber).filter((n) => seen.has(n) || !mod11Valid(n));
  t.same(reused, [], 'outsiders have valid numbers of their own');
  t.equal(population.practiceCodes.length, 200);
  t.equal(new Set(population.practiceCodes).size, 200, 'practice codes are unique');
});

t.test('twins share family name, date of birth and address; namesakes share name and birthday only', async (t) => {
  const population = new Population(11, 60_000);
  let twins = 0;
  let namesakes = 0;
  let sameInitialTwins = 0;
  let namesakesApart = 0;
  const problems: string[] = [];
  for (let i = 0; i < population.size; i += 2) {
    const a = population.personAt(i);
    if (a.pair === null) continue;
    const b = population.personAt(i + 1);
    const pa = a.person;
    const pb = b.person;
    if (b.pair !== a.pair || a.partnerIndex !== i + 1 || b.partnerIndex !== i) problems.push(`pair ${i}: partners disagree`);
    if (pa.nhsNumber === pb.nhsNumber) problems.push(`pair ${i}: one NHS number`);
    if (a.pair === 'twin') {
      twins++;
      const shared = pa.familyName === pb.familyName && pa.dateOfBirth === pb.dateOfBirth && pa.postcode === pb.postcode
        && pa.addressLines.join('|') === pb.addressLines.join('|') && pa.gpPracticeOds === pb.gpPracticeOds;
      if (!shared) problems.push(`twins ${i}: family name, DOB, address or practice differ`);
      if (pa.givenNames[0] === pb.givenNames[0]) problems.push(`twins ${i}: same given name ${pa.givenNames[0]}`);
      if (pa.givenNames[0]![0] === pb.givenNames[0]![0]) sameInitialTwins++;
    } else {
      namesakes++;
      if (pa.givenNames[0] !== pb.givenNames[0] || pa.familyName !== pb.familyName || pa.dateOfBirth !== pb.dateOfBirth) problems.push(`namesakes ${i}: name or DOB differ`);
      if (pa.postcode !== pb.postcode) namesakesApart++;
    }
  }
  t.same(problems.slice(0, 10), [], 'every pair shares what it should');
  // 30,000 pairs at 1.5% twins and 0.5% namesakes.
  t.ok(twins > 330 && twins < 570, `twin pairs: ${twins}`);
  t.ok(namesakes > 90 && namesakes < 220, `namesake pairs: ${namesakes}`);
  t.ok(sameInitialTwins > twins * 0.2, `some twins share an initial (${sameInitialTwins} of ${twins})`);
  t.ok(namesakesApart >= namesakes - 2, 'namesakes live at different postcodes');
});

t.test('on 10,000 registrations the noise rates land within tolerance, and the truth matches the population and the XML', async (t) => {
  const { population, paths, summary } = await generate(t, 5, 40_000, 10_000);
  const truth = readTruth(paths.truth);
  const parsed = await parseGroFile(paths.xml);
  t.equal(parsed.rootName, 'DeathRegistrationGroup');
  t.equal(parsed.rootNs, GRO_NS);
  t.equal(parsed.records.length, 10_000);
  t.equal(parsed.recordCount, parsed.records.length, 'RecordCount equals the records');
  t.equal(summary.records, 10_000);
  t.equal(truth.length, 10_000);
  t.equal(new Set(truth.map((e) => e.registrationId)).size, 10_000, 'RegistrationIDs are unique');

  const counts = new Map<string, number>();
  for (const e of truth) for (const label of e.noise) counts.set(label, (counts.get(label) ?? 0) + 1);
  const n = truth.length;
  for (const [rate, labels] of Object.entries(LABELS_BY_RATE) as Array<[keyof NoiseRates, readonly string[]]>) {
    if (rate === 'maidenNameStated') continue; // conditional on married women, checked below
    const expected = DEFAULT_NOISE[rate];
    const observed = labels.reduce((s, l) => s + (counts.get(l) ?? 0), 0) / n;
    const tolerance = Math.max(0.002, 4 * Math.sqrt((expected * (1 - expected)) / n));
    t.ok(Math.abs(observed - expected) <= tolerance, `${rate}: observed ${observed.toFixed(4)}, expected ${expected} ± ${tolerance.toFixed(4)}`);
  }

  let marriedWomen = 0;
  let stated = 0;
  let mismatches = 0;
  const ages: number[] = [];
  const pairs = { twin: 0, namesake: 0 };
  const indexNumbers = new Set<string>();
  for (let i = 0; i < population.size; i++) indexNumbers.add(population.personAt(i).person.nhsNumber);
  const fail = (msg: string): void => {
    if (mismatches++ < 10) t.fail(msg);
  };
  for (let i = 0; i < n; i++) {
    const e = truth[i]!;
    const r = parsed.records[i]!;
    const has = (label: string): boolean => e.noise.includes(label as never);
    if (r.registrationId !== e.registrationId) fail(`record ${i}: XML id ${r.registrationId}, truth ${e.registrationId}`);
    if (!/^\d+$/.test(r.registrationId)) fail(`record ${i}: RegistrationID not an integer`);
    if (r.lockedAt === null || r.deathDate > r.lockedAt.slice(0, 10) || r.lockedAt.slice(0, 10) > population.options.asOf) fail(`record ${i}: dates out of order`);
    if (has('nhs-number') !== (r.nhsNumber !== null)) fail(`record ${i}: NHS number presence differs from truth`);
    if (r.nhsNumber !== null && !mod11Valid(r.nhsNumber)) fail(`record ${i}: stated NHS number fails mod 11`);
    if (e.nhsNumber === null) {
      if (!has('not-in-index') || e.populationIndex !== null) fail(`record ${i}: null truth without not-in-index`);
      if (r.nhsNumber !== null && indexNumbers.has(r.nhsNumber)) fail(`record ${i}: an outsider carries an index NHS number`);
      continue;
    }
    const s = population.personAt(e.populationIndex!);
    const p = s.person;
    if (p.nhsNumber !== e.nhsNumber) fail(`record ${i}: truth NHS number is not the population's`);
    if (e.pair !== s.pair) fail(`record ${i}: pair flag differs`);
    if (e.pair) pairs[e.pair]++;
    if (has('nhs-number') && r.nhsNumber !== p.nhsNumber) fail(`record ${i}: stated NHS number is not the person's`);
    ages.push(population.ageOn(p.dateOfBirth));
    if (r.birthDate !== null && (r.birthDate > r.deathDate)) fail(`record ${i}: born after death`);

    const given0 = r.givenNames[0]!;
    if (!has('nickname') && !has('given-misspelt') && given0 !== p.givenNames[0]!.toUpperCase()) fail(`record ${i}: given name ${given0} vs ${p.givenNames[0]} with no noise`);
    if (has('nickname') && has('given-misspelt')) fail(`record ${i}: a misspelt nickname`);
    if (has('nickname') && !(NICKNAMES[p.givenNames[0]!] ?? []).map((x) => x.toUpperCase()).includes(given0)) fail(`record ${i}: ${given0} is not a nickname of ${p.givenNames[0]}`);
    if (r.givenNames.slice(1).join(' ') !== p.givenNames.slice(1).join(' ').toUpperCase()) fail(`record ${i}: middle names`);
    const nameNoise = ['maiden-name', 'double-barrel-part', 'family-misspelt'].some(has);
    if (!nameNoise && r.familyName !== p.familyName.toUpperCase()) fail(`record ${i}: family name ${r.familyName} vs ${p.familyName}`);
    if (has('maiden-name') && !has('family-misspelt') && r.familyName !== p.previousFamilyNames[0]!.toUpperCase()) fail(`record ${i}: maiden-name noise but ${r.familyName}`);
    if (has('double-barrel-part') && !has('family-misspelt') && !p.familyName.toUpperCase().split('-').includes(r.familyName)) fail(`record ${i}: not a part of ${p.familyName}`);
    if (has('family-misspelt') && !has('maiden-name') && !has('double-barrel-part') && r.familyName === p.familyName.toUpperCase()) fail(`record ${i}: misspelt family name unchanged`);

    const [y, m, d] = p.dateOfBirth.split('-');
    if (has('dob-transposed')) {
      if (r.birthDate !== `${y}-${d}-${m}` || d === m) fail(`record ${i}: transposition ${r.birthDate} of ${p.dateOfBirth}`);
    } else if (has('dob-partial-month')) {
      if (r.birthDate !== null || r.partialYear !== String(Number(y)) || r.partialMonth !== String(Number(m))) fail(`record ${i}: partial month`);
    } else if (has('dob-partial-year')) {
      if (r.birthDate !== null || r.partialYear !== String(Number(y)) || r.partialMonth !== null) fail(`record ${i}: partial year`);
    } else if (r.birthDate !== p.dateOfBirth) fail(`record ${i}: DOB ${r.birthDate} vs ${p.dateOfBirth}`);

    if (has('moved') === (r.postcode === p.postcode)) fail(`record ${i}: moved=${has('moved')} but postcode ${r.postcode} vs ${p.postcode}`);
    const expectedLines = [s.address.houseName, s.address.street, s.address.town].filter((l) => l !== null).join('|');
    if (!has('moved') && r.lines.join('|') !== expectedLines) fail(`record ${i}: address lines ${r.lines.join('|')} vs ${expectedLines}`);
    const expectedGender = has('gender-9') ? '9' : s.sex === 'male' ? '1' : '2';
    if (r.gender !== expectedGender) fail(`record ${i}: gender ${r.gender}`);
    if (s.married && p.previousFamilyNames.length > 0 && !has('maiden-name')) {
      marriedWomen++;
      if (r.maidenName !== null) {
        stated++;
        if (r.maidenName !== s.birthFamilyName.toUpperCase()) fail(`record ${i}: maiden name ${r.maidenName}`);
      }
    } else if (r.maidenName !== null) fail(`record ${i}: maiden name on someone not married`);
  }
  t.equal(mismatches, 0, 'truth, population and XML agree');
  t.ok(Math.abs(stated / marriedWomen - DEFAULT_NOISE.maidenNameStated) < 0.03, `maiden name stated for ${stated} of ${marriedWomen} married women`);
  ages.sort((a, b) => a - b);
  const median = ages[Math.floor(ages.length / 2)]!;
  t.ok(median >= 75 && median <= 92, `the dead are mostly old (median age ${median})`);
  t.ok(pairs.twin > 0 && pairs.namesake > 0, `twins (${pairs.twin}) and namesakes (${pairs.namesake}) are among the dead`);
});

t.test('amendments repeat a RegistrationID with an update time and reason 1..5, a 5 always after a 4', async (t) => {
  const { paths, summary } = await generate(t, 9, 20_000, 2000, true);
  const main = await parseGroFile(paths.xml);
  const later = await parseGroFile(paths.amendments);
  t.equal(main.recordCount, 2000);
  t.equal(later.recordCount, later.records.length);
  t.equal(later.records.length, summary.amendmentRecords);
  const firstIds = new Set(main.records.map((r) => r.registrationId));
  const reasons = new Set<string>();
  const lastReason = new Map<string, string>();
  const problems: string[] = [];
  for (const r of later.records) {
    if (!firstIds.has(r.registrationId)) problems.push(`${r.registrationId}: amends nothing`);
    if (r.lockedAt !== null || r.updateReason === null || !/^[1-5]$/.test(r.updateReason)) problems.push(`${r.registrationId}: not an update with reason 1..5`);
    if (r.updateReason === '5' && lastReason.get(r.registrationId) !== '4') problems.push(`${r.registrationId}: reason 5 without a 4 before it`);
    reasons.add(r.updateReason!);
    lastReason.set(r.registrationId, r.updateReason!);
  }
  t.same(problems.slice(0, 10), [], 'every amendment is a well-formed update of a first registration');
  t.ok(reasons.has('4'), 'cancellations are among the amendments');
  const truth = readTruth(paths.truth).filter((e) => e.kind === 'amendment');
  t.equal(truth.length, later.records.length);
  t.ok(truth.every((e) => e.file === 2 && e.updateReason !== null));
});

t.test('bad sizes and rates are refused', async (t) => {
  t.throws(() => new Population(1, 0), RangeError);
  t.throws(() => new Population(-1, 10), RangeError);
  t.throws(() => new Population(1, 10, { twinPairRate: 2 }), RangeError);
  const population = new Population(1, 100);
  const dir = await mkdtemp(join(tmpdir(), 'deaths-gen-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.rejects(writeRegistrationFiles(1, population, 60, { xmlPath: join(dir, 'a.xml'), truthPath: join(dir, 't.ndjson') }), RangeError, 'more deaths than half the population');
  await t.rejects(writeRegistrationFiles(1, population, 10, { xmlPath: join(dir, 'a.xml'), truthPath: join(dir, 't.ndjson') }, { noise: { moved: 1.5 } }), RangeError);
});

t.test('NHS numbers lead back to their population index', async (t) => {
  const population = new Population(21, 50_000);
  const wrong = [0, 1, 2, 17, 4999, 49_999].filter((i) => population.indexOfNhsNumber(population.personAt(i).person.nhsNumber) !== i);
  t.same(wrong, [], 'indexOfNhsNumber inverts the allocation');
  t.equal(population.indexOfNhsNumber(population.outsiderAt(3).person.nhsNumber), null, 'an outsider is nobody in the population');
  t.equal(population.indexOfNhsNumber('9434765919'), null, 'a valid number the allocator never gave out');
});

t.test('the evaluator finds false matches, misses, missing and duplicate outcomes', async (t) => {
  const population = new Population(4, 1000);
  const people = [10, 11, 12, 13, 14].map((i) => population.personAt(i).person);
  const truthOf = (id: string, index: number | null): TruthEntry => ({
    registrationId: id, kind: 'first', updateReason: null, nhsNumber: index === null ? null : population.personAt(index).person.nhsNumber,
    populationIndex: index, pair: null, noise: index === null ? ['not-in-index'] : [], file: 1,
  });
  const truth = new Map([
    ['1', truthOf('1', 10)], ['2', truthOf('2', 11)], ['3', truthOf('3', null)], ['4', truthOf('4', 12)], ['5', truthOf('5', 13)], ['6', truthOf('6', 14)], ['7', truthOf('7', null)],
  ]);
  const gp = (p: Person): string => `${p.gpPracticeOds ?? 'NONE'}GP01`;
  const odsOfMailbox = new Map(population.practiceCodes.map((c) => [`${c}GP01`, c] as const));
  const bundle = (nhs: string): Buffer => Buffer.from(JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MessageHeader' } }, { resource: { resourceType: 'Patient', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }] } }] }));
  const manual = (reason: string, candidates: string[]): Buffer => Buffer.from(JSON.stringify({ registrationId: 'x', reason, detail: 'd', record: {}, candidates: candidates.map((n) => ({ nhsNumber: n, score: 0.9 })) }));
  const out = (localId: string, workflowId: string, recipient: string, payload: Buffer): OutputMessage => ({ messageId: `m-${localId}-${workflowId}`, messageType: 'DATA', recipient, workflowId, localId, status: 'accepted', payload });
  const e = new Evaluator(truth, population, odsOfMailbox);
  e.add(out('GRO-1', NOTIFICATION_WORKFLOW, gp(people[0]!), bundle(people[0]!.nhsNumber))); // right person, right practice
  e.add(out('GRO-2', NOTIFICATION_WORKFLOW, gp(people[1]!), bundle(people[2]!.nhsNumber))); // the wrong person
  e.add(out('GRO-3', MANUAL_WORKFLOW, 'NBO0001', manual('no-match', []))); // not in index: right
  e.add(out('GRO-4', MANUAL_WORKFLOW, 'NBO0001', manual('ambiguous', [people[2]!.nhsNumber, people[3]!.nhsNumber]))); // missed
  // 5: no outcome at all
  e.add(out('GRO-6', MANUAL_WORKFLOW, 'NBO0001', manual('no-endpoint', [people[4]!.nhsNumber]))); // matched, no GP to tell
  e.add(out('GRO-6', NOTIFICATION_WORKFLOW, gp(people[4]!), bundle(people[4]!.nhsNumber))); // and a second outcome
  e.add(out('GRO-7', MANUAL_WORKFLOW, 'NBO0001', manual('no-endpoint', [people[0]!.nhsNumber]))); // an outsider applied to someone
  e.add(out('bench-file-1', SUMMARY_WORKFLOW, 'GRO0001', Buffer.from('{"records":7}')));
  e.add(out('GRO-999', MANUAL_WORKFLOW, 'NBO0001', manual('no-match', [])));
  const r = e.finish();
  t.equal(r.registrations, 7);
  t.equal(r.inIndex, 5);
  t.equal(r.notifiedCorrect, 2);
  t.equal(r.falseMatches, 2, 'a notification for the wrong person and a no-endpoint death applied to an outsider');
  t.same(r.mismatches.filter((m) => m.kind === 'false-match').map((m) => m.registrationId).sort(), ['2', '7']);
  t.equal(r.mismatches.find((m) => m.registrationId === '2' && m.kind === 'false-match')?.matchedPerson?.nhsNumber, people[2]!.nhsNumber, 'the wrongly matched person is named');
  t.equal(r.manualCorrect, 1);
  t.equal(r.missed, 1);
  t.equal(r.matchedNoEndpoint, 1);
  t.equal(r.missing, 1);
  t.equal(r.duplicates, 1);
  t.equal(r.unexpected, 1);
  t.same(r.summaries, [{ records: 7 }]);
  t.same(r.manualByReason, { 'no-match': 1, ambiguous: 1, 'no-endpoint': 2 });
});
