/**
 * CSV import files: a header row naming the import fields, then one person a record. List fields
 * hold `|`-separated values in one cell; an empty cell is an empty list (or null). Each record
 * becomes the same object an NDJSON line would be, so parsePersonRecord checks both alike.
 *
 * Records are cut from the bounded lines of readLines() (a quoted field may span lines, up to the
 * same byte limit per record) and parsed by csv-parse a batch at a time; a batch that does not
 * parse cleanly is parsed again record by record, so one bad quote costs one record, not the rest
 * of the file.
 */

import { parse } from 'csv-parse/sync';
import { PERSON_FIELDS, PERSON_LIST_FIELDS } from './person-record.js';
import { maxLineBytesOf, readLines, type LineItem, type LineLimits } from './ndjson-lines.js';

/** The file has no usable header row: nothing in it can be read, so the import stops. */
export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
  readonly code = 'csv_header';
}

/** Separator of values within a list cell. */
export const CSV_LIST_SEPARATOR = '|';

/** Records parsed by csv-parse in one call; a failed batch is re-parsed one record at a time. */
const BATCH_RECORDS = 1000;
/** Characters of record text per batch at most, so a batch of long records stays small. */
const BATCH_CHARS = 1024 * 1024;

/**
 * Rows as arrays (the header is matched here, so a short row is reported, not padded), records
 * ended by \n only: readLines has already taken off \r, and csv-parse's guess at the record
 * delimiter would take a stray \r inside a line for one.
 */
const CSV_OPTIONS = { relax_column_count: true, record_delimiter: '\n' } as const;

const QUOTE = 0x22;
const COMMA = 0x2c;

type Pending = { line: number; text: string } | { line: number; error: string };

/** Reads CSV with a header row; yields one object (or an error) per record, numbered by its first line. */
export async function* readCsv(input: AsyncIterable<Buffer | string>, limits: Partial<LineLimits> = {}): AsyncGenerator<LineItem> {
  const maxBytes = maxLineBytesOf(limits);
  let columns: string[] | null = null;
  /** A record whose quoted field is still open at the end of its last line. */
  let open: { line: number; text: string } | null = null;
  let batch: Pending[] = [];
  let batchChars = 0;

  for await (const raw of readLines(input, limits)) {
    if ('error' in raw) {
      if (columns === null) throw new CsvHeaderError(`CSV header (line ${raw.line}): ${raw.error}`);
      if (open !== null) {
        batch.push({ line: open.line, error: `quoted field is not closed before line ${raw.line}, which could not be read` });
        open = null;
      }
      batch.push(raw);
    } else {
      const text: string = open === null ? raw.text : `${open.text}\n${raw.text}`;
      const line: number = open === null ? raw.line : open.line;
      // A single line is already within the limit (readLines); a record of several is measured here.
      if (open !== null && Buffer.byteLength(text) > maxBytes) {
        batch.push({ line, error: `record is longer than ${maxBytes} bytes` });
        open = null;
      } else if (endsInQuotedField(raw.text, open !== null)) {
        // A quoted field goes on to the next line.
        open = { line, text };
        continue;
      } else {
        open = null;
        if (columns === null) {
          columns = parseHeader(line, text);
          continue;
        }
        batch.push({ line, text });
        batchChars += text.length;
      }
    }
    if (batch.length >= BATCH_RECORDS || batchChars >= BATCH_CHARS) {
      yield* toItems(batch, columns!);
      batch = [];
      batchChars = 0;
    }
  }
  if (open !== null) {
    if (columns === null) throw new CsvHeaderError(`CSV header (line ${open.line}): quoted field is not closed`);
    batch.push({ line: open.line, error: 'quoted field is not closed at the end of the file' });
  }
  if (columns === null) throw new CsvHeaderError('CSV file has no header row');
  yield* toItems(batch, columns);
}

/** The header's field names, checked: each an import field, none twice, none missing. */
function parseHeader(line: number, text: string): string[] {
  let rows: string[][];
  try {
    rows = parse(text, CSV_OPTIONS);
  } catch (err) {
    throw new CsvHeaderError(`CSV header (line ${line}): ${csvProblem(err)}`);
  }
  const names = (rows[0] ?? []).map((n) => n.trim());
  const known = new Set<string>(PERSON_FIELDS);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new CsvHeaderError(`CSV header (line ${line}): unknown column ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new CsvHeaderError(`CSV header (line ${line}): column ${JSON.stringify(repeated[0])} appears more than once`);
  const missing = PERSON_FIELDS.filter((f) => !names.includes(f));
  if (missing.length > 0) throw new CsvHeaderError(`CSV header (line ${line}): missing column ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
  return names;
}

/** Parses a batch's records and yields each as an object or an error, in line order. */
function* toItems(batch: Pending[], columns: string[]): Generator<LineItem> {
  const texts = batch.filter((p): p is { line: number; text: string } => 'text' in p);
  let rows: string[][] | null = null;
  if (texts.length > 0) {
    try {
      rows = parse(texts.map((p) => p.text).join('\n'), CSV_OPTIONS);
    } catch {
      rows = null;
    }
    // A clean parse of balanced records gives one row each; anything else is sorted out one by one.
    if (rows !== null && rows.length !== texts.length) rows = null;
  }
  let next = 0;
  for (const p of batch) {
    if ('error' in p) {
      yield p;
      continue;
    }
    const row = rows !== null ? rows[next++]! : parseOne(p.text);
    if (typeof row === 'string') yield { line: p.line, error: row };
    else if (row.length !== columns.length) yield { line: p.line, error: `has ${row.length} fields, the header has ${columns.length}` };
    else yield { line: p.line, value: toRecord(columns, row) };
  }
}

/** One record's cells, or why it is not one CSV record. */
function parseOne(text: string): string[] | string {
  try {
    const rows: string[][] = parse(text, CSV_OPTIONS);
    return rows.length === 1 ? rows[0]! : 'is not one CSV record';
  } catch (err) {
    return `not valid CSV: ${csvProblem(err)}`;
  }
}

/** A row as the NDJSON object of the same person: list cells split, empty optional cells null. */
function toRecord(columns: string[], row: string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i]!;
    const cell = row[i]!;
    if (PERSON_LIST_FIELDS.has(name)) record[name] = cell === '' ? [] : cell.split(CSV_LIST_SEPARATOR);
    else if ((name === 'postcode' || name === 'gpPracticeOds') && cell.trim() === '') record[name] = null;
    else record[name] = cell;
  }
  return record;
}

/**
 * Whether a line ends inside a quoted field, given whether it began inside one. A quote opens a
 * field only at its start (as csv-parse reads it); a stray quote elsewhere is left for csv-parse
 * to reject, so it cannot swallow the lines after it.
 */
function endsInQuotedField(line: string, startsInQuotes: boolean): boolean {
  let quoted = startsInQuotes;
  let fieldStart = !startsInQuotes;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (quoted) {
      if (c === QUOTE) {
        if (line.charCodeAt(i + 1) === QUOTE) i++;
        else quoted = false;
      }
    } else if (c === COMMA) {
      fieldStart = true;
      continue;
    } else if (c === QUOTE && fieldStart) {
      quoted = true;
    }
    fieldStart = false;
  }
  return quoted;
}

/** csv-parse's message without its line number, which counts from the start of the text it was given, not the file. */
function csvProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*at line \d+,?/g, '').replace(/\s+/g, ' ').trim();
}
