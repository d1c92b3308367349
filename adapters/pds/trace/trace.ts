import { nameAtLeast, nameStronger, prepareNames } from '../names/name-compare.js';
import type { IndexedPerson } from '../person.js';
import { dateAtLeast, datePrecision, isCalendarDate } from './date-compare.js';
import { adjustForCommonNames, scoreCandidates, type CandidateScore } from './scoring.js';
import type { TraceConfig } from './trace-config.js';
import type { TraceSubject } from './trace-subject.js';

/** A candidate as a result lists it. */
export interface ScoredCandidate {
  nhsNumber: string;
  /** 0..1, 3 decimals; 1 = every core field exact (trace/scoring.ts). */
  score: number;
}

/** The trace's decision for one subject; candidates best first, at most config.reportedCandidates (plus a conflicting one). */
export type TraceResult =
  | { outcome: 'match'; person: IndexedPerson; method: 'cross-check' | 'alphanumeric'; score: number; candidates: ScoredCandidate[] }
  | { outcome: 'no-match' | 'ambiguous'; detail: string; candidates: ScoredCandidate[] };

/** Outcome of the alphanumeric rule before it is turned into a result. */
type Alphanumeric = { kind: 'match'; best: CandidateScore } | { kind: 'no-match' | 'ambiguous'; detail: string; also?: CandidateScore };

/**
 * Why a subject cannot be traced safely, or null when it can: without a family name there is
 * nothing to fetch candidates by, and without a date of birth neither the cross-check (number +
 * date) nor the alphanumeric trace (name + date) can confirm anyone.
 */
export function tooPoorToTrace(subject: TraceSubject): string | null {
  if (prepareNames(subject.familyNames).length === 0) return 'no family name';
  const dob = subject.dateOfBirth;
  if (dob === null) {
    return subject.nhsNumber === null ? 'no date of birth and no NHS number' : 'no date of birth, so the NHS number cannot be cross-checked';
  }
  if (!Number.isInteger(dob.year) || dob.year < 1000 || dob.year > 9999) return 'date of birth has no four-digit year';
  if (dob.month === null ? dob.day !== null : !isCalendarDate(dob.year, dob.month, dob.day ?? 1)) return 'date of birth is not a valid date';
  return null;
}

/**
 * Matches a subject against its candidates from the index. With a stated NHS number the numbered
 * person is cross-checked first; otherwise, or when that fails, the alphanumeric rule decides.
 * Whatever the path, a confident answer that contradicts the stated number is a conflict, never a
 * match, and a cross-checked person whom another candidate agrees with better is not accepted.
 */
export function traceSubject(subject: TraceSubject, candidates: readonly IndexedPerson[], config: TraceConfig): TraceResult {
  const raw = scoreCandidates(subject, candidates, config);
  const scored = config.rules.commonNameAdjustment ? adjustForCommonNames(raw, subject, config) : raw;
  const list = (...extra: Array<CandidateScore | undefined>): ScoredCandidate[] => reported(scored, config.reportedCandidates, extra);
  // A full list may be cut short. The index returns number and date-of-birth clauses first, so a full
  // date still sees every same-day namesake; a partial date is matched by name and year alone and
  // could have its person, or their namesake, cut off.
  const cut = candidates.length >= config.candidateLimit && subject.dateOfBirth !== null && datePrecision(subject.dateOfBirth) !== 'day';
  const alpha: Alphanumeric = cut
    ? { kind: 'ambiguous', detail: `${candidates.length} candidates reach the limit ${config.candidateLimit}; a partial date of birth cannot be told apart among them` }
    : alphanumeric(scored, config);
  const stated = subject.nhsNumber;
  if (stated === null) return fromAlphanumeric(alpha, list);

  const numbered = scored.find((c) => c.person.nhsNumber === stated);
  if (!numbered) {
    if (alpha.kind === 'match') {
      return { outcome: 'ambiguous', detail: `stated NHS number ${stated} is not in the index, but ${describe(alpha.best)} matches alphanumerically`, candidates: list(alpha.best) };
    }
    return { outcome: alpha.kind, detail: `stated NHS number ${stated} is not in the index; ${alpha.detail}`, candidates: list(alpha.also) };
  }
  const failure = config.crossCheck.enabled ? crossCheckFailure(numbered, config) : 'cross-check disabled';
  if (failure === null) {
    const rival = scored.find((c) => c !== numbered && c.weight > numbered.weight && ruleFailure(c, config) === null);
    if (rival) {
      return { outcome: 'ambiguous', detail: `NHS number ${stated} passes the cross-check, but ${describe(rival)} agrees better than ${describe(numbered)}`, candidates: list(numbered, rival) };
    }
    return { outcome: 'match', person: numbered.person, method: 'cross-check', score: round(numbered.score), candidates: list(numbered) };
  }
  if (alpha.kind === 'match') {
    if (alpha.best === numbered) return { outcome: 'match', person: numbered.person, method: 'alphanumeric', score: round(numbered.score), candidates: list(numbered) };
    return {
      outcome: 'ambiguous',
      detail: `conflict: NHS number ${stated} fails the cross-check (${failure}), and the alphanumeric trace picks ${describe(alpha.best)}`,
      candidates: list(numbered, alpha.best),
    };
  }
  return { outcome: alpha.kind, detail: `NHS number ${stated} fails the cross-check (${failure}); ${alpha.detail}`, candidates: list(numbered, alpha.also) };
}

/** Why the numbered person fails the cross-check, or null if they pass. */
function crossCheckFailure(c: CandidateScore, config: TraceConfig): string | null {
  return failure(c, config.crossCheck, config.rules.rejectGenderDisagreement);
}

/** Why a candidate cannot be an alphanumeric match whatever its score, or null. */
function ruleFailure(c: CandidateScore, config: TraceConfig): string | null {
  return failure(c, config.rules, config.rules.rejectGenderDisagreement);
}

function failure(c: CandidateScore, rules: TraceConfig['rules'] | TraceConfig['crossCheck'], rejectGender: boolean): string | null {
  const f = c.fields;
  if (f.dateOfBirth.level === 'unknown' || !dateAtLeast(f.dateOfBirth.level, rules.minimumDateAgreement)) return `date of birth ${f.dateOfBirth.level}`;
  if (!nameAtLeast(f.familyName.level, rules.minimumFamilyNameAgreement)) return `family name ${f.familyName.level}`;
  if (rules.requireGivenNameAgreement && givenNamesDisagree(c)) return 'given name disagrees';
  if (rejectGender && f.gender.level === 'disagree') return 'gender disagrees';
  return null;
}

/**
 * The usual given name disagrees and the middle names do not make up for it. A nickname the groups
 * do not know ("Ei" for Eileen) is forgiven when the middle names agree; a twin usually is not,
 * as twins seldom share a middle name.
 */
function givenNamesDisagree(c: CandidateScore): boolean {
  return c.fields.givenName.level === 'disagree' && c.fields.otherGivenNames.level !== 'agree';
}

/**
 * The alphanumeric rule: the best candidate passing the hard rules, if it scores at least the
 * threshold, beats every other candidate (eligible or not) by the margin, and is told apart from
 * any twin or same-day namesake.
 */
function alphanumeric(scored: readonly CandidateScore[], config: TraceConfig): Alphanumeric {
  if (scored.length === 0) return { kind: 'no-match', detail: 'no candidates in the index' };
  const best = scored.find((c) => ruleFailure(c, config) === null);
  if (!best) {
    const top = scored[0] as CandidateScore;
    return { kind: 'no-match', detail: `no candidate passes the rules; the best, ${describe(top)}, fails on ${ruleFailure(top, config) ?? '?'}` };
  }
  const { matchThreshold, minimumMargin } = config.thresholds;
  const runnerUp = scored.find((c) => c !== best);
  const close = runnerUp !== undefined && best.score - runnerUp.score < minimumMargin;
  if (best.score < matchThreshold) {
    // Several weak candidates alike are reported as such: a person then knows there is a choice.
    const kind = close && ruleFailure(runnerUp, config) === null ? 'ambiguous' : 'no-match';
    return { kind, detail: `the best candidate, ${describe(best)}, is below the threshold ${matchThreshold}`, also: best };
  }
  if (close) return { kind: 'ambiguous', detail: `${describe(best)} and ${describe(runnerUp)} are within the margin ${minimumMargin}`, also: best };
  const namesake = scored.find((c) => c !== best && c.person.dateOfBirth === best.person.dateOfBirth && c.fields.familyName.level !== 'disagree' && !toldApart(best, c, config));
  if (namesake) {
    return { kind: 'ambiguous', detail: `${describe(best)} is not told apart from ${describe(namesake)}, born the same day with an agreeing family name`, also: best };
  }
  return { kind: 'match', best };
}

/**
 * A twin or same-day namesake is told apart by a clearly better usual given name, by middle names
 * that agree where theirs disagree, or by the exact postcode where theirs is not.
 */
function toldApart(best: CandidateScore, other: CandidateScore, config: TraceConfig): boolean {
  const mine = best.fields.givenName.level;
  const theirs = other.fields.givenName.level;
  if (mine !== 'unknown' && nameAtLeast(mine, config.rules.namesakeGivenNameAgreement) && nameStronger(mine, theirs === 'unknown' ? 'disagree' : theirs)) {
    return true;
  }
  if (best.fields.otherGivenNames.level === 'agree' && other.fields.otherGivenNames.level === 'disagree') return true;
  return best.fields.postcode.level === 'exact' && other.fields.postcode.level !== 'exact';
}

function fromAlphanumeric(alpha: Alphanumeric, list: (...extra: Array<CandidateScore | undefined>) => ScoredCandidate[]): TraceResult {
  if (alpha.kind === 'match') return { outcome: 'match', person: alpha.best.person, method: 'alphanumeric', score: round(alpha.best.score), candidates: list(alpha.best) };
  return { outcome: alpha.kind, detail: alpha.detail, candidates: list(alpha.also) };
}

/** The best `limit` candidates, plus any of `extra` not among them (a conflict lists both sides). */
function reported(scored: readonly CandidateScore[], limit: number, extra: ReadonlyArray<CandidateScore | undefined>): ScoredCandidate[] {
  const top = scored.slice(0, limit);
  for (const c of extra) if (c && !top.includes(c)) top.push(c);
  return top.map((c) => ({ nhsNumber: c.person.nhsNumber, score: round(c.score) }));
}

/** A score as results show it: clamped to 0..1, 3 decimals. */
function round(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
}

/** "9434765919 (0.714: family exact, other family unknown, given exact, middle agree, dob exact, gender agree, postcode disagree)". */
function describe(c: CandidateScore): string {
  const f = c.fields;
  return `${c.person.nhsNumber} (${round(c.score)}: family ${f.familyName.level}, other family ${f.otherFamilyNames.level}, given ${f.givenName.level}, middle ${f.otherGivenNames.level}, dob ${f.dateOfBirth.level}, gender ${f.gender.level}, postcode ${f.postcode.level}${f.commonName.lookalikes > 0 ? `, ${f.commonName.lookalikes} lookalikes ${f.commonName.weight.toFixed(1)}` : ''})`;
}
