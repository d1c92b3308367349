import { randomBytes } from 'node:crypto';

let lastMicros = 0n;

/**
 * A new message ID in real MESH's shape, `yyyyMMddHHmmssffffff_XXXXXX` (27 characters, sortable by time).
 * Microseconds are forced to increase within a process so IDs from one node never collide on the clock part.
 */
export function newMessageId(now: Date = new Date()): string {
  let micros = BigInt(now.getTime()) * 1000n;
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  const ms = Number(micros / 1000n);
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp =
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}` +
    pad(Number(micros % 1_000_000n), 6);
  return `${stamp}_${randomBytes(3).toString('hex').toUpperCase()}`;
}
