/**
 * The generator's name and place tables as weighted pickers, plus the name variants a death
 * registration may carry. Data lives in given-names.ts, surnames.ts, name-variants.ts and
 * places.ts; this module only turns it into draws.
 */
import { FIRST_DECADE, LAST_DECADE, givenNamesFor, internationalNamesFor, poolNamesFor, type NameSex } from './given-names.js';
import { FAMILY_MISSPELLINGS, GIVEN_MISSPELLINGS, NICKNAMES, typo } from './name-variants.js';
import { TOWNS, type Town } from './places.js';
import { Random, WeightedTable, rankWeights } from './random.js';
import { SURNAMES, TAIL_SURNAMES } from './surnames.js';

export type { NameSex } from './given-names.js';
export { TOWNS, type Town } from './places.js';

const givenTables = new Map<string, WeightedTable<string>>();
for (const sex of ['male', 'female'] as const) {
  for (let decade = FIRST_DECADE; decade <= LAST_DECADE; decade += 10) {
    // A flat-ish rank curve: with the pool's share, a decade's top name is ~6% of its births, as in the ONS tables.
    givenTables.set(`${sex}:${decade}`, new WeightedTable(rankWeights(givenNamesFor(sex, decade), 0.5)));
  }
}
const poolTables = {
  male: new WeightedTable(rankWeights(poolNamesFor('male'), 0.3)),
  female: new WeightedTable(rankWeights(poolNamesFor('female'), 0.3)),
};
/** Share of people given a name from the all-era pool rather than their decade's top list. */
const POOL_SHARE = 0.45;

/**
 * Surnames: the listed ones by rank (weight ~ rank^-0.7, about 40% of people, so Smith is ~1.6%
 * and the 1,000th name ~0.01%, close to the ONS counts), the rest from a long tail of
 * place-name compounds (Ashworth, Thornley...), as most people's surnames are rare ones.
 */
const LISTED_SURNAME_SHARE = 0.4;
const surnameTable = buildSurnameTable();
/** The most common surnames, for namesake pairs (two John Smiths born the same day are not rare). */
const commonSurnameTable = new WeightedTable(rankWeights(SURNAMES.slice(0, 60), 0.9));
const townTable = new WeightedTable(TOWNS.map((t, i) => [i, t.weight] as const));

/** Share of people born since 1950 given a name from the international lists. */
const INTERNATIONAL_SHARE_RECENT = 0.05;
/** The same, before 1950. */
const INTERNATIONAL_SHARE_EARLY = 0.01;

/** A given name for someone of this sex born in this year. */
export function pickGivenName(rng: Random, sex: NameSex, birthYear: number): string {
  const share = birthYear >= 1950 ? INTERNATIONAL_SHARE_RECENT : INTERNATIONAL_SHARE_EARLY;
  if (rng.chance(share)) return rng.pick(internationalNamesFor(sex));
  if (rng.chance(POOL_SHARE)) return rng.weighted(poolTables[sex]);
  const decade = Math.min(LAST_DECADE, Math.max(FIRST_DECADE, Math.floor(birthYear / 10) * 10));
  return rng.weighted(givenTables.get(`${sex}:${decade}`)!);
}

/** A given name different from `other`, and starting with the same letter when `sameInitial` (if any exists). */
export function pickOtherGivenName(rng: Random, sex: NameSex, birthYear: number, other: string, sameInitial: boolean): string {
  for (let attempt = 0; attempt < 60; attempt++) {
    const name = pickGivenName(rng, sex, birthYear);
    if (name === other) continue;
    if (sameInitial && name[0] !== other[0]) continue;
    return name;
  }
  // Rare names have no same-initial sibling in their decade: settle for any other name.
  const list = givenNamesFor(sex, birthYear);
  return list.find((n) => n !== other && (!sameInitial || n[0] === other[0])) ?? list.find((n) => n !== other)!;
}

/** A surname by frequency. */
export function pickSurname(rng: Random): string {
  return rng.weighted(surnameTable);
}

/** One of the sixty commonest surnames. */
export function pickCommonSurname(rng: Random): string {
  return rng.weighted(commonSurnameTable);
}

/** A town, by population, with its index in TOWNS. */
export function pickTown(rng: Random): { town: Town; townIndex: number } {
  const townIndex = rng.weighted(townTable);
  return { town: TOWNS[townIndex]!, townIndex };
}

/** True when the tables know a familiar form of `name`. */
export function hasNickname(name: string): boolean {
  return (NICKNAMES[name]?.length ?? 0) > 0;
}

/** A familiar form of a given name, or null when the tables know none. */
export function nicknameOf(rng: Random, name: string): string | null {
  const forms = NICKNAMES[name];
  return forms && forms.length > 0 ? rng.pick(forms) : null;
}

/** A misspelling of a given name: a known alternative spelling when there is one, else a typo. */
export function misspellGivenName(rng: Random, name: string): string {
  return misspell(rng, name, GIVEN_MISSPELLINGS[name]);
}

/** A misspelling of a family name (each part of a double-barrelled one is a candidate). */
export function misspellFamilyName(rng: Random, name: string): string {
  const parts = name.split('-');
  if (parts.length > 1) {
    const i = rng.int(0, parts.length - 1);
    parts[i] = misspell(rng, parts[i]!, FAMILY_MISSPELLINGS[parts[i]!]);
    return parts.join('-');
  }
  return misspell(rng, name, FAMILY_MISSPELLINGS[name]);
}

function misspell(rng: Random, name: string, known: readonly string[] | undefined): string {
  // Known alternatives are the realistic error when they exist; fall back to a clerk's typo.
  if (known && known.length > 0 && rng.chance(0.7)) return rng.pick(known);
  const u1 = rng.next();
  const u2 = rng.next();
  const changed = typo(name, u1, u2);
  if (changed.toUpperCase() !== name.toUpperCase()) return changed;
  // A transposition of two equal letters changes nothing: drop the last letter instead.
  return name.slice(0, -1);
}

function buildSurnameTable(): WeightedTable<string> {
  const listed = rankWeights(SURNAMES, 0.7);
  const listedTotal = listed.reduce((sum, [, w]) => sum + w, 0);
  const known = new Set(SURNAMES);
  const tail = TAIL_SURNAMES.filter((name) => !known.has(name));
  return new WeightedTable([
    ...listed.map(([name, w]) => [name, (LISTED_SURNAME_SHARE * w) / listedTotal] as const),
    ...tail.map((name) => [name, (1 - LISTED_SURNAME_SHARE) / tail.length] as const),
  ]);
}
