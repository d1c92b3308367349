/**
 * The soak run's in-memory ledger: what was sent (content hash and headers per sequence
 * number) and what arrived, so that every accepted message can be checked to arrive exactly
 * once, intact. Pure bookkeeping with no I/O, so the verdict logic is unit-testable.
 */
import type { MeshHeaders } from '../types.js';

/** What the sender put on the wire for one sequence number. */
export interface SentMessage {
  seq: number;
  sender: string;
  recipient: string;
  workflowId: string;
  localId: string;
  subject: string;
  fileName: string;
  bytes: number;
  sha256: string;
  compressed: boolean;
  /** Monotonic ms when the send started. */
  startedAt: number;
}

/** What a receiver found for one downloaded message. */
export interface Receipt {
  /** The inbox message ID the receiver listed and downloaded. */
  messageId: string;
  /** The receiving mailbox. */
  mailbox: string;
  headers: MeshHeaders;
  bytes: number;
  sha256: string;
  /** Monotonic ms when the receiver first listed the message. */
  listedAt: number;
}

/** How the ledger judged a receipt. */
export type ReceiptVerdict = 'ok' | 'duplicate' | 'corrupt' | 'unexpected';

type SendState = 'sending' | 'accepted' | 'failed';

interface Entry {
  sent: SentMessage;
  state: SendState;
  messageId: string | undefined;
  acceptedAt: number | undefined;
  receipts: number;
  receivedMessageId: string | undefined;
  visibleAt: number | undefined;
  ackedAt: number | undefined;
  corrupt: boolean;
}

/** One problem worth showing the operator. */
export interface Problem {
  kind: 'lost' | 'duplicate' | 'corrupt' | 'unexpected';
  seq: number | null;
  messageId: string | null;
  detail: string;
}

/** Counts, latencies and problems at the end of a run. */
export interface LedgerSummary {
  sent: number;
  accepted: number;
  failedSends: number;
  stillSending: number;
  /** Distinct accepted messages that arrived at least once. */
  received: number;
  duplicates: number;
  corrupted: number;
  lost: number;
  /** Messages whose send failed on our side but which arrived anyway (informational). */
  receivedAfterFailedSend: number;
  /** Messages carrying this run's ID but no sequence number we sent (counted as corruption). */
  unexpected: number;
  latencies: { sendMs: number[]; visibleMs: number[]; ackedMs: number[] };
  problems: Problem[];
}

/** The most problems kept for the report; counts stay exact beyond it. */
export const MAX_PROBLEMS = 50;

/** The `mex-LocalID` of sequence `seq` in run `runId`. */
export function soakLocalId(runId: string, seq: number): string {
  return `soak-${runId}-${seq}`;
}

/** Tracks sends and receipts for one run. */
export class SoakLedger {
  private readonly entries = new Map<number, Entry>();
  private duplicates = 0;
  private unexpected = 0;
  private readonly problems: Problem[] = [];
  private readonly pattern: RegExp;

  constructor(readonly runId: string) {
    this.pattern = new RegExp(`^soak-${runId.replace(/[^A-Za-z0-9]/g, '')}-(\\d+)$`);
  }

  /** The sequence number a `mex-LocalID` carries when it belongs to this run; undefined for other traffic. */
  identify(localId: string | undefined): number | undefined {
    const match = localId === undefined ? null : this.pattern.exec(localId);
    return match ? Number(match[1]) : undefined;
  }

  /** Records a send about to start (before the first byte, so a fast receiver can never outrun it). */
  sending(sent: SentMessage): void {
    if (this.entries.has(sent.seq)) throw new Error(`soak ledger: sequence ${sent.seq} sent twice`);
    this.entries.set(sent.seq, {
      sent,
      state: 'sending',
      messageId: undefined,
      acceptedAt: undefined,
      receipts: 0,
      receivedMessageId: undefined,
      visibleAt: undefined,
      ackedAt: undefined,
      corrupt: false,
    });
  }

  /** Records the 202 and the message ID the server gave. */
  accepted(seq: number, messageId: string, at: number): void {
    const entry = this.mustGet(seq);
    entry.state = 'accepted';
    entry.messageId = messageId;
    entry.acceptedAt = at;
    // A fast receiver may already hold it; the IDs must agree.
    if (entry.receivedMessageId !== undefined && entry.receivedMessageId !== messageId && !entry.corrupt) {
      this.markCorrupt(entry, entry.receivedMessageId, `delivered as ${entry.receivedMessageId} but the send returned ${messageId}`);
    }
  }

  /** Records a send that failed on our side. */
  failed(seq: number): void {
    this.mustGet(seq).state = 'failed';
  }

  /** Checks one downloaded message against what was sent. */
  receive(seq: number, receipt: Receipt): ReceiptVerdict {
    const entry = this.entries.get(seq);
    if (entry === undefined) {
      this.unexpected++;
      this.addProblem({ kind: 'unexpected', seq, messageId: receipt.messageId, detail: `carries run ${this.runId} sequence ${seq}, which was never sent` });
      return 'unexpected';
    }
    entry.receipts++;
    if (entry.receipts > 1) {
      this.duplicates++;
      this.addProblem({
        kind: 'duplicate',
        seq,
        messageId: receipt.messageId,
        detail: `delivery ${entry.receipts} (first as ${entry.receivedMessageId ?? '?'}) to ${receipt.mailbox}`,
      });
      return 'duplicate';
    }
    entry.receivedMessageId = originOf(receipt);
    entry.visibleAt = receipt.listedAt;
    const faults = this.compare(entry, receipt);
    if (faults.length > 0) {
      this.markCorrupt(entry, receipt.messageId, faults.join('; '));
      return 'corrupt';
    }
    return 'ok';
  }

  /** Records the acknowledgement of a received message. */
  acknowledged(seq: number, at: number): void {
    const entry = this.entries.get(seq);
    if (entry !== undefined && entry.ackedAt === undefined) entry.ackedAt = at;
  }

  /** True once every accepted message has arrived and no send is still in flight. */
  complete(): boolean {
    for (const entry of this.entries.values()) {
      if (entry.state === 'sending') return false;
      if (entry.state === 'accepted' && entry.receipts === 0) return false;
    }
    return true;
  }

  /** Accepted messages not yet received. */
  outstanding(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.state !== 'failed' && entry.receipts === 0) n++;
    return n;
  }

  /** Final counts; any accepted message not received by now is lost. */
  summary(): LedgerSummary {
    const s: LedgerSummary = {
      sent: this.entries.size,
      accepted: 0,
      failedSends: 0,
      stillSending: 0,
      received: 0,
      duplicates: this.duplicates,
      corrupted: 0,
      lost: 0,
      receivedAfterFailedSend: 0,
      unexpected: this.unexpected,
      latencies: { sendMs: [], visibleMs: [], ackedMs: [] },
      problems: [],
    };
    const lostProblems: Problem[] = [];
    for (const entry of [...this.entries.values()].sort((a, b) => a.sent.seq - b.sent.seq)) {
      if (entry.corrupt) s.corrupted++;
      if (entry.state === 'failed') {
        s.failedSends++;
        if (entry.receipts > 0) s.receivedAfterFailedSend++;
        continue;
      }
      if (entry.state === 'sending') s.stillSending++;
      else s.accepted++;
      if (entry.acceptedAt !== undefined) s.latencies.sendMs.push(entry.acceptedAt - entry.sent.startedAt);
      if (entry.receipts > 0) {
        s.received++;
        if (entry.visibleAt !== undefined) s.latencies.visibleMs.push(Math.max(0, entry.visibleAt - entry.sent.startedAt));
        if (entry.ackedAt !== undefined) s.latencies.ackedMs.push(entry.ackedAt - entry.sent.startedAt);
      } else if (entry.state === 'accepted') {
        s.lost++;
        if (lostProblems.length < MAX_PROBLEMS) {
          lostProblems.push({
            kind: 'lost',
            seq: entry.sent.seq,
            messageId: entry.messageId ?? null,
            detail: `${entry.sent.sender} -> ${entry.sent.recipient} ${entry.sent.workflowId}, ${entry.sent.bytes} bytes, never arrived`,
          });
        }
      }
    }
    s.problems = [...this.problems, ...lostProblems].slice(0, MAX_PROBLEMS);
    return s;
  }

  private compare(entry: Entry, receipt: Receipt): string[] {
    const sent = entry.sent;
    const faults: string[] = [];
    if (receipt.sha256 !== sent.sha256) faults.push(`sha256 ${receipt.sha256.slice(0, 12)}… expected ${sent.sha256.slice(0, 12)}…`);
    if (receipt.bytes !== sent.bytes) faults.push(`${receipt.bytes} bytes, expected ${sent.bytes}`);
    if (receipt.mailbox !== sent.recipient) faults.push(`arrived in ${receipt.mailbox}, sent to ${sent.recipient}`);
    const expected: Record<string, string | undefined> = {
      'mex-from': sent.sender,
      'mex-to': sent.recipient,
      'mex-workflowid': sent.workflowId,
      'mex-localid': sent.localId,
      'mex-subject': sent.subject,
      'mex-filename': sent.fileName,
      'mex-messageid': receipt.messageId,
    };
    for (const [name, want] of Object.entries(expected)) {
      const got = receipt.headers[name];
      if (got !== want) faults.push(`${name} ${JSON.stringify(got ?? null)}, expected ${JSON.stringify(want)}`);
    }
    if (entry.messageId !== undefined && entry.messageId !== originOf(receipt)) {
      faults.push(`delivered as ${receipt.messageId} but the send returned ${entry.messageId}`);
    }
    return faults;
  }

  private markCorrupt(entry: Entry, messageId: string, detail: string): void {
    entry.corrupt = true;
    this.addProblem({ kind: 'corrupt', seq: entry.sent.seq, messageId, detail });
  }

  private addProblem(problem: Problem): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
  }

  private mustGet(seq: number): Entry {
    const entry = this.entries.get(seq);
    if (entry === undefined) throw new Error(`soak ledger: unknown sequence ${seq}`);
    return entry;
  }
}

/**
 * The sent message a delivery stands for: itself, or for a copy made by a routing adapter (which
 * gets an ID of its own), the message named in its mex-LinkedMsgID.
 */
function originOf(receipt: Receipt): string {
  return receipt.headers['mex-linkedmsgid'] ?? receipt.messageId;
}
