/**
 * A synthetic population for the death-registration benchmark. Every person is derived from
 * (seed, index) alone, so `personAt(i)` rebuilds anyone on demand and the population can be
 * streamed to NDJSON without being held in memory. Indexes 2k and 2k+1 may form a pair: twins
 * (same family name, date of birth, address and practice; different given names, often the same
 * initial) or unrelated namesakes (same name and birthday, living elsewhere).
 */
import type { Gender, Person } from '../../adapters/pds/person.js';
import { pickCommonSurname, pickGivenName, pickOtherGivenName, pickSurname, pickTown, type NameSex } from './name-tables.js';
import { NHS_NUMBER_CAPACITY, NhsNumberAllocator } from './nhs-numbers.js';
import { BUILDINGS, HOUSE_NAMES, INWARD_LETTERS, STREET_NAMES, STREET_TYPES, TOWNS, type Town } from './places.js';
import { Random, WeightedTable, assertSeed, mix, streamFor } from './random.js';
import { addDays, parseIsoDate, type IsoDate } from './dates.js';

/** Knobs of the population; every rate is a probability in [0, 1]. */
export interface PopulationOptions {
  /** GP practices people are registered with (ODS codes `Y` + 5 digits). */
  practices: number;
  /** Share of people registered with no GP practice. */
  unregisteredRate: number;
  /** Share of index pairs (2k, 2k+1) that are twins. */
  twinPairRate: number;
  /** Share of index pairs that are unrelated people with the same name and date of birth. */
  namesakePairRate: number;
  /** The day ages are counted to and deaths happen before (YYYY-MM-DD). */
  asOf: IsoDate;
}

/** Defaults: 200 practices, 0.5% unregistered, 1.5% of pairs twins (so 1.5% of people), 0.5% namesakes, as of 2025-06-30. */
export const DEFAULT_POPULATION_OPTIONS: PopulationOptions = {
  practices: 200,
  unregisteredRate: 0.005,
  twinPairRate: 0.015,
  namesakePairRate: 0.005,
  asOf: '2025-06-30',
};

/** Largest population: every index needs its own 7-digit NHS number block, and outsiders come after. */
export const MAX_POPULATION = NHS_NUMBER_CAPACITY / 2;

/** How a person's address is built, kept so the registration can restate it in GRO's fields. */
export interface SyntheticAddress {
  flat: string | null;
  building: string | null;
  /** "12 Church Lane", or the street alone when the house has a name. */
  street: string;
  houseName: string | null;
  town: string;
  postcode: string;
}

/** A person plus what the generator knows about them beyond the index fields. */
export interface SyntheticPerson {
  index: number;
  person: Person;
  pair: 'twin' | 'namesake' | null;
  /** The other member of the pair, when there is one. */
  partnerIndex: number | null;
  sex: NameSex;
  /** Family name at birth; for a married woman, her maiden name. */
  birthFamilyName: string;
  married: boolean;
  address: SyntheticAddress;
  townIndex: number;
}

const SALT_PAIR_KIND = 0x5041;
const SALT_PAIR = 0x5052;
const SALT_PERSON = 0x5045;
const SALT_DOB = 0x4442;
const SALT_PAIR_DOB = 0x5044;
const SALT_PRACTICES = 0x4750;

/** Relative number of people at each year of age 0..104: older than the census, since the dead are what matters. */
const AGE_TABLE = new WeightedTable(
  Array.from({ length: 105 }, (_, age) => {
    const weight = age < 20 ? 1.0 : age < 50 ? 1.1 : age < 80 ? 1.3 : age < 90 ? 0.9 : age < 100 ? 0.35 : 0.05;
    return [age, weight] as const;
  }),
);

/** A deterministic population of `size` people. */
export class Population {
  readonly seed: number;
  readonly size: number;
  readonly options: PopulationOptions;
  /** ODS codes of the practices, in allocation order. */
  readonly practiceCodes: readonly string[];
  private readonly practicesByTown: ReadonlyArray<readonly string[]>;
  private readonly numbers: NhsNumberAllocator;
  private readonly asOf: Date;

  /** Validates the options and allocates the practices; no person is built until asked for. */
  constructor(seed: number, size: number, options: Partial<PopulationOptions> = {}) {
    assertSeed(seed);
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_POPULATION) throw new RangeError(`population size must be 1..${MAX_POPULATION}, got ${size}`);
    const opts = { ...DEFAULT_POPULATION_OPTIONS, ...options };
    if (!Number.isSafeInteger(opts.practices) || opts.practices < 1 || opts.practices > 90_000) throw new RangeError(`practices must be 1..90000, got ${opts.practices}`);
    for (const key of ['unregisteredRate', 'twinPairRate', 'namesakePairRate'] as const) {
      if (!(opts[key] >= 0 && opts[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${opts[key]}`);
    }
    if (opts.twinPairRate + opts.namesakePairRate > 1) throw new RangeError('twinPairRate + namesakePairRate must not exceed 1');
    this.seed = seed;
    this.size = size;
    this.options = opts;
    this.asOf = parseIsoDate(opts.asOf);
    this.numbers = new NhsNumberAllocator(seed);
    const { codes, byTown } = allocatePractices(seed, opts.practices);
    this.practiceCodes = codes;
    this.practicesByTown = byTown;
  }

  /** Person `index` of the population (0 <= index < size). */
  personAt(index: number): SyntheticPerson {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new RangeError(`index ${index} outside 0..${this.size - 1}`);
    return this.derive(index, this.pairKindOf(index));
  }

  /**
   * Someone who is not in the population, for deaths the index does not know: built the same way
   * from indexes past the end, with a number from the same allocator, so it is unique too.
   */
  outsiderAt(k: number): SyntheticPerson {
    const index = this.size + k;
    if (!Number.isSafeInteger(k) || k < 0 || index >= NHS_NUMBER_CAPACITY) throw new RangeError(`outsider ${k} out of range`);
    return this.derive(index, null);
  }

  /** The population index holding `nhsNumber`, or null when it is nobody's (or an outsider's). */
  indexOfNhsNumber(nhsNumber: string): number | null {
    const index = this.numbers.indexOf(nhsNumber);
    return index !== null && index < this.size ? index : null;
  }

  /** Date of birth of person `index` without building the rest (cheap: the death sampler calls it often). */
  dateOfBirthAt(index: number): IsoDate {
    const kind = index < this.size ? this.pairKindOf(index) : null;
    return this.dateOfBirth(this.dobStream(index, kind));
  }

  /** Age in whole years on `asOf` of someone born on `dob`. */
  ageOn(dob: IsoDate, on: IsoDate = this.options.asOf): number {
    const [by, bm, bd] = dob.split('-').map(Number) as [number, number, number];
    const [ay, am, ad] = on.split('-').map(Number) as [number, number, number];
    return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
  }

  /** Every person in index order, one at a time. */
  *people(): Generator<Person, void, undefined> {
    for (let i = 0; i < this.size; i++) yield this.personAt(i).person;
  }

  private pairKindOf(index: number): 'twin' | 'namesake' | null {
    const pair = index >> 1;
    // A last index without a partner stays single.
    if ((pair << 1) + 1 >= this.size) return null;
    const u = streamFor(this.seed, pair, SALT_PAIR_KIND).next();
    if (u < this.options.twinPairRate) return 'twin';
    if (u < this.options.twinPairRate + this.options.namesakePairRate) return 'namesake';
    return null;
  }

  /** Pairs share one stream (a separate salt, so pair k and single person k do not share a birthday). */
  private dobStream(index: number, kind: 'twin' | 'namesake' | null): Random {
    return kind === null ? streamFor(this.seed, index, SALT_DOB) : streamFor(this.seed, index >> 1, SALT_PAIR_DOB);
  }

  private dateOfBirth(rng: Random): IsoDate {
    const age = rng.weighted(AGE_TABLE);
    // A birthday between one and 365 days after the asOf anniversary `age + 1` years back: exactly `age` on asOf.
    const back = new Date(Date.UTC(this.asOf.getUTCFullYear() - age - 1, this.asOf.getUTCMonth(), this.asOf.getUTCDate()));
    return addDays(back.toISOString().slice(0, 10), rng.int(1, 365));
  }

  private derive(index: number, kind: 'twin' | 'namesake' | null): SyntheticPerson {
    const own = streamFor(this.seed, index, SALT_PERSON);
    const shared = kind === null ? own : streamFor(this.seed, index >> 1, SALT_PAIR);
    const second = (index & 1) === 1;
    const dob = this.dateOfBirth(this.dobStream(index, kind));
    const birthYear = Number(dob.slice(0, 4));
    const age = this.ageOn(dob);

    // Draw order matters for pairs: both members must read the shared stream identically.
    let sex: NameSex;
    let firstName: string;
    let birthFamilyName: string;
    let married: boolean;
    let currentFamilyName: string | null = null;
    if (kind === 'twin') {
      const sex0 = pickSex(shared);
      const sex1 = shared.chance(0.65) ? sex0 : sex0 === 'male' ? 'female' : 'male';
      const name0 = pickGivenName(shared, sex0, birthYear);
      const name1 = pickOtherGivenName(shared, sex1, birthYear, name0, shared.chance(0.3));
      sex = second ? sex1 : sex0;
      firstName = second ? name1 : name0;
      birthFamilyName = pickFamilyName(shared);
      // Twins keep the family name they share (the index shows them under one name and address).
      married = false;
    } else if (kind === 'namesake') {
      sex = pickSex(shared);
      firstName = pickGivenName(shared, sex, birthYear);
      currentFamilyName = pickCommonSurname(shared);
      married = sex === 'female' && shared.chance(marriageChance(age));
      birthFamilyName = married ? pickFamilyName(own) : currentFamilyName;
    } else {
      sex = pickSex(own);
      firstName = pickGivenName(own, sex, birthYear);
      birthFamilyName = pickFamilyName(own);
      married = sex === 'female' && own.chance(marriageChance(age));
    }

    const givenNames = [firstName, ...middleNames(own, sex, birthYear, firstName)];
    const previousFamilyNames: string[] = [];
    let familyName = birthFamilyName;
    if (married) {
      const husband = currentFamilyName ?? differentSurname(own, birthFamilyName);
      previousFamilyNames.push(birthFamilyName);
      // A few keep their own name joined to their husband's; some were married before.
      if (currentFamilyName === null && !birthFamilyName.includes('-') && own.chance(0.015)) familyName = `${birthFamilyName}-${husband}`;
      else familyName = husband;
      if (own.chance(0.08)) previousFamilyNames.push(differentSurname(own, familyName));
    }

    const place = kind === 'twin' ? this.address(shared) : this.address(own);
    const gpPracticeOds = kind === 'twin' ? this.practice(shared, place.townIndex) : this.practice(own, place.townIndex);
    const person: Person = {
      nhsNumber: this.numbers.numberAt(index),
      givenNames,
      familyName,
      previousFamilyNames,
      dateOfBirth: dob,
      gender: pickGender(own, sex),
      addressLines: addressLines(place.address),
      postcode: place.address.postcode,
      gpPracticeOds,
    };
    const partnerIndex = kind === null ? null : index ^ 1;
    return { index, person, pair: kind, partnerIndex, sex, birthFamilyName, married, address: place.address, townIndex: place.townIndex };
  }

  private address(rng: Random): { address: SyntheticAddress; townIndex: number } {
    const { town, townIndex } = pickTown(rng);
    return { address: randomAddress(rng, town), townIndex };
  }

  private practice(rng: Random, townIndex: number): string | null {
    // One draw whatever the outcome, so the stream stays aligned.
    const unregistered = rng.chance(this.options.unregisteredRate);
    const local = this.practicesByTown[townIndex]!;
    const pool = local.length > 0 ? local : this.practiceCodes;
    const code = rng.pick(pool);
    return unregistered ? null : code;
  }
}

/** A new address in `town` (people who moved get one of these in their registration). */
export function randomAddress(rng: Random, town: Town): SyntheticAddress {
  const district = rng.pick(town.districts);
  const inward = `${rng.int(0, 9)}${rng.pick([...INWARD_LETTERS])}${rng.pick([...INWARD_LETTERS])}`;
  const postcode = `${town.area}${district} ${inward}`;
  const street = `${rng.pick(STREET_NAMES)} ${rng.pick(STREET_TYPES)}`;
  const number = rng.chance(0.7) ? rng.int(1, 60) : rng.int(61, 250);
  const u = rng.next();
  if (u < 0.08) return { flat: `Flat ${rng.int(1, 40)}`, building: rng.pick(BUILDINGS), street: `${number} ${street}`, houseName: null, town: town.name, postcode };
  if (u < 0.12) return { flat: null, building: null, street, houseName: rng.pick(HOUSE_NAMES), town: town.name, postcode };
  return { flat: null, building: null, street: `${number} ${street}`, houseName: null, town: town.name, postcode };
}

/** The index's address lines for an address: flat, building or house name, street, town. */
export function addressLines(a: SyntheticAddress): string[] {
  return [a.flat, a.building, a.houseName, a.street, a.town].filter((l): l is string => l !== null);
}

/** Yields the first `size` people of the population for `seed` (see Population). */
export function* generatePopulation(seed: number, size: number, opts: Partial<PopulationOptions> = {}): Generator<Person, void, undefined> {
  yield* new Population(seed, size, opts).people();
}

function pickSex(rng: Random): NameSex {
  return rng.chance(0.51) ? 'female' : 'male';
}

function pickGender(rng: Random, sex: NameSex): Gender {
  const u = rng.next();
  // A small share of records say other or unknown whatever the name suggests.
  if (u < 0.0005) return 'other';
  if (u < 0.001) return 'unknown';
  return sex;
}

function pickFamilyName(rng: Random): string {
  const name = pickSurname(rng);
  return rng.chance(0.02) ? `${name}-${differentSurname(rng, name)}` : name;
}

function differentSurname(rng: Random, other: string): string {
  for (;;) {
    const name = pickSurname(rng);
    if (name !== other && !other.split('-').includes(name)) return name;
  }
}

function marriageChance(age: number): number {
  if (age < 20) return 0;
  if (age < 25) return 0.25;
  if (age < 35) return 0.55;
  return 0.75;
}

function middleNames(rng: Random, sex: NameSex, birthYear: number, first: string): string[] {
  const u = rng.next();
  const count = u < 0.25 ? 0 : u < 0.9 ? 1 : 2;
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const taken = [first, ...names];
    let name = pickGivenName(rng, sex, birthYear);
    for (let tries = 0; taken.includes(name) && tries < 10; tries++) name = pickGivenName(rng, sex, birthYear);
    if (!taken.includes(name)) names.push(name);
  }
  return names;
}

/** ODS codes `Y` + 5 digits, unique, each placed in a town: every town first, the rest by population. */
function allocatePractices(seed: number, count: number): { codes: string[]; byTown: string[][] } {
  const rng = new Random(mix(seed, SALT_PRACTICES));
  let a = (mix(seed, SALT_PRACTICES, 1) % 100_000) | 1;
  if (a % 5 === 0) a += 2;
  const b = mix(seed, SALT_PRACTICES, 2) % 100_000;
  const byTown: string[][] = TOWNS.map(() => []);
  const townWeights = new WeightedTable(TOWNS.map((t, i) => [i, t.weight] as const));
  const order = rng.shuffle(TOWNS.map((_, i) => i));
  const codes: string[] = [];
  for (let k = 0; k < count; k++) {
    const code = `Y${String((a * k + b) % 100_000).padStart(5, '0')}`;
    const town = k < order.length ? order[k]! : rng.weighted(townWeights);
    byTown[town]!.push(code);
    codes.push(code);
  }
  return { codes, byTown };
}
