import { createHash } from 'node:crypto';
import type { ScoredCandidate } from '../pds/trace/trace.js';
import type { ManualReason } from './registration-decision.js';
import type { GroRegistration, InvalidRegistration } from './registration.js';

/** mex-LocalID of every output about a registration, so each outcome leads back to it. */
export function localIdOf(registrationId: string | null, ordinal: number): string {
  return registrationId === null ? `GRO-RECORD-${ordinal}` : `GRO-${registrationId}`;
}

/** A UUID derived from a name, so a replayed record's bundle carries the IDs it had the first time. */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  // Version 4 layout (variant bits set) over hash bytes: unique per name, stable across runs.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The manual-resolution message: what a person needs to decide, and nothing they do not. */
export function manualResolutionPayload(
  record: GroRegistration | InvalidRegistration,
  reason: ManualReason,
  detail: string,
  candidates: readonly ScoredCandidate[],
): string {
  const body =
    'errors' in record
      ? { registrationId: record.registrationId, reason, detail, errors: record.errors, record: { ordinal: record.ordinal, fields: record.fields }, candidates: [] }
      : { registrationId: record.registrationId, reason, detail, record, candidates: candidates.map((c) => ({ nhsNumber: c.nhsNumber, score: c.score })) };
  return JSON.stringify(body);
}

/** Counts over one GRO file, kept in the batch checkpoint and sent to the GRO sender at the end. */
export interface FileCounts {
  records: number;
  /** Registrations applied to a person in the index (formal death recorded or updated). */
  matched: number;
  /** Notifications sent to GP practices (deaths, corrections and cancellations). */
  notified: number;
  manual: number;
  manualByReason: Partial<Record<ManualReason, number>>;
  /** Records that failed validation (also counted in manual, reason invalid). */
  invalid: number;
  amendments: number;
  cancelled: number;
  /** Versions applied before, or amendments that changed nothing: no output. */
  unchanged: number;
}

/** Counts before the first record. */
export function emptyCounts(): FileCounts {
  return { records: 0, matched: 0, notified: 0, manual: 0, manualByReason: {}, invalid: 0, amendments: 0, cancelled: 0, unchanged: 0 };
}

/** The per-file summary to the GRO sender. */
export function fileSummaryPayload(fileMessageId: string, localId: string | null, counts: FileCounts): string {
  return JSON.stringify({ messageId: fileMessageId, localId, status: 'processed', ...counts });
}
