/**
 * Plain-text table for the benchmark summary: fixed-width columns, no colours or box drawing,
 * so the output pastes cleanly into issues, commit messages and CI logs.
 */
import type { Spread } from './stats.js';

/** Renders rows under a header, each column as wide as its widest cell; the first column is the label. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Figures are right-aligned so their digits line up; the label column reads left to right.
  const line = (cells: readonly string[]): string =>
    header
      .map((_, i) => (i === 0 ? (cells[i] ?? '').padEnd(widths[i]!) : (cells[i] ?? '').padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A number with thousands separators and a fixed number of decimals; `n/a` for NaN. */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The median, with the min–max range across runs when there was more than one run. */
export function median(s: Spread | undefined, decimals = 0, unit = ''): string {
  if (!s) return '';
  // '%' hugs its number; word units get a space.
  const suffix = unit === '%' ? '%' : unit ? ` ${unit}` : '';
  if (s.runs.length < 2) return `${num(s.median, decimals)}${suffix}`;
  return `${num(s.median, decimals)}${suffix} (${num(s.min, decimals)}–${num(s.max, decimals)})`;
}

/** Just the median: for latency columns, where a range per cell would drown the table. */
export function medianOnly(s: Spread | undefined, decimals = 1): string {
  return s ? num(s.median, decimals) : '';
}
