/**
 * Failures during a soak run, counted by operation and kind (HTTP status and MESH code,
 * socket error code, or error name), so a report says "send: HTTP 503 ×12", not a stack.
 */
import { MeshApiError, MeshUploadError } from '../errors.js';

/** A short, stable label for an error. */
export function errorKind(err: unknown): string {
  if (err instanceof MeshUploadError) return `upload: ${errorKind(err.cause)}`;
  if (err instanceof MeshApiError) return `HTTP ${err.status}${err.code ? ` ${err.code}` : ''}`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  if (err instanceof Error) return err.name;
  return 'unknown';
}

/** Counts of errors keyed `operation: kind`, with one example message per key. */
export class ErrorCounts {
  readonly counts = new Map<string, number>();
  readonly examples = new Map<string, string>();

  /** Counts one error of `operation` (send, list, download, ack). */
  add(operation: string, err: unknown): void {
    const key = `${operation}: ${errorKind(err)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!this.examples.has(key)) this.examples.set(key, err instanceof Error ? err.message : String(err));
  }

  /** Total of the keys starting with `operation:`. */
  total(operation?: string): number {
    let n = 0;
    for (const [key, count] of this.counts) if (operation === undefined || key.startsWith(`${operation}:`)) n += count;
    return n;
  }

  /** Plain object, largest first. */
  toJSON(): Record<string, { count: number; example: string }> {
    const out: Record<string, { count: number; example: string }> = {};
    for (const [key, count] of [...this.counts].sort((a, b) => b[1] - a[1])) out[key] = { count, example: this.examples.get(key) ?? '' };
    return out;
  }
}
