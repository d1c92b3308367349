/**
 * Scores the adapter's outputs for one GRO file against the generator's truth. Every first
 * registration must have exactly one outcome: a death notification to a GP practice, or a
 * message to the manual-resolution mailbox. A notification (or a `no-endpoint` manual case,
 * where the index was updated but no GP could be told) for anyone but the person who died is a
 * false match, the error that marks a living person dead.
 */
import type { Person } from '../../adapters/pds/person.js';
import type { OutputMessage } from './meshd-outputs.js';
import type { NoiseLabel } from './noise.js';
import type { Population } from './population.js';
import type { TruthEntry } from './registrations.js';

export const NOTIFICATION_WORKFLOW = 'DEATHNOTIFICATION_1';
export const MANUAL_WORKFLOW = 'GRO_DEATH_MANUAL_RESOLUTION';
export const SUMMARY_WORKFLOW = 'GRO_DEATH_REGISTRATION_ACK';
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
/** Mismatches kept per kind for the JSON file (false matches are always all kept). */
const MAX_KEPT_PER_KIND = 5000;

/** What the adapter did with one registration, as read from its output. */
export type Outcome =
  | { kind: 'notified'; mailbox: string; nhsNumber: string | null }
  | { kind: 'manual'; reason: string; detail: string; candidates: Array<{ nhsNumber: string; score: number }>; record: unknown };

export type MismatchKind = 'false-match' | 'missed' | 'wrong-practice' | 'missing' | 'duplicate' | 'unparseable';

/** One registration whose outcome was not the right one, with what is needed to see why. */
export interface Mismatch {
  kind: MismatchKind;
  registrationId: string;
  noise: NoiseLabel[];
  pair: TruthEntry['pair'];
  /** The person who died, as the index holds them (null: not in the index). */
  expected: Person | null;
  outcomes: Outcome[];
  /** For a false match: the person the death was applied to. */
  matchedPerson?: Person | null;
  error?: string;
}

/** The figures of one run. */
export interface Evaluation {
  registrations: number;
  inIndex: number;
  notified: number;
  notifiedCorrect: number;
  /** `no-endpoint` manual cases whose candidate is the right person: matched and recorded, no GP to tell. */
  matchedNoEndpoint: number;
  falseMatches: number;
  wrongPractice: number;
  manual: number;
  manualByReason: Record<string, number>;
  /** Not-in-index deaths sent to manual resolution: the right outcome for them. */
  manualCorrect: number;
  /** In the index, but sent to manual resolution (other than a right no-endpoint match). */
  missed: number;
  missedByNoise: Record<string, number>;
  missing: number;
  duplicates: number;
  unparseable: number;
  /** Outputs that are neither outcomes of a known registration nor the summary. */
  unexpected: number;
  summaries: unknown[];
  /** REPORT messages (a rejected file, an adapter error). */
  reports: string[];
  mismatches: Mismatch[];
}

/** Collects outputs, then scores them. */
export class Evaluator {
  private readonly outcomes = new Map<string, Outcome[]>();
  private readonly unparseable = new Map<string, string>();
  private unexpected = 0;
  private readonly summaries: unknown[] = [];
  private readonly reports: string[] = [];

  /**
   * @param truth first registrations by RegistrationID
   * @param odsOfMailbox the ODS code of each GP mailbox
   */
  constructor(
    private readonly truth: ReadonlyMap<string, TruthEntry>,
    private readonly population: Population,
    private readonly odsOfMailbox: ReadonlyMap<string, string>,
  ) {}

  /** Takes one output message of the source file. */
  add(output: OutputMessage): void {
    if (output.messageType === 'REPORT') {
      this.reports.push(`${output.messageId}: ${output.payload.toString('utf8').slice(0, 500)}`);
      return;
    }
    if (output.workflowId === SUMMARY_WORKFLOW) {
      this.summaries.push(parseJson(output.payload) ?? output.payload.toString('utf8').slice(0, 500));
      return;
    }
    const registrationId = output.localId?.startsWith('GRO-') ? output.localId.slice(4) : null;
    if (registrationId === null || !this.truth.has(registrationId) || (output.workflowId !== NOTIFICATION_WORKFLOW && output.workflowId !== MANUAL_WORKFLOW)) {
      this.unexpected += 1;
      return;
    }
    const body = parseJson(output.payload);
    let outcome: Outcome | string;
    if (output.workflowId === NOTIFICATION_WORKFLOW) outcome = body === null ? 'payload is not JSON' : { kind: 'notified', mailbox: output.recipient, nhsNumber: bundleNhsNumber(body) };
    else outcome = body === null ? 'payload is not JSON' : manualOutcome(body);
    if (typeof outcome === 'string') {
      this.unparseable.set(registrationId, `${output.messageId}: ${outcome}`);
      return;
    }
    const list = this.outcomes.get(registrationId);
    if (list) list.push(outcome);
    else this.outcomes.set(registrationId, [outcome]);
  }

  /** Scores every registration of the truth. */
  finish(): Evaluation {
    const e: Evaluation = {
      registrations: this.truth.size, inIndex: 0, notified: 0, notifiedCorrect: 0, matchedNoEndpoint: 0, falseMatches: 0, wrongPractice: 0,
      manual: 0, manualByReason: {}, manualCorrect: 0, missed: 0, missedByNoise: {}, missing: 0, duplicates: 0, unparseable: this.unparseable.size,
      unexpected: this.unexpected, summaries: this.summaries, reports: this.reports, mismatches: [],
    };
    const kept = new Map<MismatchKind, number>();
    const keep = (m: Mismatch): void => {
      const n = kept.get(m.kind) ?? 0;
      if (m.kind === 'false-match' || n < MAX_KEPT_PER_KIND) e.mismatches.push(m);
      kept.set(m.kind, n + 1);
    };
    for (const [registrationId, truth] of this.truth) {
      const outcomes = this.outcomes.get(registrationId) ?? [];
      const expected = truth.populationIndex === null ? null : this.population.personAt(truth.populationIndex).person;
      const base = { registrationId, noise: truth.noise, pair: truth.pair, expected, outcomes };
      if (expected) e.inIndex += 1;
      const broken = this.unparseable.get(registrationId);
      if (broken) keep({ ...base, kind: 'unparseable', error: broken });
      if (outcomes.length === 0) {
        e.missing += 1;
        if (!broken) keep({ ...base, kind: 'missing' });
        continue;
      }
      if (outcomes.length > 1) {
        e.duplicates += 1;
        keep({ ...base, kind: 'duplicate' });
      }
      // Every outcome is checked: one wrong notification among duplicates is still a false match.
      for (const outcome of outcomes) this.score(e, truth, expected, outcome, base, keep);
    }
    return e;
  }

  private score(e: Evaluation, truth: TruthEntry, expected: Person | null, outcome: Outcome, base: Omit<Mismatch, 'kind'>, keep: (m: Mismatch) => void): void {
    if (outcome.kind === 'notified') {
      e.notified += 1;
      if (outcome.nhsNumber !== null && outcome.nhsNumber === truth.nhsNumber) {
        e.notifiedCorrect += 1;
        if (this.odsOfMailbox.get(outcome.mailbox) !== expected?.gpPracticeOds) {
          e.wrongPractice += 1;
          keep({ ...base, kind: 'wrong-practice' });
        }
      } else {
        e.falseMatches += 1;
        keep({ ...base, kind: 'false-match', matchedPerson: this.personWith(outcome.nhsNumber) });
      }
      return;
    }
    e.manual += 1;
    e.manualByReason[outcome.reason] = (e.manualByReason[outcome.reason] ?? 0) + 1;
    if (outcome.reason === 'no-endpoint') {
      // The adapter recorded the death against its candidate before finding no GP to tell.
      const applied = outcome.candidates[0]?.nhsNumber ?? null;
      if (applied !== null && applied === truth.nhsNumber) {
        e.matchedNoEndpoint += 1;
        return;
      }
      if (applied !== null) {
        e.falseMatches += 1;
        keep({ ...base, kind: 'false-match', matchedPerson: this.personWith(applied) });
        return;
      }
    }
    if (truth.nhsNumber === null) {
      e.manualCorrect += 1;
      return;
    }
    e.missed += 1;
    for (const label of truth.noise.length > 0 ? truth.noise : (['none'] as const)) e.missedByNoise[label] = (e.missedByNoise[label] ?? 0) + 1;
    if (truth.pair) e.missedByNoise[`pair:${truth.pair}`] = (e.missedByNoise[`pair:${truth.pair}`] ?? 0) + 1;
    keep({ ...base, kind: 'missed' });
  }

  private personWith(nhsNumber: string | null): Person | null {
    if (nhsNumber === null) return null;
    const index = this.population.indexOfNhsNumber(nhsNumber);
    return index === null ? null : this.population.personAt(index).person;
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/** The NHS number of the Patient entry of a NEMS-shaped bundle, or null if there is none. */
export function bundleNhsNumber(bundle: unknown): string | null {
  const entries = (bundle as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return null;
  for (const entry of entries) {
    const resource = (entry as { resource?: { resourceType?: unknown; identifier?: unknown } })?.resource;
    if (resource?.resourceType !== 'Patient' || !Array.isArray(resource.identifier)) continue;
    for (const id of resource.identifier as Array<{ system?: unknown; value?: unknown }>) {
      if (id?.system === NHS_NUMBER_SYSTEM && typeof id.value === 'string') return id.value;
    }
  }
  return null;
}

function manualOutcome(body: unknown): Outcome | string {
  const b = body as { reason?: unknown; detail?: unknown; candidates?: unknown; record?: unknown };
  if (typeof b?.reason !== 'string') return 'manual-resolution payload has no reason';
  const candidates = Array.isArray(b.candidates)
    ? (b.candidates as Array<{ nhsNumber?: unknown; score?: unknown }>).filter((c) => typeof c?.nhsNumber === 'string').map((c) => ({ nhsNumber: c.nhsNumber as string, score: Number(c.score) }))
    : [];
  return { kind: 'manual', reason: b.reason, detail: typeof b.detail === 'string' ? b.detail : '', candidates, record: b.record };
}
