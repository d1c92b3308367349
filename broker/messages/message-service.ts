import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Directory, Mailbox } from '../directory/directory.js';
import { brokerError } from '../errors.js';
import type { ChunkRecord, MessageRecord, MessageStatus } from '../message/model.js';
import type { ObjectStore } from '../objects/object-store.js';
import { ingestPayload, openPayload, type StoredChunk } from '../payloads/payload-ingest.js';
import { StoreError, type MessageStore } from '../store/message-store.js';
import { events } from './events.js';
import { newMessageId } from './message-id.js';
import { reportRecord, type ReportFields } from './report-record.js';
import { odsCodeResolver, type AddressResolver } from './address-resolver.js';
import { resolveRecipient } from './recipient-resolver.js';
import type { OutboxPublisher } from '../routing/outbox-publisher.js';
import type { Router } from '../routing/router.js';
import type { LifecycleEvents } from '../routing/lifecycle-events.js';
import type { Metrics } from '../metrics/metrics.js';

/** What a sender states about a new message (validated headers). */
export type NewMessage = { to: string; totalChunks: number } & Pick<
  MessageRecord,
  'workflowId' | 'subject' | 'localId' | 'partnerId' | 'fileName' | 'contentType' | 'mexContentType' | 'contentEncoding' | 'checksum' | 'encrypted' | 'compressed'
>;

/** A REPORT to create: who gets it, what it says, which message it is about. */
export type ReportInput = Omit<ReportFields, 'messageId' | 'recipient'> & { recipient: Mailbox };

export interface MessageServiceOptions {
  store: MessageStore;
  objects: ObjectStore;
  directory: Directory;
  logger: Logger;
  strictWorkflows: boolean;
  inlineChunkBytes: number;
  maxRequestBytes: number;
  inboxExpiryDays: number;
  /** Decides deliver-or-adapter; without one every message is delivered to the inbox. */
  router?: Router | null;
  /** The lifecycle stream (mesh.events). */
  events?: LifecycleEvents | null;
  /** Tried in order for a `mex-To` that is not a mailbox ID (default: ODS codes). */
  resolvers?: readonly AddressResolver[];
  /** Publishes outbox rows as soon as they are committed. */
  publisher?: OutboxPublisher | null;
  /** Counts payload bytes received. */
  metrics?: Metrics | null;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The broker's mailbox operations: send, send chunk, read, acknowledge. HTTP-free. */
export class MessageService {
  private readonly now: () => number;

  constructor(private readonly opts: MessageServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Checks recipient and workflow before any byte of the body is read. */
  resolveRecipient(sender: Mailbox, to: string, workflowId: string): Promise<Mailbox> {
    return resolveRecipient(this.opts.directory, this.opts.resolvers ?? [odsCodeResolver], sender, to, workflowId, this.opts.strictWorkflows);
  }

  /**
   * Stores chunk 1 (or the whole message) and commits the message. An unchunked message is in the
   * recipient's inbox when this resolves (delivery in the same transaction as acceptance).
   */
  async send(sender: Mailbox, recipient: Mailbox, input: NewMessage, body: Readable): Promise<MessageRecord> {
    const messageId = newMessageId();
    const stored = await this.ingest(messageId, 1, body);
    const now = this.now();
    const complete = input.totalChunks <= 1;
    const outbox = complete ? this.outboxFor(messageId, input.workflowId, sender.mailboxId, recipient.mailboxId) : null;
    const accepted = complete && !outbox;
    const record: MessageRecord = {
      messageId,
      messageType: 'DATA',
      sender: sender.mailboxId,
      recipient: recipient.mailboxId,
      workflowId: input.workflowId,
      status: accepted ? 'accepted' : outbox ? 'routed' : 'uploading',
      totalChunks: Math.max(1, input.totalChunks),
      subject: input.subject,
      localId: input.localId,
      partnerId: input.partnerId,
      fileName: input.fileName,
      contentType: input.contentType,
      mexContentType: input.mexContentType,
      contentEncoding: input.contentEncoding,
      checksum: input.checksum,
      encrypted: input.encrypted,
      compressed: input.compressed,
      fileSize: stored.size,
      linkedMessageId: null,
      statusCode: complete ? '00' : null,
      statusEvent: complete ? 'TRANSFER' : null,
      statusDescription: accepted ? 'Transferred to recipient mailbox' : outbox ? 'Accepted for processing' : null,
      statusSuccess: complete ? true : null,
      createdAt: now,
      updatedAt: now,
      acceptedAt: accepted ? now : null,
      acknowledgedAt: null,
      expiresAt: accepted ? now + this.opts.inboxExpiryDays * DAY_MS : null,
    };
    try {
      const event = accepted ? events.accepted() : outbox ? events.routed(outbox.adapter) : events.uploading();
      await this.opts.store.createMessage(record, { ...stored, createdAt: now }, event, outbox);
    } catch (err) {
      await this.discard(stored);
      throw err;
    }
    if (outbox) this.opts.publisher?.publishNow([outbox]);
    this.opts.metrics?.payloadReceived(input.workflowId, stored.size);
    if (record.status !== 'uploading') this.announceAccepted(record);
    this.opts.logger.info({ messageId, mailbox: sender.mailboxId, to: recipient.mailboxId, workflowId: input.workflowId, size: stored.size, status: record.status }, 'message received');
    return record;
  }

  /** Checks that chunk n may be sent by this mailbox, before its body is read. */
  async checkChunk(sender: Mailbox, messageId: string, chunkNo: number, totalChunks: number, contentEncoding: string | null): Promise<MessageRecord> {
    const message = await this.opts.store.getMessage(messageId);
    if (!message || message.messageType !== 'DATA') throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
    if (message.sender !== sender.mailboxId) throw brokerError('not_sender', `message ${messageId} was not sent by ${sender.mailboxId}`, messageId);
    if (message.status !== 'uploading') throw brokerError('not_uploading', `message ${messageId} is ${message.status}, not uploading`, messageId);
    if (totalChunks !== message.totalChunks || chunkNo < 1 || chunkNo > message.totalChunks) {
      throw brokerError('chunk_out_of_range', `chunk ${chunkNo}:${totalChunks} does not fit message ${messageId} of ${message.totalChunks} chunks`, messageId);
    }
    if ((contentEncoding ?? null) !== (message.contentEncoding ?? null)) {
      throw brokerError('encoding_changed', 'cannot change content encoding between chunks', messageId);
    }
    return message;
  }

  /** Stores chunk n of an uploading message; the message is accepted once every chunk is present. */
  async sendChunk(sender: Mailbox, messageId: string, chunkNo: number, totalChunks: number, contentEncoding: string | null, body: Readable): Promise<MessageRecord> {
    const message = await this.checkChunk(sender, messageId, chunkNo, totalChunks, contentEncoding);
    const stored = await this.ingest(messageId, chunkNo, body);
    const outbox = this.outboxFor(messageId, message.workflowId, message.sender, message.recipient);
    let result;
    try {
      result = await this.opts.store.putChunk({ ...stored, createdAt: this.now() }, outbox ? events.routed(outbox.adapter) : events.accepted(), outbox);
    } catch (err) {
      await this.discard(stored);
      if (err instanceof StoreError && err.code === 'locked') throw brokerError('not_uploading', `message ${messageId} is no longer uploading`, messageId);
      if (err instanceof StoreError && err.code === 'not_found') throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
      if (err instanceof StoreError && err.code === 'chunk_out_of_range') throw brokerError('chunk_out_of_range', err.message, messageId);
      throw err;
    }
    if (result.replacedObjectKey) await this.deleteObject(result.replacedObjectKey);
    this.opts.metrics?.payloadReceived(message.workflowId, stored.size);
    if (outbox && result.message.status === 'routed') this.opts.publisher?.publishNow([outbox]);
    if (result.message.status !== 'uploading') this.announceAccepted(result.message);
    this.opts.logger.info({ messageId, mailbox: sender.mailboxId, chunk: chunkNo, of: totalChunks, size: stored.size, status: result.message.status }, 'chunk received');
    return result.message;
  }

  /** The message and chunk a recipient may download; 404/403/410 rules of MESH. */
  async openForRecipient(mailbox: Mailbox, messageId: string, chunkNo: number): Promise<{ message: MessageRecord; chunk: ChunkRecord | null }> {
    const message = await this.opts.store.getMessage(messageId);
    if (!message) throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
    if (message.recipient !== mailbox.mailboxId) throw brokerError('not_recipient', `message ${messageId} is not addressed to ${mailbox.mailboxId}`, messageId);
    if (message.status !== 'accepted') throw brokerError('not_available', `message ${messageId} is ${message.status}`, messageId);
    return { message, chunk: await this.chunkOf(message, chunkNo) };
  }

  /** Headers-only view: the recipient while collectable or acknowledged, the sender at any status. */
  async peek(mailbox: Mailbox, messageId: string): Promise<{ message: MessageRecord; chunk: ChunkRecord | null }> {
    const message = await this.opts.store.getMessage(messageId);
    const isRecipient = message?.recipient === mailbox.mailboxId;
    const isSender = message?.sender === mailbox.mailboxId;
    if (!message || (!isRecipient && !isSender)) throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
    const collectable: MessageStatus[] = ['accepted', 'acknowledged'];
    if (isRecipient && !isSender && !collectable.includes(message.status)) throw brokerError('not_available', `message ${messageId} is ${message.status}`, messageId);
    const chunk = message.totalChunks === 0 ? null : await this.opts.store.getChunk(messageId, 1);
    return { message, chunk };
  }

  /** Streams a stored chunk. */
  openChunk(chunk: ChunkRecord): Promise<Readable> {
    return openPayload(this.opts.objects, chunk);
  }

  /** Acknowledges a message; idempotent (a message no longer accepted is left as it is). */
  async acknowledge(mailbox: Mailbox, messageId: string): Promise<MessageRecord> {
    const message = await this.opts.store.getMessage(messageId);
    if (!message) throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
    if (message.recipient !== mailbox.mailboxId) throw brokerError('not_recipient', `message ${messageId} is not addressed to ${mailbox.mailboxId}`, messageId);
    if (message.status !== 'accepted') return message;
    const updated = await this.opts.store.transition(messageId, ['accepted'], 'acknowledged', events.acknowledged());
    if (updated) {
      this.opts.logger.info({ messageId, mailbox: mailbox.mailboxId }, 'message acknowledged');
      this.opts.events?.emit('acknowledged', updated, mailbox.mailboxId);
    }
    return updated ?? ((await this.opts.store.getMessage(messageId)) as MessageRecord);
  }

  /** A message as its sender sees it (tracking); others get not_found, as Spine does. */
  async track(mailbox: Mailbox, messageId: string): Promise<MessageRecord> {
    const message = await this.opts.store.getMessage(messageId);
    if (!message || message.sender !== mailbox.mailboxId) throw brokerError('message_not_found', `message ${messageId} does not exist`, messageId);
    return message;
  }

  /**
   * Puts a REPORT (empty body, status fields set) into a mailbox's inbox, as MESH does for
   * non-delivery; used by the sandbox admin API now and by expiry later.
   */
  async createReport(input: ReportInput): Promise<MessageRecord> {
    const now = this.now();
    const messageId = newMessageId();
    const record = reportRecord({ ...input, messageId, recipient: input.recipient.mailboxId }, now, this.opts.inboxExpiryDays);
    await this.opts.store.createMessage(record, null, {
      status: 'accepted',
      event: input.event,
      code: input.code,
      description: input.description,
      linkedMessageId: input.linkedMessageId,
    });
    this.opts.logger.info({ messageId, mailbox: record.recipient, code: input.code, linkedMessageId: input.linkedMessageId }, 'report created');
    return record;
  }

  /** When an accepted message stops being collectable. */
  expiryOf(message: MessageRecord): number | null {
    if (message.expiresAt) return message.expiresAt;
    return message.acceptedAt ? message.acceptedAt + this.opts.inboxExpiryDays * DAY_MS : null;
  }

  private async chunkOf(message: MessageRecord, chunkNo: number): Promise<ChunkRecord | null> {
    const last = Math.max(1, message.totalChunks);
    if (chunkNo < 1 || chunkNo > last) throw brokerError('chunk_not_found', `message ${message.messageId} has no chunk ${chunkNo}`, message.messageId);
    if (message.totalChunks === 0) return null;
    const chunk = await this.opts.store.getChunk(message.messageId, chunkNo);
    if (!chunk) throw brokerError('chunk_not_found', `message ${message.messageId} has no chunk ${chunkNo}`, message.messageId);
    return chunk;
  }

  /** accepted (from the sender), and delivered too when it went straight to the inbox. */
  private announceAccepted(message: MessageRecord): void {
    this.opts.events?.emit('accepted', message, message.sender);
    if (message.status === 'accepted') this.opts.events?.emit('delivered', message, message.recipient);
  }

  private outboxFor(messageId: string, workflowId: string, sender: string, recipient: string) {
    return this.opts.router?.outboxFor({ messageId, workflowId, sender, recipient }) ?? null;
  }

  private ingest(messageId: string, chunkNo: number, body: Readable): Promise<StoredChunk> {
    return ingestPayload(this.opts.objects, body, {
      messageId,
      chunkNo,
      inlineMaxBytes: this.opts.inlineChunkBytes,
      maxBytes: this.opts.maxRequestBytes,
    });
  }

  private async discard(stored: StoredChunk): Promise<void> {
    if (stored.objectKey) await this.deleteObject(stored.objectKey);
  }

  private async deleteObject(key: string): Promise<void> {
    try {
      await this.opts.objects.delete(key);
    } catch (err) {
      // Metadata no longer references it; a leftover object wastes space but is never served.
      this.opts.logger.warn({ err, objectKey: key }, 'could not delete unreferenced object');
    }
  }
}
