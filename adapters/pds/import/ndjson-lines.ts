/**
 * Reading an import file line by line with bounded memory: a line longer than the limit is
 * counted and skipped as it streams past, never held whole, so one giant line (or a file with no
 * newlines at all) costs at most the limit in memory and is reported as that line's error.
 */

/** One line's outcome: a parsed value, or why that line could not be read. */
export type LineItem = { line: number; value: unknown } | { line: number; error: string };

/** One physical line's text, or the reason it has none (too long, not UTF-8). */
export type RawLine = { line: number; text: string } | { line: number; error: string };

/** Bounds on reading one file. */
export interface LineLimits {
  /** Longest line, in bytes without its line ending (default 64 KiB). */
  maxLineBytes: number;
}

/** 64 KiB: a person's record is a few hundred bytes; anything near this is not one. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Checks a maxLineBytes option, returning the default when it is not given. */
export function maxLineBytesOf(opts: Partial<LineLimits> | undefined): number {
  const max = opts?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`);
  return max;
}

/**
 * The non-blank physical lines of a byte stream, numbered from 1 (blank lines are counted but not
 * yielded). Line endings are \n or \r\n; the last line needs none. Text is strict UTF-8, a
 * byte-order mark dropped.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, limits: Partial<LineLimits> = {}): AsyncGenerator<RawLine> {
  const maxBytes = maxLineBytesOf(limits);
  // fatal: a file in another encoding is an error per line, not names full of U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lineNo = 0;
  let parts: Buffer[] = [];
  let lineBytes = 0;

  /** Ends the current line, whose last piece is `tail` (null at the end of the input). */
  const finish = (tail: Buffer | null): RawLine | null => {
    lineNo++;
    const total = lineBytes;
    const pieces = parts;
    lineBytes = 0;
    parts = [];
    if (total > maxBytes) return { line: lineNo, error: `line is longer than ${maxBytes} bytes` };
    if (tail !== null) pieces.push(tail);
    const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
    let length = bytes.length;
    if (length > 0 && bytes[length - 1] === CARRIAGE_RETURN) length--;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(0, length));
    } catch {
      return { line: lineNo, error: 'line is not valid UTF-8' };
    }
    return text.trim() === '' ? null : { line: lineNo, text };
  };

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      lineBytes += end - start;
      if (nl === -1) {
        // Keep the line's start only while it can still turn out short enough.
        if (lineBytes > maxBytes) parts = [];
        else if (end > start) parts.push(buf.subarray(start, end));
        break;
      }
      const item = finish(lineBytes > maxBytes ? null : buf.subarray(start, end));
      if (item !== null) yield item;
      start = nl + 1;
    }
  }
  if (lineBytes > 0) {
    const item = finish(null);
    if (item !== null) yield item;
  }
}

/**
 * NDJSON: one JSON value a line. Yields each non-blank line's value, or an error for a line that
 * is too long, not UTF-8 or not JSON; the file goes on after a bad line.
 */
export async function* readNdjson(input: AsyncIterable<Buffer | string>, limits: Partial<LineLimits> = {}): AsyncGenerator<LineItem> {
  for await (const raw of readLines(input, limits)) {
    if ('error' in raw) {
      yield raw;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw.text);
    } catch (err) {
      yield { line: raw.line, error: `not valid JSON: ${(err as Error).message}` };
      continue;
    }
    yield { line: raw.line, value };
  }
}
