/**
 * A one-line progress display for long transfers (bytes, rate, ETA) on stderr. It draws only
 * when stderr is a terminal and --quiet is off, so pipes, scripts and logs stay clean.
 */
import type { Writable } from 'node:stream';

/** Receives transfer progress; a no-op when progress is not shown. */
export interface Progress {
  /** Counts bytes moved. */
  add(bytes: number): void;
  /** Counts a finished chunk (for ETA when the byte total is unknown). */
  chunkDone(): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  /** Total bytes, if known up front (uploads). */
  totalBytes?: number;
  totalChunks?: number;
  /** Injected for tests. */
  now?: () => number;
  /** Least time between redraws. */
  intervalMs?: number;
}

const NONE: Progress = { add() {}, chunkDone() {}, finish() {} };

/** A progress display on `stream`, or a silent one unless `stream` is a TTY and not `quiet`. */
export function createProgress(stream: Writable & { isTTY?: boolean }, quiet: boolean, opts: ProgressOptions): Progress {
  if (quiet || stream.isTTY !== true) return NONE;
  const now = opts.now ?? Date.now;
  const started = now();
  const interval = opts.intervalMs ?? 200;
  let bytes = 0;
  let chunks = 0;
  let lastDraw = 0;
  const draw = (final: boolean): void => {
    const t = now();
    if (!final && t - lastDraw < interval) return;
    lastDraw = t;
    const seconds = Math.max((t - started) / 1000, 0.001);
    const rate = bytes / seconds;
    const parts = [opts.label, opts.totalBytes !== undefined ? `${formatBytes(bytes)}/${formatBytes(opts.totalBytes)}` : formatBytes(bytes), `${formatBytes(rate)}/s`];
    if (opts.totalChunks !== undefined && opts.totalChunks > 1) parts.push(`chunk ${Math.min(chunks + (final ? 0 : 1), opts.totalChunks)}/${opts.totalChunks}`);
    const fraction = opts.totalBytes ? bytes / opts.totalBytes : opts.totalChunks ? chunks / opts.totalChunks : 0;
    if (!final && fraction > 0 && fraction < 1) parts.push(`ETA ${formatDuration((seconds / fraction) * (1 - fraction))}`);
    if (final) parts.push(`in ${formatDuration(seconds)}`);
    stream.write(`\r\x1b[K${parts.join('  ')}${final ? '\n' : ''}`);
  };
  return {
    add(n) {
      bytes += n;
      draw(false);
    },
    chunkDone() {
      chunks += 1;
      draw(false);
    },
    finish() {
      draw(true);
    },
  };
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
