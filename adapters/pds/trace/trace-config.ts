import { DEFAULT_NAME_COMPARE_OPTIONS, type NameAgreement, type NameCompareOptions } from '../names/name-compare.js';
import type { DateAgreement } from './date-compare.js';

/**
 * Evidence weights, in bits: log2(m/u) for an agreement and log2((1-m)/(1-u)) for a disagreement,
 * where m is how often the level is seen when the candidate IS the person and u when they are not.
 * Fields the subject or the candidate lacks weigh 0. The README derives each default.
 */
export interface TraceWeights {
  familyName: Record<NameAgreement, number>;
  /**
   * Maiden and alias names beyond the best pair; `missing`: the index holds no other name to
   * compare; `previousOnly`: nothing else was stated and the best pair is a previous name.
   */
  otherFamilyNames: { agree: number; missing: number; disagree: number; previousOnly: number };
  /** The usual given name (name-compare.ts compareGivenNames). */
  givenName: Record<NameAgreement, number>;
  /**
   * Middle names and aliases, once the usual name is set aside; `missing`: the index holds none to
   * compare with the stated ones; `unstated`: the record states none of the index's.
   */
  otherGivenNames: { agree: number; missing: number; unstated: number; disagree: number };
  /** `partialMonth` and `partialYear` are the 'partial' level for a stated year+month and a year alone. */
  dateOfBirth: { exact: number; transposed: number; partialMonth: number; partialYear: number; typo: number; disagree: number };
  /** Male/female against male/female; 'other' or 'unknown' on either side weighs 0 unless both say 'other'. */
  gender: { agree: number; disagree: number };
  /** Full postcode, the same outward code only ("LS1"), or different. */
  postcode: { exact: number; outward: number; disagree: number };
}

/** The match rule on scores (1 = every core field exact; see scoring.ts CandidateScore.score). */
export interface TraceThresholds {
  /** The best candidate's score must reach this. */
  matchThreshold: number;
  /** ... and beat the runner-up by at least this. */
  minimumMargin: number;
}

/** Hard rules an alphanumeric match must pass whatever its score. */
export interface TraceRules {
  /** Weakest date-of-birth agreement accepted. */
  minimumDateAgreement: DateAgreement;
  /** Weakest family-name agreement accepted (against current or previous names). */
  minimumFamilyNameAgreement: NameAgreement;
  /** The usual given name must not disagree (phonetic or better), unless the middle names agree. */
  requireGivenNameAgreement: boolean;
  /** Male against female excludes the candidate. */
  rejectGenderDisagreement: boolean;
  /** Discount the names' evidence by how common they are among the candidates (scoring.ts adjustForCommonNames). */
  commonNameAdjustment: boolean;
  /**
   * When another candidate shares the best one's date of birth and also agrees on family name (a
   * twin, or a namesake born the same day), the best must be told apart by the usual given name
   * (this level or stronger, and strictly stronger than the other's), by middle names (agreeing
   * where the other's disagree) or by an exact postcode the other lacks.
   */
  namesakeGivenNameAgreement: NameAgreement;
}

/** The NHS-number cross-check: the numbered person is accepted when these hold. */
export interface CrossCheckConfig {
  enabled: boolean;
  minimumDateAgreement: DateAgreement;
  minimumFamilyNameAgreement: NameAgreement;
  /**
   * The usual given name must agree unless the middle names do: a twin's or a relative's number
   * shares their family name and perhaps their birthday, rarely their given names.
   */
  requireGivenNameAgreement: boolean;
}

/** Everything the trace can be tuned by (`trace:` in the gro-deaths adapter settings). */
export interface TraceConfig {
  weights: TraceWeights;
  thresholds: TraceThresholds;
  rules: TraceRules;
  crossCheck: CrossCheckConfig;
  nameComparison: NameCompareOptions;
  /** Candidates fetched from the index per subject (DemographicIndex.findCandidates limitPerQuery). */
  candidateLimit: number;
  /** Candidates listed in a result, best first. */
  reportedCandidates: number;
}

/** Defaults, tuned on the death-registration benchmark (README, "Tuning"). */
export const DEFAULT_TRACE_CONFIG: TraceConfig = {
  weights: {
    familyName: { exact: 9, variant: 6, typo: 4, phonetic: 2.5, disagree: -6.5 },
    otherFamilyNames: { agree: 4, missing: -1, disagree: -3, previousOnly: -3 },
    givenName: { exact: 6.5, variant: 4.5, typo: 3, phonetic: 2, disagree: -5.5 },
    otherGivenNames: { agree: 3, missing: -1.5, unstated: -3, disagree: -5 },
    dateOfBirth: { exact: 13, transposed: 8, partialMonth: 9.5, partialYear: 6, typo: 6, disagree: -5.5 },
    gender: { agree: 1, disagree: -5.5 },
    postcode: { exact: 9, outward: 4, disagree: -2 },
  },
  thresholds: { matchThreshold: 0.65, minimumMargin: 0.15 },
  rules: {
    minimumDateAgreement: 'partial',
    minimumFamilyNameAgreement: 'phonetic',
    requireGivenNameAgreement: true,
    rejectGenderDisagreement: true,
    commonNameAdjustment: true,
    namesakeGivenNameAgreement: 'variant',
  },
  crossCheck: { enabled: true, minimumDateAgreement: 'partial', minimumFamilyNameAgreement: 'phonetic', requireGivenNameAgreement: true },
  nameComparison: DEFAULT_NAME_COMPARE_OPTIONS,
  candidateLimit: 200,
  reportedCandidates: 5,
};

type Leaf =
  | { kind: 'number'; min: number; max: number }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] };
type Spec = { [key: string]: Leaf | Spec };

const MAX_WEIGHT = 40;
const AGREE: Leaf = { kind: 'number', min: 0, max: MAX_WEIGHT };
const DISAGREE: Leaf = { kind: 'number', min: -MAX_WEIGHT, max: 0 };
const NAME_WEIGHTS: Spec = { exact: AGREE, variant: AGREE, typo: AGREE, phonetic: AGREE, disagree: DISAGREE };
// 'disagree' as a minimum would switch the rule off; that is what a weight of 0 is for.
const NAME_MINIMUM: Leaf = { kind: 'enum', values: ['exact', 'variant', 'typo', 'phonetic'] };
const DATE_MINIMUM: Leaf = { kind: 'enum', values: ['exact', 'transposed', 'partial', 'typo'] };
const UNIT: Leaf = { kind: 'number', min: 0, max: 1 };

const SPEC: Spec = {
  weights: {
    familyName: NAME_WEIGHTS,
    otherFamilyNames: { agree: AGREE, missing: DISAGREE, disagree: DISAGREE, previousOnly: DISAGREE },
    givenName: NAME_WEIGHTS,
    otherGivenNames: { agree: AGREE, missing: DISAGREE, unstated: DISAGREE, disagree: DISAGREE },
    dateOfBirth: { exact: AGREE, transposed: AGREE, partialMonth: AGREE, partialYear: AGREE, typo: AGREE, disagree: DISAGREE },
    gender: { agree: AGREE, disagree: DISAGREE },
    postcode: { exact: AGREE, outward: AGREE, disagree: DISAGREE },
  },
  thresholds: { matchThreshold: UNIT, minimumMargin: UNIT },
  rules: {
    minimumDateAgreement: DATE_MINIMUM,
    minimumFamilyNameAgreement: NAME_MINIMUM,
    requireGivenNameAgreement: { kind: 'boolean' },
    rejectGenderDisagreement: { kind: 'boolean' },
    commonNameAdjustment: { kind: 'boolean' },
    namesakeGivenNameAgreement: NAME_MINIMUM,
  },
  crossCheck: {
    enabled: { kind: 'boolean' },
    minimumDateAgreement: DATE_MINIMUM,
    minimumFamilyNameAgreement: NAME_MINIMUM,
    requireGivenNameAgreement: { kind: 'boolean' },
  },
  nameComparison: {
    typoJaroWinkler: { kind: 'number', min: 0.8, max: 1 },
    jaroWinklerMinLength: { kind: 'integer', min: 1, max: 20 },
    editDistanceMinLength: { kind: 'integer', min: 1, max: 20 },
    initialsAgree: { kind: 'boolean' },
  },
  candidateLimit: { kind: 'integer', min: 1, max: 10_000 },
  reportedCandidates: { kind: 'integer', min: 1, max: 100 },
};

/** Stronger levels must not weigh less than weaker ones, or a better agreement would lower a score. */
const ORDERS: ReadonlyArray<readonly string[]> = [
  ['weights.familyName', 'exact', 'variant', 'typo', 'phonetic', 'disagree'],
  ['weights.givenName', 'exact', 'variant', 'typo', 'phonetic', 'disagree'],
  ['weights.dateOfBirth', 'exact', 'transposed', 'disagree'],
  ['weights.dateOfBirth', 'exact', 'partialMonth', 'partialYear', 'disagree'],
  ['weights.dateOfBirth', 'exact', 'typo', 'disagree'],
  ['weights.postcode', 'exact', 'outward', 'disagree'],
  ['weights.otherGivenNames', 'agree', 'missing', 'disagree'],
  ['weights.otherGivenNames', 'agree', 'unstated', 'disagree'],
  ['weights.otherFamilyNames', 'agree', 'missing', 'disagree'],
];

/**
 * The defaults with `value`'s overrides merged in (any key may be left out), or an error naming the
 * first bad path: unknown key, wrong type, value out of range, or weights out of order.
 */
export function parseTraceConfig(value: unknown): TraceConfig | string {
  if (value === undefined || value === null) return DEFAULT_TRACE_CONFIG;
  const merged = mergeSection(SPEC, DEFAULT_TRACE_CONFIG as unknown as Record<string, unknown>, value, '');
  if (typeof merged === 'string') return merged;
  const config = merged as unknown as TraceConfig;
  for (const [section, ...levels] of ORDERS) {
    const weights = section === undefined ? undefined : (at(config, section) as Record<string, number>);
    if (!weights) continue;
    for (let i = 1; i < levels.length; i++) {
      const stronger = levels[i - 1] ?? '';
      const weaker = levels[i] ?? '';
      if ((weights[weaker] ?? 0) > (weights[stronger] ?? 0)) return `${section}.${weaker} must not exceed ${section}.${stronger}`;
    }
  }
  if (maxScoreWeight(config.weights) <= 0) return 'weights: the exact weights must not all be 0';
  return config;
}

/**
 * The total weight of a candidate exact on the core fields (family name, usual given name, date
 * of birth, gender, postcode): the score's 1.0. Middle and maiden names are extra evidence on top.
 */
export function maxScoreWeight(w: TraceWeights): number {
  return w.familyName.exact + w.givenName.exact + w.dateOfBirth.exact + w.gender.agree + w.postcode.exact;
}

function mergeSection(spec: Spec, defaults: Record<string, unknown>, value: unknown, path: string): Record<string, unknown> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path || 'trace settings'} must be an object`;
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(spec, key)) return `${join(path, key)} is not a known setting`;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(spec)) {
    const childPath = join(path, key);
    const fallback = defaults[key];
    if (!Object.hasOwn(given, key) || given[key] === undefined) {
      out[key] = fallback;
      continue;
    }
    const v = given[key];
    if (isLeaf(child)) {
      const error = checkLeaf(child, v, childPath);
      if (error) return error;
      out[key] = v;
    } else {
      const merged = mergeSection(child, fallback as Record<string, unknown>, v, childPath);
      if (typeof merged === 'string') return merged;
      out[key] = merged;
    }
  }
  return out;
}

function checkLeaf(leaf: Leaf, v: unknown, path: string): string | null {
  switch (leaf.kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= leaf.min && v <= leaf.max ? null : `${path} must be a number between ${leaf.min} and ${leaf.max}`;
    case 'integer':
      return Number.isInteger(v) && (v as number) >= leaf.min && (v as number) <= leaf.max ? null : `${path} must be an integer between ${leaf.min} and ${leaf.max}`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `${path} must be true or false`;
    case 'enum':
      return typeof v === 'string' && leaf.values.includes(v) ? null : `${path} must be one of ${leaf.values.join(', ')}`;
  }
}

function isLeaf(node: Leaf | Spec): node is Leaf {
  return typeof (node as { kind?: unknown }).kind === 'string';
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function at(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}
