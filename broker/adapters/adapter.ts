import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Mailbox } from '../directory/directory.js';
import type { MessageRecord } from '../message/model.js';

/** A message an adapter wants sent. It goes through the same router as any other message. */
export interface EmitInput {
  /** Recipient mailbox ID. */
  to: string;
  /** Defaults to the source message's workflow. */
  workflowId?: string;
  subject?: string | null;
  localId?: string | null;
  fileName?: string | null;
  contentType?: string | null;
  /** 'source' shares the source's stored payload (no copy); bytes are stored as a new payload. */
  payload: 'source' | Buffer | string;
  /**
   * Names the output within its source ([A-Za-z0-9]{1,40}); its message ID is `<source>-<key>`.
   * Adapters that commit in batches must key every emit, so a resumed run derives the same IDs.
   */
  key?: string;
}

/** What an adapter may do while handling one message; nothing is committed until handle() resolves. */
export interface AdapterContext {
  /** The route rule's settings for this adapter. */
  settings: Readonly<Record<string, unknown>>;
  /** The whole payload as stored (chunks in order), decompressed if it was sent gzip. */
  readPayload(): Promise<Readable>;
  /** Queues a new message, linked to the source. */
  emit(output: EmitInput): void;
  /** Queues a MESH REPORT (error) to the source's sender and marks the source as failed. */
  report(code: string, description: string): void;
  lookupMailbox(mailboxId: string): Mailbox | undefined;
  /** MESH endpoint lookup: the active mailboxes with this ODS code that receive `workflowId`. */
  lookupEndpoint(odsCode: string, workflowId: string): Mailbox[];
  /** Where earlier deliveries of this message got to with commitBatch(): 0 records and null state at first. */
  progress(): Promise<AdapterProgress>;
  /**
   * Commits the emits queued so far with `progress` as the message's checkpoint, and keeps it routed:
   * for files too large to hold all their outputs in memory. Throws SupersededError if another
   * delivery of the message moved on first; the runtime then drops this one.
   */
  commitBatch(progress: AdapterProgress): Promise<void>;
  logger: Logger;
}

/** An adapter's checkpoint in one message: records done, and its own JSON-serialisable state (at most 64 KiB). */
export interface AdapterProgress {
  records: number;
  state: unknown;
}

/** Another delivery of the same message committed first; this one must stop without side effects. */
export class SupersededError extends Error {
  constructor(messageId: string) {
    super(`another delivery of ${messageId} committed first`);
    this.name = 'SupersededError';
  }
}

/**
 * A message family's handler. handle() must be safe to run more than once for one message
 * (delivery is at-least-once); the runtime commits its outputs exactly once, keyed by source and index.
 * Throw to retry with back-off; throw UnrecoverableError to park at once.
 */
export interface Adapter {
  name: string;
  /** Workflow IDs the adapter understands (documentation and default routes). */
  workflows: string[];
  /** Checks a route rule's settings at start-up; returns a reason if they are unusable. */
  validateSettings?(settings: Readonly<Record<string, unknown>>): string | null;
  handle(message: MessageRecord, ctx: AdapterContext): Promise<void>;
}

/** Adapters by name, as the composition root provides them. */
export type AdapterRegistry = ReadonlyMap<string, Adapter>;
