/**
 * The receiving side of a soak run: one loop per receiver mailbox that lists the inbox,
 * downloads each message (a few at a time), hashes it, lets the ledger judge it, and
 * acknowledges it. Messages that do not carry this run's ID are left alone.
 */
import { createHash } from 'node:crypto';
import type { MeshClient } from '../index.js';
import type { ErrorCounts } from './errors.js';
import type { SoakLedger } from './ledger.js';
import type { SoakMailbox } from './plan.js';
import { nowMs } from './stats.js';

const IDLE_MS = 50;
const ERROR_BACKOFF_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One receiver loop; `stop()` asks it to finish its current pass and return. */
export class SoakReceiver {
  /** Completed list-and-process passes. */
  passes = 0;
  /** Bytes of soak payload downloaded. */
  bytes = 0;
  private stopped = false;
  /** Inbox IDs of other traffic, downloaded once and then skipped. */
  private readonly foreign = new Set<string>();
  /** When each ID was first listed. */
  private readonly firstListed = new Map<string, number>();
  /** Received and judged, but the acknowledgement has not yet succeeded: only the ack is retried. */
  private readonly unacked = new Map<string, number>();
  private done: Promise<void> | undefined;

  constructor(
    readonly mailbox: SoakMailbox,
    private readonly client: MeshClient,
    private readonly ledger: SoakLedger,
    private readonly errors: ErrorCounts,
    private readonly concurrency: number,
    private readonly workflowFilter: string | undefined,
  ) {}

  /** Starts the loop. */
  start(): void {
    this.done ??= this.loop();
  }

  /** Asks the loop to stop after the current pass and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let ids: string[];
      try {
        ids = [];
        for await (const id of this.client.iterateInbox(this.workflowFilter === undefined ? {} : { workflowFilter: this.workflowFilter })) ids.push(id);
      } catch (err) {
        this.errors.add('list', err);
        await sleep(ERROR_BACKOFF_MS);
        this.passes++;
        continue;
      }
      const at = nowMs();
      const work = ids.filter((id) => !this.foreign.has(id));
      for (const id of work) if (!this.firstListed.has(id)) this.firstListed.set(id, at);
      await this.pool(work, (id) => this.handle(id));
      this.passes++;
      if (work.length === 0) await sleep(IDLE_MS);
    }
  }

  private async pool(ids: string[], fn: (id: string) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) await fn(ids[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, ids.length) }, worker));
  }

  private async handle(id: string): Promise<void> {
    const pendingSeq = this.unacked.get(id);
    if (pendingSeq !== undefined) {
      await this.ack(id, pendingSeq);
      return;
    }
    let seq: number | undefined;
    let sha256: string;
    let bytes = 0;
    let headers;
    try {
      const download = await this.client.downloadMessage(id);
      headers = download.headers;
      seq = this.ledger.identify(headers['mex-localid']);
      if (seq === undefined) {
        download.body.destroy();
        this.foreign.add(id);
        return;
      }
      const hash = createHash('sha256');
      for await (const chunk of download.body) {
        const buf = chunk as Buffer;
        hash.update(buf);
        bytes += buf.length;
      }
      sha256 = hash.digest('hex');
    } catch (err) {
      // Left in the inbox; the next pass downloads it again.
      this.errors.add('download', err);
      await sleep(ERROR_BACKOFF_MS);
      return;
    }
    this.bytes += bytes;
    this.ledger.receive(seq, { messageId: id, mailbox: this.mailbox.mailboxId, headers, bytes, sha256, listedAt: this.firstListed.get(id) ?? nowMs() });
    await this.ack(id, seq);
  }

  private async ack(id: string, seq: number): Promise<void> {
    try {
      await this.client.acknowledge(id);
      this.unacked.delete(id);
      this.ledger.acknowledged(seq, nowMs());
    } catch (err) {
      this.unacked.set(id, seq);
      this.errors.add('ack', err);
      await sleep(ERROR_BACKOFF_MS);
    }
  }
}
