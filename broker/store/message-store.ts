import type { ChunkRecord, EventInput, MessageEvent, MessageRecord, MessageStatus } from '../message/model.js';
import type { Envelope } from '../transport/transport.js';

/** A parsed MESH workflow_filter: equals, begins with or contains, optionally negated. */
export interface WorkflowFilter {
  kind: 'equals' | 'prefix' | 'contains';
  value: string;
  negate: boolean;
}

export interface InboxQuery {
  recipient: string;
  limit: number;
  /** Return only messages accepted after this one (by inbox order); unknown IDs start from the top. */
  afterMessageId?: string | null;
  workflowFilter?: WorkflowFilter | null;
}

export interface InboxPage {
  messageIds: string[];
  /** True when more matching messages exist after the last one returned. */
  hasMore: boolean;
}

/** Outcome of storing a chunk: the message's status afterwards, and an object the store no longer references. */
export interface PutChunkResult {
  message: MessageRecord;
  /** Set when this chunk replaced an earlier upload of the same chunk; the caller deletes it after commit. */
  replacedObjectKey: string | null;
}

/** A message waiting for an adapter: what the outbox publishes. */
export interface OutboxEntry {
  messageId: string;
  adapter: string;
  envelope: Envelope;
}

/** An outbox row as the publisher sees it. */
export interface OutboxRecord extends OutboxEntry {
  state: 'pending' | 'published';
  publishes: number;
  createdAt: number;
  publishedAt: number | null;
}

/** One message an adapter emitted (or a REPORT), written with the source's completion. */
export interface OutputWrite {
  message: MessageRecord;
  chunks: ChunkRecord[];
  event: EventInput;
  /** Set when the output itself routes to an adapter (its status is then 'routed'). */
  outbox: OutboxEntry | null;
}

/** An adapter's checkpoint in a routed message it commits in batches. */
export interface RoutedProgress {
  /** Records (of the adapter's own counting) committed so far. */
  records: number;
  /** The adapter's own state at that point, serialised; null if it keeps none. */
  state: string | null;
}

/** A parked message, as operators list it. */
export interface ParkedRecord {
  messageId: string;
  adapter: string;
  workflowId: string;
  sender: string;
  recipient: string;
  reason: string;
  attempts: number;
  parkedAt: number;
}

/** A REPORT written in the same transaction as the state change it reports. */
export interface ReportWrite {
  message: MessageRecord;
  event: EventInput;
}

/** Which messages retireMessages() takes: in one of `from`, untouched since `before`, at most `limit`. */
export interface RetireRequest {
  from: MessageStatus[];
  /** Epoch ms: only messages whose updated_at is at or before this. */
  before: number;
  to: MessageStatus;
  event: EventInput;
  /** Most messages taken by one call (one transaction); callers loop for more. */
  limit: number;
}

/** What retireMessages() did: the messages it moved, and the objects no remaining chunk references. */
export interface RetireResult {
  messages: { messageId: string; sender: string; recipient: string }[];
  /** The caller deletes these after the commit (adapter outputs may share objects, so only unshared keys). */
  objectKeys: string[];
}

/** One row of the statistics summary: messages of one workflow in one status. */
export interface MessageStatRow {
  workflowId: string;
  status: MessageStatus;
  count: number;
}

/** Raised by stores for expected, coded failures; the HTTP layer maps codes to MESH errors. */
export class StoreError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'locked' | 'chunk_out_of_range' | 'wrong_state',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * The metadata store: source of truth for messages, chunks, events and nonces.
 * Every multi-row change is one transaction; state changes are compare-and-set on the expected status.
 */
export interface MessageStore {
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Cheapest round trip to the store (readiness): resolves if it answers, rejects otherwise. */
  ping(): Promise<void>;

  /**
   * Creates a message with its first chunk (or none, for an empty REPORT) and its first event,
   * atomically. A message created `accepted` is in the recipient's inbox when this resolves.
   */
  createMessage(message: MessageRecord, firstChunk: ChunkRecord | null, event: EventInput, outbox?: OutboxEntry | null): Promise<void>;

  /**
   * Stores chunk n of an `uploading` message (replacing an earlier upload of the same n).
   * When every chunk 1..totalChunks is present the message becomes `accepted` with `acceptEvent`,
   * or `routed` with its outbox row when `outbox` is given (it is for an adapter).
   * Throws StoreError 'not_found' or 'locked' (no longer uploading).
   */
  putChunk(chunk: ChunkRecord, acceptEvent: EventInput, outbox?: OutboxEntry | null): Promise<PutChunkResult>;

  getMessage(messageId: string): Promise<MessageRecord | null>;
  getChunk(messageId: string, chunkNo: number): Promise<ChunkRecord | null>;
  /** Chunk numbers present for a message, ascending. */
  listChunkNumbers(messageId: string): Promise<number[]>;
  /** Event history, oldest first. */
  listEvents(messageId: string): Promise<MessageEvent[]>;

  /** Accepted messages for a recipient in the order they became visible (oldest first). */
  listInbox(query: InboxQuery): Promise<InboxPage>;
  countInbox(recipient: string, workflowFilter?: WorkflowFilter | null): Promise<number>;

  /**
   * Compare-and-set: moves the message from one of `from` to `to`, recording `event`, in one
   * transaction. Returns the updated message, or null if it was not in an expected state.
   */
  transition(messageId: string, from: MessageStatus[], to: MessageStatus, event: EventInput): Promise<MessageRecord | null>;

  /** Messages a sender sent with this local ID, newest first. */
  findBySenderLocalId(sender: string, localId: string): Promise<MessageRecord[]>;

  /** Records an auth token use; false if (mailbox, nonce, count) was already recorded. */
  recordNonce(mailboxId: string, nonce: string, nonceCount: string, expiresAt: number): Promise<boolean>;
  /** Forgets one recorded nonce (its request failed in a way clients retry with the same token). */
  releaseNonce(mailboxId: string, nonce: string, nonceCount: string): Promise<void>;
  /** Forgets nonces whose replay window has passed. */
  pruneNonces(now: number): Promise<number>;

  /**
   * Takes or renews the lease on a periodic job, atomically: true if `holder` now holds it until
   * now + ttlMs, because it was free, had expired (expires_at <= now) or was already `holder`'s.
   * Times are the callers' clocks, so nodes' clocks must agree to well within a lease's length.
   */
  acquireJobLease(job: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives up a job's lease so another node can take it at once; does nothing unless `holder` holds it. */
  releaseJobLease(job: string, holder: string): Promise<void>;

  /** Outbox rows to (re)publish: pending ones created before `pendingBefore`, published ones before `publishedBefore`. */
  listOutboxDue(pendingBefore: number, publishedBefore: number, limit: number): Promise<OutboxRecord[]>;
  /** Records that the transport confirmed an outbox row's envelope. */
  markOutboxPublished(messageIds: string[], at: number): Promise<void>;
  /** Marks every published row pending again (an in-process transport lost its queue on restart). */
  resetOutboxPublished(): Promise<number>;

  /**
   * Records an adapter's result in one transaction: the source moves routed → processed (or error) with
   * `event`, its outbox row goes, and every output is created (with its own outbox row if routed).
   * Returns false, writing nothing, if the source was not `routed` (already processed: a duplicate).
   */
  completeRouted(sourceId: string, event: EventInput, outputs: OutputWrite[], finalStatus?: 'processed' | 'error'): Promise<boolean>;

  /** How far a routed message's adapter has committed in batches (commitRoutedBatch); 0 records before the first. */
  routedProgress(sourceId: string): Promise<RoutedProgress>;
  /**
   * Commits one batch of an adapter's outputs while the source stays routed: if its progress is still
   * `from` records, sets it to `to` and creates the outputs, in one transaction. Returns false, writing
   * nothing, if the source is no longer routed or another delivery moved its progress first.
   */
  commitRoutedBatch(sourceId: string, from: number, to: RoutedProgress, outputs: OutputWrite[]): Promise<boolean>;

  /** Parks a routed message after its attempts ran out; its outbox row stops being swept. */
  parkRouted(messageId: string, adapter: string, reason: string, attempts: number, at: number): Promise<void>;
  listParked(limit: number): Promise<ParkedRecord[]>;
  /** How many messages are parked (cheap: for metrics, which must not page through the lot). */
  countParked(): Promise<number>;
  /** Takes a message out of the parking lot for another try; returns its outbox entry, or null if not parked. */
  unpark(messageId: string): Promise<OutboxEntry | null>;
  /** Gives up on a parked message: it leaves the lot and moves routed → error with `event`. */
  discardParked(messageId: string, event: EventInput): Promise<MessageRecord | null>;

  /**
   * Deletes every message (or those to/from one mailbox) and returns the object keys the caller must
   * delete: only keys no remaining chunk references (adapter outputs may share their source's objects).
   * For the sandbox admin API and tests.
   */
  reset(mailboxId?: string): Promise<string[]>;

  /** Accepted messages accepted at or before `acceptedBefore` (uncollected), oldest first, at most `limit`. */
  listUncollected(acceptedBefore: number, limit: number): Promise<MessageRecord[]>;
  /**
   * Inbox expiry, compare-and-set: accepted → undeliverable with `event` and, in the same transaction,
   * the REPORT to its sender. Returns the updated message, or null (nothing written) if it was no
   * longer accepted: acknowledged meanwhile, or expired already by another run or node.
   */
  expireMessage(messageId: string, event: EventInput, report: ReportWrite | null): Promise<MessageRecord | null>;
  /**
   * Moves up to `limit` messages in `from`, untouched since `before`, to `to` with `event`, and deletes
   * their chunks (inline bytes included), outbox and parked rows, in one transaction; the message row
   * and its events stay. Concurrent callers never take the same message twice.
   */
  retireMessages(req: RetireRequest): Promise<RetireResult>;
  /** Messages created in [since, until), counted by workflow and current status, in one grouped query. */
  messageStats(since: number, until: number): Promise<MessageStatRow[]>;
  /** Returns space freed by deletions to the filesystem where the database needs asking (SQLite), boundedly. */
  reclaimSpace(): Promise<void>;
}
