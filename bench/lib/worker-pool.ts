/**
 * What the message scenarios share: mailbox pairs, clients against a bench meshd, and a fixed
 * number of iterations spread over concurrent workers.
 */
import { MeshClient } from '../../mailbox/client/index.js';
import { BENCH_SHARED_KEY, benchPassword, type MeshdProcess } from './meshd-process.js';

/** A sender and its recipient; one pair's clients are shared by workers/pairs workers. */
export interface MailboxPair {
  sender: string;
  recipient: string;
}

/** Pair i's mailbox IDs (1-based, zero-padded so they sort), e.g. BENCHS001 → BENCHR001. */
export function pairIds(i: number): MailboxPair {
  const n = String(i).padStart(3, '0');
  return { sender: `BENCHS${n}`, recipient: `BENCHR${n}` };
}

/** Pairs 1..n. */
export function mailboxPairs(n: number): MailboxPair[] {
  return Array.from({ length: n }, (_, i) => pairIds(i + 1));
}

/** A keep-alive client for one bench mailbox. */
export function benchClient(meshd: MeshdProcess, mailboxId: string): MeshClient {
  return new MeshClient({ baseUrl: meshd.url, mailboxId, password: benchPassword(mailboxId), sharedKey: BENCH_SHARED_KEY, keepAlive: true });
}

/** Runs `step` `total` times spread over all workers; the first failure stops the others. */
export async function runPhase<W>(workers: readonly W[], total: number, step: (w: W) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const loop = async (w: W): Promise<void> => {
    try {
      while (!failed && next < total) {
        next += 1;
        await step(w);
      }
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  const results = await Promise.allSettled(workers.map(loop));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
