/**
 * Streams an import file into the demographic index: lines are read and checked one at a time,
 * valid people written in batches (one transaction each), invalid lines reported and skipped.
 * While one batch is being written the next is read, so parsing and the database overlap.
 */

import type { Readable } from 'node:stream';
import type { DemographicIndex } from '../demographic-index.js';
import type { Person } from '../person.js';
import { readCsv } from './csv-lines.js';
import { readNdjson, type LineItem } from './ndjson-lines.js';
import { parsePersonRecord, personLimits, type PersonLimits } from './person-record.js';

/** What one import did. */
export interface ImportSummary {
  /** Records read: non-blank lines (a CSV record spanning lines counts once; the header not at all). */
  lines: number;
  /** People written: inserted + updated. */
  imported: number;
  inserted: number;
  updated: number;
  /** Records skipped as invalid. */
  invalid: number;
  /** The first `maxReportedErrors` invalid records, in line order. */
  errors: Array<{ line: number; message: string }>;
}

/** How to import. */
export interface ImportOptions {
  /** People per transaction (default 2000). */
  batchSize?: number;
  limits?: Partial<PersonLimits>;
  /** Longest line (or CSV record) in bytes (default 64 KiB). */
  maxLineBytes?: number;
  /** Invalid records kept in the summary (default 1000); onInvalid still hears of all. */
  maxReportedErrors?: number;
  /** Called for every invalid record, in line order. */
  onInvalid?: (line: number, message: string) => void;
}

/** The import format. */
export type ImportFormat = 'ndjson' | 'csv';

/**
 * The index failed part-way: every batch before `summary` was counted is committed, the batch
 * being written and the rest of the file are not. Re-running the import is safe (an upsert).
 */
export class ImportFailedError extends Error {
  override readonly name = 'ImportFailedError';
  constructor(
    /** Counts of what was committed before the failure. */
    readonly summary: ImportSummary,
    /** First line of the batch that failed. */
    readonly line: number,
    override readonly cause: unknown,
  ) {
    super(`import stopped at line ${line}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const DEFAULT_BATCH_SIZE = 2000;
const MAX_BATCH_SIZE = 100_000;
const DEFAULT_MAX_REPORTED_ERRORS = 1000;

/** Imports people from `input` into `index`; resolves to the summary, or rejects with ImportFailedError if the index fails. */
export async function importPeople(
  input: Readable,
  format: ImportFormat,
  index: DemographicIndex,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const maxReported = opts.maxReportedErrors ?? DEFAULT_MAX_REPORTED_ERRORS;
  if (!Number.isInteger(maxReported) || maxReported < 0) throw new RangeError(`maxReportedErrors must be a non-negative integer, got ${maxReported}`);
  // "Today" is fixed once per import: one clock read, and one rule for every line of the file.
  const limits = personLimits({ latestDateOfBirth: new Date().toISOString().slice(0, 10), ...opts.limits });
  const lineLimits = opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes };
  const items: AsyncIterable<LineItem> = format === 'csv' ? readCsv(input, lineLimits) : readNdjson(input, lineLimits);

  const summary: ImportSummary = { lines: 0, imported: 0, inserted: 0, updated: 0, invalid: 0, errors: [] };
  let batch: Person[] = [];
  let batchLine = 0;
  /** The batch being written, and its first line; at most one at a time, so batches commit in file order. */
  let writing: Promise<void> | null = null;
  let failure: ImportFailedError | null = null;

  const write = async (people: Person[], firstLine: number): Promise<void> => {
    if (writing !== null) await writing;
    if (failure !== null) throw failure;
    // The handler is attached at once: a failure while the next batch is still being read must
    // not surface as an unhandled rejection.
    writing = index.upsertPeople(people).then(
      (result) => {
        summary.inserted += result.inserted;
        summary.updated += result.updated;
        summary.imported += result.inserted + result.updated;
      },
      (err: unknown) => {
        failure = new ImportFailedError(snapshot(summary), firstLine, err);
      },
    );
  };

  try {
    for await (const item of items) {
      if (failure !== null) throw failure;
      summary.lines++;
      const outcome = 'error' in item ? { errors: [item.error] } : parsePersonRecord(item.value, limits);
      if ('errors' in outcome) {
        const message = outcome.errors.join('; ');
        summary.invalid++;
        if (summary.errors.length < maxReported) summary.errors.push({ line: item.line, message });
        opts.onInvalid?.(item.line, message);
        continue;
      }
      if (batch.length === 0) batchLine = item.line;
      batch.push(outcome.person);
      if (batch.length >= batchSize) {
        await write(batch, batchLine);
        batch = [];
      }
    }
    if (batch.length > 0) await write(batch, batchLine);
  } finally {
    // A read error ends the loop too; the batch in flight still finishes before the caller closes the index.
    if (writing !== null) await writing;
  }
  if (failure !== null) throw failure;
  return summary;
}

function snapshot(summary: ImportSummary): ImportSummary {
  return { ...summary, errors: [...summary.errors] };
}
