/**
 * Death registrations for people of a synthetic population, with known truth and realistic
 * noise (noise.ts). The dead are drawn by age with a Gompertz-like mortality curve, so most are
 * old, as real deaths are; twins and namesakes die in proportion to their share. A few percent
 * are people the index does not know. Optionally, some registrations are amended later (update
 * reasons 1..5, including 4 cancelled and 5 cancellation removed), in the same file or a second.
 */
import type { GroDate, GroName, GroRegistration, UpdateReason } from '../../adapters/gro-deaths/registration.js';
import { addDays, daysBetween, parseIsoDate, type IsoDate } from './dates.js';
import { hasNickname, misspellFamilyName, misspellGivenName, nicknameOf, pickTown } from './name-tables.js';
import { NoiseDebt, noiseRates, type NoiseLabel, type NoiseRates } from './noise.js';
import { TOWNS } from './places.js';
import { addressLines, randomAddress, type Population, type SyntheticAddress, type SyntheticPerson } from './population.js';
import { Random, WeightedTable, mix, streamFor } from './random.js';

/** What the benchmark knows to be true of one DeathRegistration element. */
export interface TruthEntry {
  registrationId: string;
  kind: 'first' | 'amendment';
  updateReason: UpdateReason | null;
  /** The NHS number of the person who died, or null when the index does not hold them. */
  nhsNumber: string | null;
  populationIndex: number | null;
  pair: 'twin' | 'namesake' | null;
  noise: NoiseLabel[];
  /** 1 for the main file, 2 for the later amendments file. */
  file: 1 | 2;
}

/** One generated DeathRegistration and its truth. */
export interface GeneratedRegistration {
  record: GroRegistration;
  truth: TruthEntry;
}

/** Later versions of some registrations, for the amendment path of the adapter. */
export interface AmendmentOptions {
  /** Share of first registrations that get an amendment (reason 5 comes after a 4, so two elements). */
  rate: number;
  /** After every first registration in the same file, or in a second file. */
  placement: 'same-file' | 'later-file';
}

export interface RegistrationOptions {
  noise?: Partial<NoiseRates>;
  /** Unset or null: first registrations only (what the main benchmark measures). */
  amendments?: AmendmentOptions | null;
}

const SALT_REGISTRATION = 0x5247;
const SALT_DEATHS = 0x4445;
const SALT_OUTSIDERS = 0x4f55;
const SALT_AMENDMENT = 0x414d;
const SALT_IDS = 0x4944;

/** Reasons for an amendment, roughly as often as GRO issues them; 5 follows a 4 (see amendmentsFor). */
const UPDATE_REASONS = new WeightedTable<UpdateReason>([[1, 0.3], [2, 0.15], [3, 0.35], [4, 0.15], [5, 0.05]]);

/** Yields `count` first registrations, then any amendments, in file order. */
export function* generateRegistrations(seed: number, population: Population, count: number, options: RegistrationOptions = {}): Generator<GeneratedRegistration, void, undefined> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`registration count must be a positive integer, got ${count}`);
  // Rejection sampling slows down as the old are used up; half the population is far past any real need.
  if (count > population.size / 2) throw new RangeError(`registrations (${count}) must not exceed half the population (${population.size})`);
  const rates = noiseRates(options.noise);
  const amendments = options.amendments ?? null;
  if (amendments && !(amendments.rate >= 0 && amendments.rate <= 1)) throw new RangeError(`amendment rate must be in [0, 1], got ${amendments.rate}`);
  const deaths = new DeathSampler(population, streamFor(seed, 0, SALT_DEATHS), false);
  const outsiders = new DeathSampler(population, streamFor(seed, 0, SALT_OUTSIDERS), true);
  const debt = new NoiseDebt();
  const firstId = 30_000_000 + (mix(seed, SALT_IDS) % 60_000_000);
  const later: GeneratedRegistration[] = [];
  for (let k = 0; k < count; k++) {
    const rng = streamFor(seed, k, SALT_REGISTRATION);
    const outsider = rng.chance(rates.notInIndex);
    const subject = outsider ? outsiders.next() : deaths.next();
    const generated = firstRegistration(rng, population, subject, outsider, String(firstId + k), k + 1, rates, debt);
    yield generated;
    if (amendments && amendments.rate > 0) {
      const amendRng = streamFor(seed, k, SALT_AMENDMENT);
      if (amendRng.chance(amendments.rate)) later.push(...amendmentsFor(amendRng, generated, population, amendments.placement === 'later-file' ? 2 : 1));
    }
  }
  // Ordinals are positions in the file each element lands in.
  const offset = amendments?.placement === 'later-file' ? 0 : count;
  for (const [i, amendment] of later.entries()) yield { ...amendment, record: { ...amendment.record, ordinal: offset + i + 1 } };
}

/**
 * Draws the dead: a uniformly chosen index is accepted with its age's chance of dying, until
 * accepted, so ages follow the population's times the mortality curve. Each person dies once.
 */
class DeathSampler {
  private readonly chosen = new Set<number>();
  private nextOutsider = 0;

  constructor(
    private readonly population: Population,
    private readonly rng: Random,
    private readonly outsiders: boolean,
  ) {}

  next(): SyntheticPerson {
    const latestBirth = addDays(this.population.options.asOf, -7);
    for (let tries = 0; tries < 100_000_000; tries++) {
      const index = this.outsiders ? this.population.size + this.nextOutsider : this.rng.int(0, this.population.size - 1);
      if (this.outsiders) this.nextOutsider += 1;
      else if (this.chosen.has(index)) continue;
      const dob = this.population.dateOfBirthAt(index);
      // Someone born in the last week cannot have a death date in the window used below.
      const accept = dob <= latestBirth && this.rng.chance(mortality(this.population.ageOn(dob)));
      if (!accept) continue;
      if (this.outsiders) return this.population.outsiderAt(index - this.population.size);
      this.chosen.add(index);
      return this.population.personAt(index);
    }
    throw new Error('death sampler found nobody to die after 100M draws');
  }
}

/** Chance of being among the dead at `age`: rising about 10% a year of age (Gompertz), certain at 100. */
export function mortality(age: number): number {
  if (age === 0) return 0.004;
  return Math.min(1, Math.max(0.0003, Math.exp(0.095 * (age - 100))));
}

function firstRegistration(rng: Random, population: Population, p: SyntheticPerson, outsider: boolean, registrationId: string, ordinal: number, rates: NoiseRates, debt: NoiseDebt): GeneratedRegistration {
  const person = p.person;
  const noise: NoiseLabel[] = outsider ? ['not-in-index'] : [];
  const asOf = population.options.asOf;

  // Every draw happens whatever the outcome, so one noise kind changing never shifts the others.
  const draws = {
    nickname: rng.chance(rates.givenNickname),
    givenMisspelt: rng.chance(rates.givenMisspelling),
    familyMisspelt: rng.chance(rates.familyMisspelling),
    maidenOrPart: rng.chance(rates.maidenOrBarrelPart),
    transposed: rng.chance(rates.dobTransposed),
    partial: rng.chance(rates.dobPartial),
    moved: rng.chance(rates.moved),
    gender9: rng.chance(rates.gender9),
    alias: rng.chance(rates.alias),
    maidenStated: rng.chance(rates.maidenNameStated),
    nhs: rng.next(),
  };
  const { deathDate, lockedAt } = deathAndRegistration(rng, person.dateOfBirth, asOf);
  debt.draw('nickname', draws.nickname);
  debt.draw('givenMisspelt', draws.givenMisspelt);
  debt.draw('maidenOrPart', draws.maidenOrPart);
  debt.draw('transposed', draws.transposed);

  const givenNames = [...person.givenNames];
  const nickname = debt.take('nickname', hasNickname(givenNames[0]!));
  if (nickname) {
    givenNames[0] = nicknameOf(rng, givenNames[0]!)!;
    noise.push('nickname');
  }
  // A familiar form is a word the informant said; clerks misspell the formal names, not "Tony".
  if (debt.take('givenMisspelt', !nickname)) {
    givenNames[0] = misspellGivenName(rng, givenNames[0]!);
    noise.push('given-misspelt');
  }

  let familyName = person.familyName;
  let maidenName: string | null = null;
  const marriedWoman = p.married && person.previousFamilyNames.length > 0;
  const barrelled = familyName.includes('-');
  if (debt.take('maidenOrPart', marriedWoman || barrelled)) {
    if (marriedWoman && (!barrelled || rng.chance(0.5))) {
      familyName = p.birthFamilyName;
      noise.push('maiden-name');
    } else {
      const parts = familyName.split('-');
      familyName = parts[rng.int(0, parts.length - 1)]!;
      noise.push('double-barrel-part');
    }
  } else if (marriedWoman && draws.maidenStated) {
    maidenName = p.birthFamilyName;
    noise.push('maiden-stated');
  }
  if (draws.familyMisspelt) {
    familyName = misspellFamilyName(rng, familyName);
    noise.push('family-misspelt');
  }

  const [year, month, day] = person.dateOfBirth.split('-').map(Number) as [number, number, number];
  let birthDate: GroDate;
  if (draws.partial) {
    const withMonth = rng.chance(0.6);
    birthDate = { kind: 'partial', date: { year, month: withMonth ? month : null, day: null } };
    noise.push(withMonth ? 'dob-partial-month' : 'dob-partial-year');
  } else if (debt.take('transposed', day <= 12 && day !== month && `${year}-${pad2(day)}-${pad2(month)}` <= deathDate)) {
    // A transposition that would put birth after death is caught at registration; only plausible ones get through.
    birthDate = { kind: 'full', date: { year, month: day, day: month }, verificationLevel: '00' };
    noise.push('dob-transposed');
  } else {
    birthDate = { kind: 'full', date: { year, month, day }, verificationLevel: '00' };
  }

  let address = p.address;
  if (draws.moved) {
    address = movedAddress(rng, p);
    noise.push('moved');
  }

  let gender: GroRegistration['gender'] = p.sex === 'male' ? '1' : '2';
  if (draws.gender9) {
    gender = '9';
    noise.push('gender-9');
  }

  let nhsNumber: string | null = null;
  if (draws.nhs < rates.nhsNumberPresent) {
    nhsNumber = person.nhsNumber;
    noise.push('nhs-number');
  } else if (draws.nhs < rates.nhsNumberPresent + rates.wrongNhsNumber) {
    nhsNumber = someoneElsesNumber(rng, population, p.index);
    noise.push('wrong-nhs-number');
  }

  const aliases: GroRegistration['aliases'] = [];
  if (draws.alias) {
    const previous = person.previousFamilyNames[0];
    const familiar = nicknameOf(rng, person.givenNames[0]!);
    if (previous !== undefined) aliases.push({ name: groName(null, [person.givenNames[0]!], previous), type: 'formerly known as' });
    else aliases.push({ name: groName(null, [familiar ?? person.givenNames[0]!], person.familyName), type: 'otherwise' });
    noise.push('alias');
  }

  const record: GroRegistration = {
    registrationId,
    ordinal,
    lockedAt,
    updatedAt: null,
    updateReason: null,
    name: groName(titleFor(rng, p, population.ageOn(person.dateOfBirth)), givenNames, familyName),
    aliases,
    maidenName,
    gender,
    deathDate: { kind: 'full', date: isoParts(deathDate), verificationLevel: '00' },
    birthDate,
    address: groAddress(address),
    nhsNumber,
  };
  const truth: TruthEntry = {
    registrationId,
    kind: 'first',
    updateReason: null,
    nhsNumber: outsider ? null : person.nhsNumber,
    populationIndex: outsider ? null : p.index,
    pair: outsider ? null : p.pair,
    noise,
    file: 1,
  };
  return { record, truth };
}

/** Amendments of one registration: one update, or a cancellation (4) and its removal (5). */
function amendmentsFor(rng: Random, original: GeneratedRegistration, population: Population, file: 1 | 2): GeneratedRegistration[] {
  const reason = rng.weighted(UPDATE_REASONS);
  const reasons: UpdateReason[] = reason === 5 ? [4, 5] : [reason];
  const lockedDay = original.record.lockedAt!.slice(0, 10);
  let day = lockedDay;
  return reasons.map((r) => {
    const room = Math.max(0, daysBetween(day, population.options.asOf));
    day = addDays(day, Math.min(room, rng.int(1, 20)));
    const record: GroRegistration = {
      ...original.record,
      lockedAt: null,
      updatedAt: `${day}T${clock(rng)}`,
      updateReason: r,
      // A typographical or formal correction restates the name as the index has it.
      ...(r === 1 || r === 3 ? { name: correctedName(original, population) } : {}),
    };
    const truth: TruthEntry = { ...original.truth, kind: 'amendment', updateReason: r, file };
    return { record, truth };
  });
}

function correctedName(original: GeneratedRegistration, population: Population): GroName {
  const index = original.truth.populationIndex;
  if (index === null) return original.record.name;
  const person = population.personAt(index).person;
  return { ...original.record.name, givenNames: [...person.givenNames], familyName: person.familyName };
}

/** A death in the 90 days before asOf (at least 6 before), registered 1-5 days later, never after asOf. */
function deathAndRegistration(rng: Random, dob: IsoDate, asOf: IsoDate): { deathDate: IsoDate; lockedAt: string } {
  let deathDate = addDays(asOf, -rng.int(6, 90));
  if (deathDate < dob) deathDate = dob;
  const registered = addDays(deathDate, Math.min(rng.int(1, 5), daysBetween(deathDate, asOf)));
  return { deathDate, lockedAt: `${registered}T${clock(rng)}` };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function clock(rng: Random): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(rng.int(8, 17))}:${two(rng.int(0, 59))}:${two(rng.int(0, 59))}.000`;
}

function movedAddress(rng: Random, p: SyntheticPerson): SyntheticAddress {
  // Half move within their town (often into a care home nearby), half further away.
  const town = rng.chance(0.5) ? TOWNS[p.townIndex]! : pickTown(rng).town;
  for (;;) {
    const address = randomAddress(rng, town);
    if (address.postcode !== p.address.postcode) return address;
  }
}

function someoneElsesNumber(rng: Random, population: Population, index: number): string {
  for (;;) {
    const other = rng.int(0, population.size - 1);
    if (other !== index) return population.personAt(other).person.nhsNumber;
  }
}

function titleFor(rng: Random, p: SyntheticPerson, age: number): string | null {
  if (age < 16) return null;
  if (rng.chance(0.01)) return 'Dr';
  if (p.sex === 'male') return 'Mr';
  if (p.married) return 'Mrs';
  return age >= 60 && rng.chance(0.7) ? 'Miss' : 'Ms';
}

function groName(title: string | null, givenNames: string[], familyName: string): GroName {
  return { title, givenNames, familyName, suffix: null };
}

/** GRO's address fields: flat and building in their own elements, the rest as lines. */
function groAddress(a: SyntheticAddress): GroRegistration['address'] {
  const lines = addressLines({ ...a, flat: null, building: null });
  return { flat: a.flat, building: a.building, lines, postcode: a.postcode };
}

function isoParts(date: IsoDate): { year: number; month: number; day: number } {
  const d = parseIsoDate(date);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
