import type { DeathChange, RegistrationState } from '../pds/demographic-index.js';
import type { DeathStatus, IndexedPerson } from '../pds/person.js';
import type { ScoredCandidate, TraceResult } from '../pds/trace/trace.js';
import type { GroRegistration } from './registration.js';
import { isoDateOf } from './trace-subject-of.js';

/** Why a registration went to a person: the three reasons, plus two this adapter adds. */
export type ManualReason = 'no-match' | 'ambiguous' | 'invalid' | 'amendment' | 'no-endpoint';

/** What to do with one registration. */
export type Decision =
  /** Tell the person's GP practice: a formal death (status 2) or its removal (U, a cancellation). */
  | { kind: 'notify'; person: IndexedPerson; status: '2' | 'U'; dateOfDeath: string | null; detail: string }
  | { kind: 'manual'; reason: ManualReason; detail: string; candidates: ScoredCandidate[] }
  /** Nothing to send: a repeat of a version already applied, or an amendment that changes nothing. */
  | { kind: 'unchanged'; detail: string };

/** A decision and what it changes in the index. */
export interface DecisionResult {
  decision: Decision;
  state: RegistrationState | null;
  death: DeathChange | null;
}

/** A person's death status as it stands, counting changes made earlier in the same batch. */
export interface DeathOverlay {
  status: DeathStatus;
  dateOfDeath: string | null;
  registrationId: string | null;
}

export interface DecisionInput {
  reg: GroRegistration;
  /** What the index remembers of this RegistrationID, if anything. */
  prior: RegistrationState | undefined;
  /** The trace of this record, or the reason it cannot be traced. */
  trace: TraceResult | { poor: string };
  /** The person the prior version was applied to, when there was one. */
  priorPerson: IndexedPerson | null;
  deathOf(person: IndexedPerson): DeathOverlay;
  sourceMessageId: string;
  now: number;
}

/**
 * Decides one registration. New registrations are traced: one confident match records a formal
 * death; anything else goes to a person. A repeated RegistrationID is an amendment of what was
 * applied before, never a second death: cancellation (4) reverts it, cancellation removed (5)
 * restores it, and corrections (1-3) update the date of death only while the corrected record
 * still matches the same person; otherwise a person decides, and nothing applied is undone
 * automatically, because reverting a real death is as harmful as recording a false one.
 */
export function decideRegistration(input: DecisionInput): DecisionResult {
  const { reg, prior } = input;
  const version = reg.updatedAt ?? reg.lockedAt ?? '';
  if (prior === undefined) return withOutcome(newRegistration(input, version));
  if (prior.sourceMessageId === input.sourceMessageId && prior.recordVersion === version) {
    const again = replayed(prior, input.priorPerson);
    if (again) return again;
  }
  if (prior.recordVersion === version) return unchanged(`registration ${reg.registrationId} version ${version} was applied already`);
  if (reg.updateReason === null) return withOutcome(manualOnly(input, version, 'amendment', `RegistrationID ${reg.registrationId} repeated without an update reason`));
  if (reg.updateReason === 4) return withOutcome(cancellation(input, prior, version));
  if (reg.updateReason === 5 && prior.cancelled) return withOutcome(cancellationRemoved(input, prior, version));
  if (prior.cancelled) return withOutcome(manualOnly(input, version, 'amendment', `update reason ${reg.updateReason} to registration ${reg.registrationId}, which was cancelled`));
  // A correction to a registration that went to a person is traced afresh, as a new one would be.
  if (prior.nhsNumber === null) return withOutcome(newRegistration(input, version));
  return withOutcome(correction(input, prior, version));
}

/** The decision as the index keeps it: everything but the person, who is found again by NHS number. */
interface StoredOutcome {
  kind: Decision['kind'];
  reason?: ManualReason;
  status?: '2' | 'U';
  nhsNumber?: string;
  dateOfDeath?: string | null;
  detail: string;
  candidates?: ScoredCandidate[];
}

/** Records the decision in the state, for replays. */
function withOutcome(result: DecisionResult): DecisionResult {
  if (!result.state) return result;
  const d = result.decision;
  const stored: StoredOutcome =
    d.kind === 'notify'
      ? { kind: 'notify', status: d.status, nhsNumber: d.person.nhsNumber, dateOfDeath: d.dateOfDeath, detail: d.detail }
      : d.kind === 'manual'
        ? { kind: 'manual', reason: d.reason, detail: d.detail, candidates: d.candidates }
        : { kind: 'unchanged', detail: d.detail };
  return { ...result, state: { ...result.state, outcome: JSON.stringify(stored) } };
}

/**
 * This very file applied this version already (the index was written, then the process stopped
 * before its outputs were committed): the same decision again, changing nothing further.
 */
function replayed(prior: RegistrationState, person: IndexedPerson | null): DecisionResult | null {
  if (!prior.outcome) return null;
  const stored = JSON.parse(prior.outcome) as StoredOutcome;
  if (stored.kind === 'notify') {
    if (!person || person.nhsNumber !== stored.nhsNumber) return null;
    return { decision: { kind: 'notify', person, status: stored.status ?? '2', dateOfDeath: stored.dateOfDeath ?? null, detail: stored.detail }, state: null, death: null };
  }
  if (stored.kind === 'manual') return { decision: { kind: 'manual', reason: stored.reason ?? 'amendment', detail: stored.detail, candidates: stored.candidates ?? [] }, state: null, death: null };
  return { decision: { kind: 'unchanged', detail: stored.detail }, state: null, death: null };
}

function newRegistration(input: DecisionInput, version: string): DecisionResult {
  const { reg, trace } = input;
  if ('poor' in trace) return manualOnly(input, version, 'invalid', trace.poor);
  if (trace.outcome !== 'match') return manualOnly(input, version, trace.outcome, trace.detail, trace.candidates);
  const person = trace.person;
  const current = input.deathOf(person);
  if (current.status === 2 && current.registrationId !== reg.registrationId) {
    return manualOnly(input, version, 'ambiguous', `the matched person is already recorded dead by registration ${current.registrationId ?? 'unknown'}`, trace.candidates);
  }
  const dateOfDeath = isoDateOf(reg.deathDate);
  return {
    decision: { kind: 'notify', person, status: '2', dateOfDeath, detail: `${trace.method} match, score ${trace.score}` },
    state: stateFor(input, version, person.nhsNumber, false, dateOfDeath, current.status, current.dateOfDeath),
    death: { nhsNumber: person.nhsNumber, status: 2, dateOfDeath, registrationId: reg.registrationId },
  };
}

function cancellation(input: DecisionInput, prior: RegistrationState, version: string): DecisionResult {
  const { reg, priorPerson } = input;
  if (prior.cancelled) return unchanged(`registration ${reg.registrationId} is cancelled already`);
  if (prior.nhsNumber === null || priorPerson === null) {
    return manualOnly(input, version, 'amendment', `registration ${reg.registrationId} was cancelled; it had gone to manual resolution`);
  }
  const state = { ...prior, recordVersion: version, updateReason: 4, cancelled: true, sourceMessageId: input.sourceMessageId, updatedAt: input.now };
  const current = input.deathOf(priorPerson);
  // Only the death this registration set is reverted; a later one from elsewhere stands.
  const death = current.registrationId === reg.registrationId ? { nhsNumber: priorPerson.nhsNumber, status: prior.priorDeathStatus, dateOfDeath: prior.priorDateOfDeath, registrationId: null } : null;
  return { decision: { kind: 'notify', person: priorPerson, status: 'U', dateOfDeath: null, detail: `registration ${reg.registrationId} cancelled` }, state, death };
}

function cancellationRemoved(input: DecisionInput, prior: RegistrationState, version: string): DecisionResult {
  const { reg, priorPerson } = input;
  if (prior.nhsNumber === null || priorPerson === null) {
    return manualOnly(input, version, 'amendment', `cancellation of registration ${reg.registrationId} removed; it had gone to manual resolution`);
  }
  const current = input.deathOf(priorPerson);
  if (current.status === 2 && current.registrationId !== reg.registrationId) {
    return manualOnly(input, version, 'amendment', `cancellation of registration ${reg.registrationId} removed, but the person is now recorded dead by registration ${current.registrationId ?? 'unknown'}`);
  }
  const dateOfDeath = isoDateOf(reg.deathDate) ?? prior.dateOfDeath;
  return {
    decision: { kind: 'notify', person: priorPerson, status: '2', dateOfDeath, detail: `cancellation of registration ${reg.registrationId} removed` },
    state: stateFor(input, version, priorPerson.nhsNumber, false, dateOfDeath, current.status, current.dateOfDeath),
    death: { nhsNumber: priorPerson.nhsNumber, status: 2, dateOfDeath, registrationId: reg.registrationId },
  };
}

function correction(input: DecisionInput, prior: RegistrationState, version: string): DecisionResult {
  const { reg, trace, priorPerson } = input;
  const same = !('poor' in trace) && trace.outcome === 'match' && trace.person.nhsNumber === prior.nhsNumber;
  if (!same || priorPerson === null) {
    const candidates = 'poor' in trace ? [] : trace.candidates;
    return manualOnly(input, version, 'amendment', `corrected registration ${reg.registrationId} no longer matches the person it was applied to confidently; their formal death stands until resolved`, candidates, prior);
  }
  const dateOfDeath = isoDateOf(reg.deathDate);
  const state = { ...prior, recordVersion: version, updateReason: reg.updateReason, dateOfDeath, sourceMessageId: input.sourceMessageId, updatedAt: input.now };
  if (dateOfDeath === prior.dateOfDeath) return { decision: { kind: 'unchanged', detail: `correction to registration ${reg.registrationId} changes nothing the index holds` }, state, death: null };
  return {
    decision: { kind: 'notify', person: priorPerson, status: '2', dateOfDeath, detail: `date of death corrected by update reason ${reg.updateReason}` },
    state,
    death: { nhsNumber: priorPerson.nhsNumber, status: 2, dateOfDeath, registrationId: reg.registrationId },
  };
}

function manualOnly(input: DecisionInput, version: string, reason: ManualReason, detail: string, candidates: ScoredCandidate[] = [], keep?: RegistrationState): DecisionResult {
  const { reg } = input;
  // A registration that goes to a person is remembered too, so its amendments find it.
  const state = keep
    ? { ...keep, recordVersion: version, updateReason: reg.updateReason, sourceMessageId: input.sourceMessageId, updatedAt: input.now }
    : stateFor(input, version, input.prior?.nhsNumber ?? null, input.prior?.cancelled ?? false, isoDateOf(reg.deathDate), input.prior?.priorDeathStatus ?? 0, input.prior?.priorDateOfDeath ?? null);
  return { decision: { kind: 'manual', reason, detail, candidates }, state, death: null };
}

function unchanged(detail: string): DecisionResult {
  return { decision: { kind: 'unchanged', detail }, state: null, death: null };
}

function stateFor(input: DecisionInput, version: string, nhsNumber: string | null, cancelled: boolean, dateOfDeath: string | null, priorDeathStatus: DeathStatus, priorDateOfDeath: string | null): RegistrationState {
  return {
    registrationId: input.reg.registrationId,
    nhsNumber,
    recordVersion: version,
    updateReason: input.reg.updateReason,
    cancelled,
    dateOfDeath,
    priorDeathStatus,
    priorDateOfDeath,
    sourceMessageId: input.sourceMessageId,
    updatedAt: input.now,
  };
}
