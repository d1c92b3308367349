import type { Adapter, AdapterContext } from '../../broker/adapters/adapter.js';
import type { MessageRecord } from '../../broker/message/model.js';
import { UnrecoverableError } from '../../broker/transport/transport.js';
import type { DeathChange, DemographicIndex, RegistrationState } from '../pds/demographic-index.js';
import type { IndexedPerson } from '../pds/person.js';
import { buildCandidateQuery } from '../pds/trace/candidate-query.js';
import { tooPoorToTrace, traceSubject, type TraceResult } from '../pds/trace/trace.js';
import { deathNotificationBundle } from './fhir/death-notification-bundle.js';
import { parseGroDeathsSettings, type GroDeathsSettings } from './gro-deaths-settings.js';
import { emptyCounts, fileSummaryPayload, localIdOf, manualResolutionPayload, stableUuid, type FileCounts } from './outputs.js';
import { decideRegistration, type DeathOverlay, type Decision, type ManualReason } from './registration-decision.js';
import type { GroRegistration, InvalidRegistration } from './registration.js';
import { traceSubjectOf } from './trace-subject-of.js';
import { readGroRegistrations, scanGroFile } from './xml/gro-xml-reader.js';

/** What the adapter needs beyond its context: the demographic index, and a clock for tests. */
export interface GroDeathsServices {
  demographics: DemographicIndex;
  now?: () => number;
}

/** MESH code 15 ("bad file") is what MESH uses for a payload whose content it refuses. */
const REJECTED_FILE_CODE = '15';

/**
 * gro-deaths: a GRO death-registration file in; per registration, a FHIR death notification to the
 * deceased's GP practice when the index holds exactly one confident match (and the formal death is
 * recorded), or a message to the manual-resolution mailbox; then one summary to the GRO sender.
 * The file is checked whole before anything is applied, then processed in batches that each
 * commit their index changes and outputs, so a crash resumes where it stopped.
 */
export function groDeathsAdapter(services: GroDeathsServices): Adapter {
  const now = services.now ?? Date.now;
  return {
    name: 'gro-deaths',
    workflows: ['GRO_DEATH_REGISTRATION'],
    validateSettings(settings) {
      const parsed = parseGroDeathsSettings(settings);
      return typeof parsed === 'string' ? parsed : null;
    },
    async handle(message, ctx) {
      const settings = parseGroDeathsSettings(ctx.settings);
      if (typeof settings === 'string') throw new UnrecoverableError(settings);
      const manual = ctx.lookupMailbox(settings.manualResolutionMailbox);
      if (!manual?.active) throw new UnrecoverableError(`manual-resolution mailbox ${settings.manualResolutionMailbox} is not an active mailbox`);

      const scan = await scanGroFile(await ctx.readPayload(), settings.xml);
      if (!scan.ok) {
        ctx.logger.warn({ messageId: message.messageId, mailbox: message.sender, code: scan.code }, 'GRO file rejected');
        ctx.report(REJECTED_FILE_CODE, `GRO file rejected (${scan.code}): ${scan.message}`.slice(0, 500));
        return;
      }
      const run = new FileRun(message, ctx, settings, services.demographics, now);
      await run.process(scan.records);
    },
  };
}

/** One GRO file's processing: batches of records, their decisions, index changes and outputs. */
class FileRun {
  private counts: FileCounts = emptyCounts();
  private readonly today: string;

  constructor(
    private readonly message: MessageRecord,
    private readonly ctx: AdapterContext,
    private readonly settings: GroDeathsSettings,
    private readonly index: DemographicIndex,
    private readonly now: () => number,
  ) {
    this.today = new Date(now()).toISOString().slice(0, 10);
  }

  async process(expectedRecords: number): Promise<void> {
    const start = await this.ctx.progress();
    if (start.state) this.counts = start.state as FileCounts;
    let batch: Array<GroRegistration | InvalidRegistration> = [];
    for await (const record of readGroRegistrations(await this.ctx.readPayload(), this.settings.xml, { today: this.today })) {
      if (record.ordinal <= start.records) continue;
      batch.push(record);
      if (batch.length >= this.settings.batchSize) {
        await this.processBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.processBatch(batch);
    if (this.counts.records !== expectedRecords) throw new Error(`read ${this.counts.records} registrations, expected ${expectedRecords}`);
    this.ctx.emit({
      to: this.message.sender,
      workflowId: this.settings.summaryWorkflow,
      key: 'SUMMARY',
      subject: 'GRO death registrations processed',
      localId: this.message.localId,
      fileName: 'gro-summary.json',
      contentType: 'application/json',
      payload: fileSummaryPayload(this.message.messageId, this.message.localId, this.counts),
    });
    this.ctx.logger.info({ messageId: this.message.messageId, mailbox: this.message.sender, ...this.counts, manualByReason: undefined }, 'GRO file processed');
  }

  private async processBatch(records: Array<GroRegistration | InvalidRegistration>): Promise<void> {
    const valid = records.filter((r): r is GroRegistration => !('errors' in r));
    const priors = await this.index.getRegistrations([...new Set(valid.map((r) => r.registrationId))]);
    const traces = await this.traceAll(valid);
    const priorPeople = await this.priorPeople(priors);
    const overlay = new Map<string, DeathOverlay>();
    const states: RegistrationState[] = [];
    const deaths: DeathChange[] = [];
    const counts = structuredClone(this.counts);

    for (const record of records) {
      counts.records += 1;
      if ('errors' in record) {
        this.emitManual(record, 'invalid', record.errors.join('; '), [], counts);
        counts.invalid += 1;
        continue;
      }
      const prior = priors.get(record.registrationId);
      const result = decideRegistration({
        reg: record,
        prior,
        trace: traces.get(record.ordinal)!,
        priorPerson: prior?.nhsNumber ? (priorPeople.get(prior.nhsNumber) ?? null) : null,
        deathOf: (p) => overlay.get(p.nhsNumber) ?? { status: p.deathStatus, dateOfDeath: p.dateOfDeath, registrationId: p.deathRegistrationId },
        sourceMessageId: this.message.messageId,
        now: this.now(),
      });
      // A cancellation later in the batch must find the person this record applied to.
      if (result.decision.kind === 'notify') priorPeople.set(result.decision.person.nhsNumber, result.decision.person);
      if (result.state) {
        states.push(result.state);
        // A later record of the same file sees this one's state, as the index will hold it.
        priors.set(record.registrationId, result.state);
      }
      if (result.death) {
        deaths.push(result.death);
        overlay.set(result.death.nhsNumber, { status: result.death.status, dateOfDeath: result.death.dateOfDeath, registrationId: result.death.registrationId });
      }
      // Counted from the decision, not the index change, so a replayed batch counts the same.
      if (result.decision.kind === 'notify' && result.decision.status === '2') counts.matched += 1;
      if (record.updateReason !== null) counts.amendments += 1;
      if (record.updateReason === 4 && result.decision.kind === 'notify') counts.cancelled += 1;
      this.emitDecision(record, result.decision, counts);
    }
    // The index first, then the outputs: replaying a batch whose outputs were lost finds its
    // states (with their decisions) and sends the same again; the reverse order could lose deaths.
    await this.index.applyRegistrations(states, deaths);
    await this.ctx.commitBatch({ records: records[records.length - 1]!.ordinal, state: counts });
    this.counts = counts;
  }

  /** Traces every record of the batch, with one candidate lookup for all of them. */
  private async traceAll(valid: GroRegistration[]): Promise<Map<number, TraceResult | { poor: string }>> {
    const out = new Map<number, TraceResult | { poor: string }>();
    const traceable: Array<{ ordinal: number; subject: ReturnType<typeof traceSubjectOf> }> = [];
    for (const reg of valid) {
      const subject = traceSubjectOf(reg);
      const poor = tooPoorToTrace(subject);
      if (poor) out.set(reg.ordinal, { poor });
      else traceable.push({ ordinal: reg.ordinal, subject });
    }
    const candidates = await this.index.findCandidates(traceable.map((t) => buildCandidateQuery(t.subject)), this.settings.trace.candidateLimit);
    traceable.forEach((t, i) => out.set(t.ordinal, traceSubject(t.subject, candidates[i] ?? [], this.settings.trace)));
    return out;
  }

  private async priorPeople(priors: Map<string, RegistrationState>): Promise<Map<string, IndexedPerson>> {
    const out = new Map<string, IndexedPerson>();
    for (const state of priors.values()) {
      if (state.nhsNumber === null || out.has(state.nhsNumber)) continue;
      const person = await this.index.getPerson(state.nhsNumber);
      if (person) out.set(state.nhsNumber, person);
    }
    return out;
  }

  private emitDecision(reg: GroRegistration, decision: Decision, counts: FileCounts): void {
    if (decision.kind === 'unchanged') {
      counts.unchanged += 1;
      return;
    }
    if (decision.kind === 'manual') {
      this.emitManual(reg, decision.reason, decision.detail, decision.candidates, counts);
      return;
    }
    const practice = decision.person.gpPracticeOds;
    const gps = practice ? this.ctx.lookupEndpoint(practice, this.settings.notificationWorkflow) : [];
    if (gps.length !== 1) {
      const why = practice === null ? 'the person has no registered GP practice' : `${gps.length} mailboxes receive ${this.settings.notificationWorkflow} for practice ${practice}`;
      this.emitManual(reg, 'no-endpoint', `${decision.detail}; the index records it, but the GP cannot be told: ${why}`, [{ nhsNumber: decision.person.nhsNumber, score: 1 }], counts);
      return;
    }
    const name = `${this.message.messageId}:${reg.ordinal}`;
    const bundle = deathNotificationBundle({
      bundleId: stableUuid(`${name}:bundle`),
      messageHeaderId: stableUuid(`${name}:header`),
      person: decision.person,
      deathStatus: decision.status,
      dateOfDeath: decision.dateOfDeath,
      registrationId: reg.registrationId,
      lastUpdated: new Date(this.now()).toISOString().replace('Z', '+00:00'),
      senderOds: this.settings.publisherOds,
      recipientOds: practice!,
    });
    this.ctx.emit({
      to: gps[0]!.mailboxId,
      workflowId: this.settings.notificationWorkflow,
      key: `R${reg.ordinal}`,
      subject: 'PDS death notification',
      localId: localIdOf(reg.registrationId, reg.ordinal),
      fileName: `${localIdOf(reg.registrationId, reg.ordinal)}.json`,
      contentType: 'application/fhir+json',
      payload: JSON.stringify(bundle),
    });
    counts.notified += 1;
  }

  private emitManual(record: GroRegistration | InvalidRegistration, reason: ManualReason, detail: string, candidates: Parameters<typeof manualResolutionPayload>[3], counts: FileCounts): void {
    this.ctx.emit({
      to: this.settings.manualResolutionMailbox,
      workflowId: this.settings.manualResolutionWorkflow,
      key: `R${record.ordinal}`,
      subject: `GRO registration for manual resolution: ${reason}`,
      localId: localIdOf(record.registrationId, record.ordinal),
      fileName: `${localIdOf(record.registrationId, record.ordinal)}.json`,
      contentType: 'application/json',
      payload: manualResolutionPayload(record, reason, detail, candidates),
    });
    counts.manual += 1;
    counts.manualByReason[reason] = (counts.manualByReason[reason] ?? 0) + 1;
  }
}
