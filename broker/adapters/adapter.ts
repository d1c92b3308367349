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
  logger: Logger;
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
