import {
  compareGivenNamesBy,
  compareNames,
  nameAtLeast,
  nameStronger,
  prepareName,
  prepareNames,
  type NameAgreement,
  type PreparedName,
} from '../names/name-compare.js';
import type { Gender, IndexedPerson } from '../person.js';
import { normalizePostcode } from '../postcode.js';
import { compareDateOfBirth, datePrecision, isoDate, type DateAgreement } from './date-compare.js';
import { maxScoreWeight, type TraceConfig, type TraceWeights } from './trace-config.js';
import type { TraceSubject } from './trace-subject.js';

/** Gender: male/female against male/female agree or disagree; anything else is unknown, except other/other. */
export type GenderAgreement = 'agree' | 'disagree' | 'unknown';
/** Postcode: the same, the same outward code only, different, or unknown on a side. */
export type PostcodeAgreement = 'exact' | 'outward' | 'disagree' | 'unknown';
/** How names beyond the best pair agree (name-compare.ts GivenNamesComparison.others; family names never 'unstated'). */
export type OthersAgreement = 'agree' | 'disagree' | 'missing' | 'unstated' | 'unknown';

/** One field's agreement level and the weight (bits of evidence) it adds. */
export interface FieldScore<Level extends string> {
  readonly level: Level;
  readonly weight: number;
}

/** Per-field explanation of a score. 'unknown' means a side did not state the field (weight 0). */
export interface ScoreBreakdown {
  /** The best pair of a stated family name and a held one (current or previous). */
  familyName: FieldScore<NameAgreement> & { against: 'current' | 'previous' | null };
  /**
   * The other stated family names (maiden, alias) against the other held ones: 'agree' (typo or
   * better), 'disagree', 'missing' when the index holds none to compare, 'unknown' when nothing
   * else was stated (a name the index holds but the record does not mention is no evidence), and
   * 'previous-only' when nothing else was stated and the best pair is a previous name.
   */
  otherFamilyNames: FieldScore<OthersAgreement | 'previous-only'>;
  givenName: FieldScore<NameAgreement | 'unknown'>;
  otherGivenNames: FieldScore<OthersAgreement>;
  dateOfBirth: FieldScore<DateAgreement | 'unknown'>;
  gender: FieldScore<GenderAgreement>;
  postcode: FieldScore<PostcodeAgreement>;
  /**
   * The names' evidence discounted for how common the name is in the index (adjustForCommonNames):
   * `lookalikes` other candidates born the same year agree with the subject's names as well as
   * this one does; `weight` is the discount (0 or negative).
   */
  commonName: { readonly lookalikes: number; readonly weight: number };
}

/** A candidate with its total weight, its score and the breakdown. */
export interface CandidateScore {
  person: IndexedPerson;
  /** Sum of the field weights (log2 likelihood ratio). */
  weight: number;
  /**
   * weight / maxScoreWeight: 1 = the core fields (family name, usual given name, date of birth,
   * gender, postcode) exact. Agreeing middle or maiden names can take it above 1 and disagreements
   * below 0; results show it clamped to 0..1, decisions use it as it is, so that extra evidence
   * still counts in a margin.
   */
  score: number;
  fields: ScoreBreakdown;
}

/**
 * The subject with its names and postcode normalised once for all candidates, and the comparisons
 * of each name the candidates hold remembered: candidates share a small vocabulary of names.
 * Prepared for one config.
 */
export interface PreparedSubject {
  subject: TraceSubject;
  familyNames: PreparedName[];
  givenNames: PreparedName[];
  postcode: string | null;
  config: TraceConfig;
  /** Held name (as stored) → agreement with each stated family name; null when it normalises to nothing. */
  familyMemo: Map<string, NameAgreement[] | null>;
  /** Held given name (as stored) → agreement with each stated given name; null when it normalises to nothing. */
  givenMemo: Map<string, NameAgreement[] | null>;
  /** Held date of birth → its field score (shared, read only). */
  dateMemo: Map<string, FieldScore<DateAgreement | 'unknown'>>;
}

/** Prepares a subject for scoring under `config`. */
export function prepareSubject(subject: TraceSubject, config: TraceConfig): PreparedSubject {
  return {
    subject,
    familyNames: prepareNames(subject.familyNames),
    givenNames: prepareNames(subject.givenNames),
    postcode: subject.postcode === null ? null : normalizePostcode(subject.postcode),
    config,
    familyMemo: new Map(),
    givenMemo: new Map(),
    dateMemo: new Map(),
  };
}

/** Scores one candidate against a prepared subject. */
export function scoreCandidate(prepared: PreparedSubject, person: IndexedPerson): CandidateScore {
  const w = prepared.config.weights;
  const family = familyAgreement(prepared, person);
  const rows: NameAgreement[][] = [];
  for (const name of person.givenNames) {
    const row = levelsOf(prepared, prepared.givenMemo, prepared.givenNames, 'given', name);
    if (row) rows.push(row);
  }
  const given = compareGivenNamesBy(prepared.givenNames.length, rows.length, (i, j) => rows[j]?.[i] ?? 'disagree');
  const givenOthers = given.others ?? 'unknown';
  const fields: ScoreBreakdown = {
    familyName: { level: family.level, weight: w.familyName[family.level], against: family.against },
    otherFamilyNames: familyOthersScore(family, w),
    givenName: given.level === null ? UNKNOWN : { level: given.level, weight: w.givenName[given.level] },
    otherGivenNames: givenOthers === 'unknown' ? UNKNOWN : { level: givenOthers, weight: w.otherGivenNames[givenOthers] },
    dateOfBirth: dateScore(prepared, person.dateOfBirth, w),
    gender: genderScore(prepared.subject.gender, person.gender, w),
    postcode: postcodeScore(prepared.postcode, person.postcode, w),
    commonName: NO_DISCOUNT,
  };
  const f = fields;
  const weight = f.familyName.weight + f.otherFamilyNames.weight + f.givenName.weight + f.otherGivenNames.weight + f.dateOfBirth.weight + f.gender.weight + f.postcode.weight;
  return { person, weight, score: weight / maxScoreWeight(w), fields };
}

const UNKNOWN = { level: 'unknown', weight: 0 } as const;

/**
 * The other family names' score. A record whose only agreeing family name is one the person no
 * longer uses (registered under her maiden name, or an outsider who happens to share it) says less
 * than one that agrees with their current name: it weighs weights.otherFamilyNames.previousOnly.
 */
function familyOthersScore(family: FamilyAgreement, w: TraceWeights): FieldScore<OthersAgreement | 'previous-only'> {
  if (family.others !== 'unknown') return { level: family.others, weight: w.otherFamilyNames[family.others] };
  if (family.against === 'previous') return { level: 'previous-only', weight: w.otherFamilyNames.previousOnly };
  return UNKNOWN;
}

interface FamilyAgreement {
  level: NameAgreement;
  against: 'current' | 'previous' | null;
  others: Exclude<OthersAgreement, 'unstated'>;
}

/** The best pair of stated and held family names, then how the rest agree. */
function familyAgreement(prepared: PreparedSubject, person: IndexedPerson): FamilyAgreement {
  const held = [person.familyName, ...person.previousFamilyNames];
  const rows = held.map((name) => levelsOf(prepared, prepared.familyMemo, prepared.familyNames, 'family', name));
  let level: NameAgreement = 'disagree';
  let si = -1;
  let hj = -1;
  rows.forEach((row, j) =>
    row?.forEach((found, i) => {
      if (nameStronger(found, level)) [level, si, hj] = [found, i, j];
    }),
  );
  if (hj < 0) return { level, against: null, others: 'unknown' };
  const against = hj === 0 ? 'current' : 'previous';
  const statedRest = prepared.familyNames.length - 1;
  if (statedRest === 0) return { level, against, others: 'unknown' };
  let heldRest = 0;
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j];
    if (j === hj || !row) continue;
    heldRest++;
    if (row.some((found, i) => i !== si && nameAtLeast(found, 'typo'))) return { level, against, others: 'agree' };
  }
  return { level, against, others: heldRest === 0 ? 'missing' : 'disagree' };
}

/** The agreements of one held name with each stated name, remembered per subject. */
function levelsOf(
  prepared: PreparedSubject,
  memo: Map<string, NameAgreement[] | null>,
  stated: readonly PreparedName[],
  kind: 'family' | 'given',
  held: string,
): NameAgreement[] | null {
  const known = memo.get(held);
  if (known !== undefined) return known;
  const name = prepareName(held);
  const row = name ? stated.map((s) => compareNames(s, name, kind, prepared.config.nameComparison)) : null;
  memo.set(held, row);
  return row;
}

const NO_DISCOUNT = { lookalikes: 0, weight: 0 } as const;

const OTHERS_RANK: Record<OthersAgreement, number> = { agree: 4, unknown: 3, missing: 2, unstated: 1, disagree: 0 };

/**
 * Discounts the names' evidence of candidates born on the stated day (or its transposition) by how
 * common their agreement is. The fixed weights assume a name shared by about 1 in 500 (family) and
 * 1 in 100 (given); in the index "John Smith" may be 1 in 200 of a year's births. The candidates
 * show it: the lookup fetched everyone born in the stated year under the family name's keys, so
 * the others of that year whose names agree at least as well as this candidate's (`lookalikes`),
 * over the year's births (estimated as 365 x the people born on the stated day), estimate how often
 * such names occur by chance. When that is above what the weights imply, the names weigh
 * log2(estimated / implied) bits less, never below nothing. It protects against the person who is
 * not in the index but shares a common name and birthday with someone who is, elsewhere: the
 * index cannot show that person, only how common their name is. A candidate list cut at the
 * limit undercounts, so very common names are discounted less than they should be, not more.
 * Only full dates are discounted: partial ones are matched within name and year by the margin.
 */
export function adjustForCommonNames(scored: readonly CandidateScore[], subject: TraceSubject, config: TraceConfig): CandidateScore[] {
  const dob = subject.dateOfBirth;
  if (dob === null || dob.month === null || dob.day === null) return [...scored];
  const stated = isoDate(dob.year, dob.month, dob.day);
  const yearPrefix = `${String(dob.year).padStart(4, '0')}-`;
  const cohort = scored.filter((c) => c.person.dateOfBirth.startsWith(yearPrefix));
  const births = Math.max(1, scored.filter((c) => c.person.dateOfBirth === stated).length) * 365;
  const max = maxScoreWeight(config.weights);
  return scored
    .map((c) => {
      const dobLevel = c.fields.dateOfBirth.level;
      // A family name that disagrees can never match (rules.minimumFamilyNameAgreement), so is left as it is.
      if ((dobLevel !== 'exact' && dobLevel !== 'transposed') || c.fields.familyName.level === 'disagree') return c;
      const lookalikes = cohort.reduce((n, o) => (o !== c && atLeastAsAlike(o, c) ? n + 1 : n), 0);
      if (lookalikes === 0) return c;
      const f = c.fields;
      const names = [f.familyName, f.otherFamilyNames, f.givenName, f.otherGivenNames].reduce((sum, x) => sum + Math.max(0, x.weight), 0);
      const discount = Math.min(names, Math.max(0, Math.log2(lookalikes / births) + names));
      if (discount <= 0) return c;
      const weight = c.weight - discount;
      return { ...c, weight, score: weight / max, fields: { ...f, commonName: { lookalikes, weight: -discount } } };
    })
    .sort(byScore);
}

function familyRank(level: OthersAgreement | 'previous-only'): number {
  return level === 'previous-only' ? OTHERS_RANK.unstated : OTHERS_RANK[level];
}

/** `o` agrees with the subject's names and gender at least as well as `c` does. */
function atLeastAsAlike(o: CandidateScore, c: CandidateScore): boolean {
  const of = o.fields;
  const cf = c.fields;
  if (!nameAtLeast(of.familyName.level, cf.familyName.level)) return false;
  const og = of.givenName.level;
  const cg = cf.givenName.level;
  if (og !== cg && (og === 'unknown' || cg === 'unknown' || !nameAtLeast(og, cg))) return false;
  if (OTHERS_RANK[of.otherGivenNames.level] < OTHERS_RANK[cf.otherGivenNames.level]) return false;
  if (familyRank(of.otherFamilyNames.level) < familyRank(cf.otherFamilyNames.level)) return false;
  return of.gender.level !== 'disagree';
}

/** Every distinct candidate scored, best first (ties by NHS number, so results are reproducible). */
export function scoreCandidates(subject: TraceSubject, candidates: readonly IndexedPerson[], config: TraceConfig): CandidateScore[] {
  const prepared = prepareSubject(subject, config);
  const seen = new Set<string>();
  const scored: CandidateScore[] = [];
  for (const person of candidates) {
    if (seen.has(person.nhsNumber)) continue;
    seen.add(person.nhsNumber);
    scored.push(scoreCandidate(prepared, person));
  }
  return scored.sort(byScore);
}

/** Best first; ties by NHS number. */
export function byScore(a: CandidateScore, b: CandidateScore): number {
  return b.weight - a.weight || (a.person.nhsNumber < b.person.nhsNumber ? -1 : a.person.nhsNumber > b.person.nhsNumber ? 1 : 0);
}

function dateScore(prepared: PreparedSubject, held: string, w: TraceWeights): FieldScore<DateAgreement | 'unknown'> {
  const known = prepared.dateMemo.get(held);
  if (known) return known;
  const stated = prepared.subject.dateOfBirth;
  let score: FieldScore<DateAgreement | 'unknown'> = { level: 'unknown', weight: 0 };
  if (stated !== null) {
    const level = compareDateOfBirth(stated, held);
    const d = w.dateOfBirth;
    // A partial date agrees by chance more often the less of it was stated, so it weighs less.
    score = { level, weight: level === 'partial' ? (datePrecision(stated) === 'month' ? d.partialMonth : d.partialYear) : d[level] };
  }
  prepared.dateMemo.set(held, score);
  return score;
}

function genderScore(stated: Gender, held: Gender, w: TraceWeights): FieldScore<GenderAgreement> {
  const binary = (g: Gender): boolean => g === 'male' || g === 'female';
  if (binary(stated) && binary(held)) return stated === held ? { level: 'agree', weight: w.gender.agree } : { level: 'disagree', weight: w.gender.disagree };
  // 'other' against a binary gender is not a contradiction: records of gender differ in how they ask.
  if (stated === 'other' && held === 'other') return { level: 'agree', weight: w.gender.agree };
  return { level: 'unknown', weight: 0 };
}

/** The index holds postcodes normalised (Person.postcode); the subject's was normalised by prepareSubject. */
function postcodeScore(stated: string | null, held: string | null, w: TraceWeights): FieldScore<PostcodeAgreement> {
  if (stated === null || held === null) return { level: 'unknown', weight: 0 };
  if (stated === held) return { level: 'exact', weight: w.postcode.exact };
  return sameOutward(stated, held) ? { level: 'outward', weight: w.postcode.outward } : { level: 'disagree', weight: w.postcode.disagree };
}

/** postcode.ts outwardCode(a) === outwardCode(b), without splitting: this runs once per candidate. */
function sameOutward(a: string, b: string): boolean {
  const space = a.indexOf(' ');
  return space > 0 && b.length > space && b.charCodeAt(space) === 32 && b.startsWith(a.slice(0, space));
}
