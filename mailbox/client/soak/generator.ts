/**
 * The sending side of a soak run: offers messages at the planned rate, round-robin over
 * the senders, each to a random receiver with a random workflow and size from the mix.
 * Every payload is fresh random bytes whose SHA-256 goes into the ledger before the send starts.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { MeshClient } from '../index.js';
import type { ErrorCounts } from './errors.js';
import { soakLocalId, type SoakLedger } from './ledger.js';
import { pickWeighted, type SoakPlan } from './plan.js';
import { nowMs } from './stats.js';

/** Sender clients by mailbox ID. */
export type ClientsById = ReadonlyMap<string, MeshClient>;

/** What the generator did, beyond what the ledger knows. */
export interface GeneratorResult {
  /** Wall time from the first send to the last send starting, ms. */
  offeredMs: number;
  /** Times a due message had to wait because --max-in-flight sends were already running. */
  throttled: number;
}

const TICK_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs senders until `durationMs` has passed, then waits for in-flight sends to finish. */
export async function generate(plan: SoakPlan, clients: ClientsById, ledger: SoakLedger, errors: ErrorCounts): Promise<GeneratorResult> {
  const inFlight = new Set<Promise<void>>();
  const start = nowMs();
  let seq = 0;
  let throttled = 0;
  let lastStart = start;
  for (;;) {
    const elapsed = nowMs() - start;
    if (elapsed >= plan.durationMs) break;
    const due = Math.floor((elapsed / 1000) * plan.rate) + 1;
    let waited = false;
    while (seq < due) {
      if (inFlight.size >= plan.maxInFlight) {
        if (!waited) throttled++;
        waited = true;
        await Promise.race(inFlight);
        continue;
      }
      const p: Promise<void> = sendOne(plan, clients, ledger, errors, ++seq).finally(() => inFlight.delete(p));
      inFlight.add(p);
      lastStart = nowMs();
    }
    await sleep(TICK_MS);
  }
  await Promise.all(inFlight);
  return { offeredMs: lastStart - start, throttled };
}

async function sendOne(plan: SoakPlan, clients: ClientsById, ledger: SoakLedger, errors: ErrorCounts, seq: number): Promise<void> {
  const sender = plan.senders[(seq - 1) % plan.senders.length]!;
  const recipient = plan.receivers[randomInt(plan.receivers.length)]!;
  const workflowId = plan.workflows[randomInt(plan.workflows.length)]!;
  const bytes = pickWeighted(plan.sizes).bytes;
  const compress = Math.random() < plan.compressRatio;
  // Random bytes make every payload unique, so a duplicate or a swapped body cannot hash right by accident.
  const body = randomBytes(bytes);
  const localId = soakLocalId(ledger.runId, seq);
  const subject = `mesh soak ${ledger.runId} #${seq}`;
  const fileName = `${localId}.bin`;
  const startedAt = nowMs();
  ledger.sending({
    seq,
    sender: sender.mailboxId,
    recipient: recipient.mailboxId,
    workflowId,
    localId,
    subject,
    fileName,
    bytes,
    sha256: createHash('sha256').update(body).digest('hex'),
    compressed: compress,
    startedAt,
  });
  try {
    const messageId = await clients.get(sender.mailboxId)!.sendMessage({
      to: recipient.mailboxId,
      workflowId,
      body,
      localId,
      subject,
      fileName,
      contentType: 'application/octet-stream',
      ...(compress ? { compress: true } : {}),
      ...(plan.chunkSize !== undefined ? { chunkSize: plan.chunkSize } : {}),
    });
    ledger.accepted(seq, messageId, nowMs());
  } catch (err) {
    ledger.failed(seq);
    errors.add('send', err);
  }
}
