import { doubleMetaphone } from 'double-metaphone';
import { nameParts, normalizeName } from './name-keys.js';
import { sameGroupNormalized } from './nicknames.js';
import { jaroWinkler, withinOneEdit } from './string-similarity.js';

/**
 * How well a stated name agrees with a name the index holds, strongest first:
 * - exact: the same letters once case, accents, punctuation and spacing are folded ("O'Brien" = "OBRIEN");
 * - variant: the same name in another accepted form: for a family name, one part of a double-barrelled
 *   name ("SMITH" / "SMITH-JONES"), its parts reordered, or Mc/Mac; for a given name, one nickname
 *   group ("BILL" / "WILLIAM") or one part of a double given name ("MARY" / "MARY-ANNE");
 * - typo: spelt nearly the same: Jaro-Winkler at or above the threshold, or one edit apart when both
 *   are long enough ("THOMSON" / "THOMPSON"); a family name that only adds a suffix of two or more
 *   letters is a different name ("ROBERTSON" is not a misspelt "ROBERTS"). For a given name, also an
 *   initial that begins the other name ("J" / "JOHN") and a shortened form ("SOPH" / "SOPHIE",
 *   "HOLS" / "HOLLY"): consistent with the name, and about as strong as a misspelling;
 * - phonetic: spelt differently but a Double Metaphone code in common ("SMYTHE" / "SMITH"). Ranked
 *   below typo because Double Metaphone drops vowels and so also pairs different names (HALL, HILL);
 * - disagree: none of these.
 */
export type NameAgreement = 'exact' | 'variant' | 'typo' | 'phonetic' | 'disagree';

/** The levels, strongest first (the order in which they are tried). */
export const NAME_AGREEMENTS: readonly NameAgreement[] = ['exact', 'variant', 'typo', 'phonetic', 'disagree'];

const RANK: Record<NameAgreement, number> = { exact: 4, variant: 3, typo: 2, phonetic: 1, disagree: 0 };

/** True when `level` is `minimum` or stronger. */
export function nameAtLeast(level: NameAgreement, minimum: NameAgreement): boolean {
  return RANK[level] >= RANK[minimum];
}

/** Strictly stronger agreement. */
export function nameStronger(a: NameAgreement, b: NameAgreement): boolean {
  return RANK[a] > RANK[b];
}

/** Limits of the typo level. */
export interface NameCompareOptions {
  /** Jaro-Winkler at or above this (0.8..1) is a typo. */
  typoJaroWinkler: number;
  /** Jaro-Winkler counts only when both names have at least this many letters: short names score high by chance. */
  jaroWinklerMinLength: number;
  /** One edit (Damerau-Levenshtein) is a typo only when both names have at least this many letters. */
  editDistanceMinLength: number;
  /** Whether a given name stated as one letter agrees (at 'typo') with a name it begins. */
  initialsAgree: boolean;
}

/** Defaults: MARHTA/MARTHA (0.961) and SMYTH/SMITH (one edit) are typos; JOHN/JOAN (0.867) and HALL/HILL (too short) are not. */
export const DEFAULT_NAME_COMPARE_OPTIONS: NameCompareOptions = {
  typoJaroWinkler: 0.9,
  jaroWinklerMinLength: 4,
  editDistanceMinLength: 5,
  initialsAgree: true,
};

/** A name reduced once for many comparisons (shared through a cache, so read only). */
export interface PreparedName {
  /** normalizeName() form, e.g. "SMITH-JONES". */
  readonly normalized: string;
  /** Letters only: "SMITHJONES". */
  readonly joined: string;
  /** "SMITH", "JONES". */
  readonly parts: readonly string[];
}

/** The name ready for comparison, or null when nothing of it survives normalisation. */
export function prepareName(raw: string): PreparedName | null {
  const cached = preparedCache.get(raw);
  if (cached !== undefined) return cached;
  const normalized = normalizeName(raw);
  const parts = nameParts(normalized);
  const prepared = parts.length === 0 ? null : { normalized, joined: parts.join(''), parts };
  remember(preparedCache, raw, prepared);
  return prepared;
}

/** Prepared forms of the non-empty names of `raw`. */
export function prepareNames(raw: readonly string[]): PreparedName[] {
  const out: PreparedName[] = [];
  for (const name of raw) {
    const p = prepareName(name);
    if (p) out.push(p);
  }
  return out;
}

/** Whether a family name was found as the person's current name or one of their previous ones. */
export interface FamilyNameComparison {
  level: NameAgreement;
  against: 'current' | 'previous' | null;
}

/** Compares a stated family name with a person's current and previous family names; the best agreement wins. */
export function compareFamilyName(
  stated: string,
  person: { familyName: string; previousFamilyNames: readonly string[] },
  options: NameCompareOptions = DEFAULT_NAME_COMPARE_OPTIONS,
): FamilyNameComparison {
  const s = prepareName(stated);
  if (!s) return { level: 'disagree', against: null };
  return bestFamilyAgreement([s], prepareName(person.familyName), prepareNames(person.previousFamilyNames), options);
}

/** Compares a stated given name with a person's given names; the best agreement wins. */
export function compareGivenName(stated: string, givenNames: readonly string[], options: NameCompareOptions = DEFAULT_NAME_COMPARE_OPTIONS): NameAgreement {
  const s = prepareName(stated);
  if (!s) return 'disagree';
  let best: NameAgreement = 'disagree';
  for (const h of prepareNames(givenNames)) {
    const level = compareNames(s, h, 'given', options);
    if (nameStronger(level, best)) best = level;
  }
  return best;
}

/** Best agreement of any stated family name with the current name or any previous one. */
export function bestFamilyAgreement(
  stated: readonly PreparedName[],
  current: PreparedName | null,
  previous: readonly PreparedName[],
  options: NameCompareOptions,
): FamilyNameComparison {
  let best: FamilyNameComparison = { level: 'disagree', against: null };
  const held: Array<[PreparedName, 'current' | 'previous']> = [];
  if (current) held.push([current, 'current']);
  for (const p of previous) held.push([p, 'previous']);
  for (const s of stated) {
    for (const [name, against] of held) {
      const level = compareNames(s, name, 'family', options);
      if (nameStronger(level, best.level)) best = { level, against };
      if (level === 'exact') return best;
    }
  }
  return best;
}

/** How a subject's given names agree with a person's. */
export interface GivenNamesComparison {
  /**
   * The usual name: the first stated name against the first held one; failing that, either first
   * name found as the same name or a nickname elsewhere on the other side (a person known by a
   * middle name, an alias), which counts only as 'typo': consistent, but weak, since any middle
   * name may coincide. Middle names against middle names never count here: "AMY" and "EMMA" as
   * middle names say nothing about whether "LOUISE" and "CLAIRE" are one person. Null when a side
   * has none.
   */
  level: NameAgreement | null;
  /**
   * The remaining names (middle names, aliases) once the pair above is set aside: 'agree' when one
   * stated and one held agree at 'typo' or better, 'disagree' when none do (sounding alike is not
   * enough: AMY and EMMA), 'missing' when the index holds no others to compare with the stated
   * ones, 'unstated' when the record states none of the others the index holds, null when
   * neither side has any.
   */
  others: 'agree' | 'disagree' | 'missing' | 'unstated' | null;
}

/** Compares stated given names (usual first) with a person's (first first). */
export function compareGivenNames(stated: readonly PreparedName[], held: readonly PreparedName[], options: NameCompareOptions): GivenNamesComparison {
  return compareGivenNamesBy(stated.length, held.length, (i, j) => compareNames(stated[i] as PreparedName, held[j] as PreparedName, 'given', options));
}

/**
 * compareGivenNames over `stated` x `held` names given by position, with `level(i, j)` comparing
 * stated name i with held name j (so a caller can memoise the comparisons).
 */
export function compareGivenNamesBy(stated: number, held: number, level: (i: number, j: number) => NameAgreement): GivenNamesComparison {
  if (stated === 0 || held === 0) return { level: null, others: null };
  let best = level(0, 0);
  let si = 0;
  let hi = 0;
  if (best !== 'exact') {
    const offFirst = (i: number, j: number): void => {
      const found = level(i, j);
      if ((found === 'exact' || found === 'variant') && nameStronger('typo', best)) [best, si, hi] = ['typo', i, j];
    };
    for (let j = 1; j < held; j++) offFirst(0, j);
    for (let i = 1; i < stated; i++) offFirst(i, 0);
  }
  if (stated === 1 && held === 1) return { level: best, others: null };
  if (held === 1) return { level: best, others: 'missing' };
  if (stated === 1) return { level: best, others: 'unstated' };
  for (let i = 0; i < stated; i++) {
    if (i === si) continue;
    for (let j = 0; j < held; j++) {
      if (j !== hi && nameAtLeast(level(i, j), 'typo')) return { level: best, others: 'agree' };
    }
  }
  return { level: best, others: 'disagree' };
}

/** One stated name against one held name. */
export function compareNames(a: PreparedName, b: PreparedName, kind: 'family' | 'given', options: NameCompareOptions): NameAgreement {
  if (a.joined === b.joined) return 'exact';
  if (kind === 'given' && (a.joined.length === 1 || b.joined.length === 1)) {
    return options.initialsAgree && a.joined[0] === b.joined[0] ? 'typo' : 'disagree';
  }
  if (kind === 'family' ? familyVariant(a, b) : givenVariant(a, b)) return 'variant';
  if (typoMatch(a, b, kind, options)) return 'typo';
  if (kind === 'given' && shortened(a.joined, b.joined)) return 'typo';
  if (phoneticMatch(a, b)) return 'phonetic';
  return 'disagree';
}

/** Pet endings dropped before looking for a shortened form: HOLS, RUBES, WAYNO, MARKY, DAWNIE. */
const PET_ENDINGS = ['IE', 'EY', 'ES', 'Y', 'S', 'O'];
/** A stem left by dropping a pet ending must be this long to count ("IV" of "IVES" is not). */
const SHORTEST_STEM = 3;

/** One name begins the other (ED, EDNA; SOPH, SOPHIE), or does once a pet ending is dropped (HOLS, HOLLY). */
function shortened(x: string, y: string): boolean {
  if (x.charCodeAt(0) !== y.charCodeAt(0)) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  // Like an initial, a leading fragment is consistent with the name and says little more.
  if (long.startsWith(short)) return true;
  for (const [name, other] of [[x, y], [y, x]] as const) {
    for (const ending of PET_ENDINGS) {
      if (!name.endsWith(ending)) continue;
      const stem = name.slice(0, -ending.length);
      if (stem.length >= SHORTEST_STEM && other.startsWith(stem)) return true;
    }
  }
  return false;
}

/** One part of a double-barrelled name is all of the other ("SMITH" in "SMITH-JONES"), or the parts are reordered, or Mc/Mac. */
function familyVariant(a: PreparedName, b: PreparedName): boolean {
  if (a.parts.length > 1 || b.parts.length > 1) {
    const [shorter, longer] = a.parts.length <= b.parts.length ? [a.parts, b.parts] : [b.parts, a.parts];
    if (shorter.every((p) => p.length > 1 && longer.includes(p))) return true;
  }
  return withoutMac(a.joined) === withoutMac(b.joined);
}

function withoutMac(name: string): string {
  return name.startsWith('MAC') ? 'MC' + name.slice(3) : name;
}

/** One nickname group, or one part of a double given name ("MARY" in "MARY-ANNE"). */
function givenVariant(a: PreparedName, b: PreparedName): boolean {
  if (sameGroupNormalized(a.joined, b.joined)) return true;
  if (a.parts.length === 1 && b.parts.length === 1) return false;
  return a.parts.some((p) => p.length > 1 && b.parts.some((q) => p === q || sameGroupNormalized(p, q)));
}

function phoneticMatch(a: PreparedName, b: PreparedName): boolean {
  const x = codesOf(a);
  const y = codesOf(b);
  return x.some((c) => y.includes(c));
}

/** Either whole name, or, for double-barrelled names, any part against any part, passes the typo test. */
function typoMatch(a: PreparedName, b: PreparedName, kind: 'family' | 'given', options: NameCompareOptions): boolean {
  if (isTypo(a.joined, b.joined, kind, options)) return true;
  if (a.parts.length === 1 && b.parts.length === 1) return false;
  return a.parts.some((p) => b.parts.some((q) => isTypo(p, q, kind, options)));
}

/** Surnames made by adding to another (ROBERTS-ON, WILLIAMS-ON, SMITH-SON) are other names, however high their Jaro-Winkler. */
const SUFFIX_NAME_LETTERS = 2;

function isTypo(x: string, y: string, kind: 'family' | 'given', options: NameCompareOptions): boolean {
  const shorter = Math.min(x.length, y.length);
  if (kind === 'family' && Math.abs(x.length - y.length) >= SUFFIX_NAME_LETTERS && (x.startsWith(y) || y.startsWith(x))) return false;
  if (shorter >= options.jaroWinklerMinLength && jaroWinkler(x, y) >= options.typoJaroWinkler) return true;
  return shorter >= options.editDistanceMinLength && withinOneEdit(x, y);
}

// Normalising and Double Metaphone are the costliest steps of a comparison, and the same names
// recur across candidates and registrations, so both are memoised. The caches hold derived values
// of immutable strings only, are bounded, and simply restart when full.
const CACHE_LIMIT = 50_000;
const preparedCache = new Map<string, PreparedName | null>();
const codeCache = new Map<string, string[]>();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

/** Double Metaphone codes of the whole name and, when double-barrelled, of each part. */
function codesOf(name: PreparedName): string[] {
  const cached = codeCache.get(name.normalized);
  if (cached) return cached;
  const codes = new Set<string>();
  for (const form of name.parts.length > 1 ? [name.joined, ...name.parts] : [name.joined]) {
    for (const code of doubleMetaphone(form)) if (code !== '') codes.add(code);
  }
  const list = [...codes];
  remember(codeCache, name.normalized, list);
  return list;
}
