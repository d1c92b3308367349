import { randomBytes, randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { ChunkRecord, EventInput, MessageRecord, MessageStatus } from '../../../broker/message/model.js';
import { StoreError } from '../../../broker/store/message-store.js';
import type { MessageStore, WorkflowFilter } from '../../../broker/store/message-store.js';
import { registerHousekeepingJobTests } from './housekeeping-contract.js';
import { registerJobLeaseTests } from './job-lease-contract.js';
import { registerRoutingTests } from './routing-contract.js';

/**
 * The behaviour every MessageStore must have, whatever the database. It talks to the store only
 * through the MessageStore interface, and each test uses its own mailboxes, so a store shared
 * between tests works too (except that "reset everything" really resets everything).
 */

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** A fresh mailbox ID, so tests never see each other's messages. */
export function mailbox(): string {
  return 'MB' + randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase();
}

/** A message with every field set to something checkable; `overrides` wins. */
export function makeMessage(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const status = overrides.status ?? 'accepted';
  return {
    messageId: 'MSG-' + randomUUID(),
    messageType: 'DATA',
    sender: 'SENDER',
    recipient: 'RECIPIENT',
    workflowId: 'WF_TEST',
    status,
    totalChunks: 1,
    subject: 'a subject',
    localId: 'local-1',
    partnerId: 'partner-1',
    fileName: 'file.dat',
    contentType: 'text/plain',
    mexContentType: 'application/json',
    contentEncoding: null,
    checksum: 'md5:abc',
    encrypted: true,
    compressed: false,
    fileSize: 3,
    linkedMessageId: null,
    statusCode: '00',
    statusEvent: 'TRANSFER',
    statusDescription: 'Transferred to recipient mailbox',
    statusSuccess: true,
    createdAt: T0,
    updatedAt: T0,
    acceptedAt: status === 'accepted' ? T0 + 1 : null,
    acknowledgedAt: null,
    expiresAt: T0 + 5 * DAY,
    ...overrides,
  };
}

export function makeChunk(messageId: string, chunkNo: number, overrides: Partial<ChunkRecord> = {}): ChunkRecord {
  return {
    messageId,
    chunkNo,
    size: 3,
    sha256: 'f'.repeat(64),
    objectKey: `objects/${messageId}/${chunkNo}`,
    inline: null,
    createdAt: T0,
    ...overrides,
  };
}

export function makeEvent(status: MessageStatus, event: string, overrides: Partial<EventInput> = {}): EventInput {
  return { status, event, code: null, description: null, linkedMessageId: null, ...overrides };
}

const created = makeEvent('accepted', 'created');

/** Creates an accepted one-chunk message for `recipient`; returns its ID. */
async function send(store: MessageStore, recipient: string, overrides: Partial<MessageRecord> = {}): Promise<string> {
  const m = makeMessage({ recipient, ...overrides });
  await store.createMessage(m, makeChunk(m.messageId, 1), created);
  return m.messageId;
}

/** Awaits a promise that must reject with a StoreError of `code`. */
async function rejectsWithCode(t: Test, promise: Promise<unknown>, code: StoreError['code']): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof StoreError, `rejects with a StoreError (${code})`);
  t.equal((err as StoreError | null)?.code, code);
}

/** Every ID of the recipient's inbox, paging 1000 at a time. */
async function inbox(store: MessageStore, recipient: string, workflowFilter: WorkflowFilter | null = null): Promise<string[]> {
  const page = await store.listInbox({ recipient, limit: 1000, workflowFilter });
  return page.messageIds;
}

/** Registers the shared MessageStore suite under `t`; `makeStore` gives each test a migrated store. */
export function messageStoreContract(t: Test, makeStore: () => Promise<MessageStore>): void {
  const test = (name: string, fn: (t: Test, store: MessageStore) => Promise<void>): void => {
    t.test(name, async (t) => {
      const store = await makeStore();
      t.teardown(() => store.close());
      await fn(t, store);
    });
  };

  registerLifecycleTests(test);
  registerInboxTests(test);
  registerStateTests(test);
  registerHousekeepingTests(test);
  registerRoutingTests(test);
  registerJobLeaseTests(test);
  registerHousekeepingJobTests(test);
}

type Register = (name: string, fn: (t: Test, store: MessageStore) => Promise<void>) => void;

function registerLifecycleTests(test: Register): void {
  test('an accepted message round-trips every field and is in the inbox at once', async (t, store) => {
    const rcpt = mailbox();
    const m = makeMessage({ recipient: rcpt, linkedMessageId: 'MSG-LINKED', contentEncoding: 'gzip', statusSuccess: false });
    const c = makeChunk(m.messageId, 1);
    await store.createMessage(m, c, makeEvent('accepted', 'created', { code: '00', description: 'ok', at: T0 + 5 }));
    t.strictSame(await store.getMessage(m.messageId), m);
    t.strictSame(await store.getChunk(m.messageId, 1), c);
    t.strictSame(await store.listChunkNumbers(m.messageId), [1]);
    t.strictSame(await inbox(store, rcpt), [m.messageId]);
    t.equal(await store.countInbox(rcpt), 1);
    t.strictSame(await store.listEvents(m.messageId), [
      { messageId: m.messageId, status: 'accepted', event: 'created', code: '00', description: 'ok', linkedMessageId: null, at: T0 + 5 },
    ]);
  });

  test('nulls and false stay distinct from absent values', async (t, store) => {
    const m = makeMessage({
      recipient: mailbox(),
      subject: null, localId: null, partnerId: null, fileName: null, contentType: null, mexContentType: null,
      checksum: null, encrypted: false, compressed: true, statusCode: null, statusEvent: null,
      statusDescription: null, statusSuccess: null, expiresAt: null, fileSize: 0, messageType: 'REPORT', sender: '',
      totalChunks: 0,
    });
    await store.createMessage(m, null, created);
    t.strictSame(await store.getMessage(m.messageId), m);
    t.strictSame(await store.listChunkNumbers(m.messageId), []);
    t.equal(await store.getChunk(m.messageId, 1), null);
  });

  test('accepted without acceptedAt gets one; event time defaults to now', async (t, store) => {
    const before = Date.now();
    const m = makeMessage({ recipient: mailbox(), acceptedAt: null });
    await store.createMessage(m, makeChunk(m.messageId, 1), created);
    const got = await store.getMessage(m.messageId);
    t.ok(got?.acceptedAt != null && got.acceptedAt >= before, 'acceptedAt set by the store');
    const [event] = await store.listEvents(m.messageId);
    t.ok(event !== undefined && event.at >= before && event.at <= Date.now(), 'event stamped with the current time');
  });

  test('inline chunk bytes round-trip exactly', async (t, store) => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(5000)]);
    const m = makeMessage({ recipient: mailbox(), fileSize: bytes.length });
    await store.createMessage(m, makeChunk(m.messageId, 1, { objectKey: null, inline: bytes, size: bytes.length }), created);
    const got = await store.getChunk(m.messageId, 1);
    t.ok(Buffer.isBuffer(got?.inline), 'inline comes back as a Buffer');
    t.ok(got?.inline?.equals(bytes), 'same bytes');
    t.equal(got?.objectKey, null);

    const empty = makeMessage({ recipient: mailbox(), fileSize: 0 });
    await store.createMessage(empty, makeChunk(empty.messageId, 1, { objectKey: null, inline: Buffer.alloc(0), size: 0 }), created);
    const gotEmpty = await store.getChunk(empty.messageId, 1);
    t.ok(Buffer.isBuffer(gotEmpty?.inline) && gotEmpty.inline.length === 0, 'an empty inline chunk is an empty Buffer, not null');
  });

  test('a duplicate message ID is a conflict and changes nothing', async (t, store) => {
    const rcpt = mailbox();
    const m = makeMessage({ recipient: rcpt });
    await store.createMessage(m, makeChunk(m.messageId, 1), created);
    const dup = { ...m, recipient: mailbox(), subject: 'other' };
    await rejectsWithCode(t, store.createMessage(dup, makeChunk(m.messageId, 1, { objectKey: 'other' }), created), 'conflict');
    t.strictSame(await store.getMessage(m.messageId), m);
    t.equal((await store.getChunk(m.messageId, 1))?.objectKey, makeChunk(m.messageId, 1).objectKey);
    t.equal((await store.listEvents(m.messageId)).length, 1, 'no second event');
    t.strictSame(await inbox(store, dup.recipient), []);
  });

  test('a chunked message is invisible until its last chunk arrives, in any order', async (t, store) => {
    const rcpt = mailbox();
    const m = makeMessage({ recipient: rcpt, status: 'uploading', totalChunks: 3, fileSize: 0 });
    await store.createMessage(m, null, makeEvent('uploading', 'created'));
    const accept = makeEvent('accepted', 'accepted');

    const r3 = await store.putChunk(makeChunk(m.messageId, 3, { size: 30 }), accept);
    t.equal(r3.message.status, 'uploading');
    t.equal(r3.message.fileSize, 30);
    t.equal(r3.replacedObjectKey, null);
    const r1 = await store.putChunk(makeChunk(m.messageId, 1, { size: 100 }), accept);
    t.equal(r1.message.status, 'uploading');
    t.strictSame(await store.listChunkNumbers(m.messageId), [1, 3]);
    t.strictSame(await inbox(store, rcpt), [], 'not listed while uploading');
    t.equal(await store.countInbox(rcpt), 0);

    const before = Date.now();
    const r2 = await store.putChunk(makeChunk(m.messageId, 2, { size: 20 }), accept);
    t.equal(r2.message.status, 'accepted');
    t.equal(r2.message.fileSize, 150, 'file size is the sum of the chunks');
    t.ok(r2.message.acceptedAt !== null && r2.message.acceptedAt >= before, 'acceptedAt set');
    t.strictSame(await store.getMessage(m.messageId), r2.message, 'returned record is what is stored');
    t.strictSame(await store.listChunkNumbers(m.messageId), [1, 2, 3]);
    t.strictSame(await inbox(store, rcpt), [m.messageId]);
    t.strictSame((await store.listEvents(m.messageId)).map((e) => e.event), ['created', 'accepted']);
  });

  test('re-putting a chunk replaces it and names the object no longer referenced', async (t, store) => {
    const m = makeMessage({ recipient: mailbox(), status: 'uploading', totalChunks: 3 });
    await store.createMessage(m, makeChunk(m.messageId, 1, { size: 10 }), created);
    const accept = makeEvent('accepted', 'accepted');

    await store.putChunk(makeChunk(m.messageId, 2, { objectKey: 'k2-a', size: 5 }), accept);
    const again = await store.putChunk(makeChunk(m.messageId, 2, { objectKey: 'k2-b', size: 7, sha256: 'a'.repeat(64) }), accept);
    t.equal(again.replacedObjectKey, 'k2-a');
    t.equal(again.message.fileSize, 17, 'size counts the replacement, not both uploads');
    t.equal(again.message.status, 'uploading', 'a replaced chunk does not count twice');
    t.strictSame(await store.getChunk(m.messageId, 2), makeChunk(m.messageId, 2, { objectKey: 'k2-b', size: 7, sha256: 'a'.repeat(64) }));

    const same = await store.putChunk(makeChunk(m.messageId, 2, { objectKey: 'k2-b', size: 7 }), accept);
    t.equal(same.replacedObjectKey, null, 'same key: nothing to delete');
    const toInline = await store.putChunk(makeChunk(m.messageId, 2, { objectKey: null, inline: Buffer.from('abcdefg'), size: 7 }), accept);
    t.equal(toInline.replacedObjectKey, 'k2-b', 'moving to inline frees the object');
    const fromInline = await store.putChunk(makeChunk(m.messageId, 2, { objectKey: 'k2-c', size: 7 }), accept);
    t.equal(fromInline.replacedObjectKey, null, 'inline bytes have no object to delete');
    t.equal((await store.getChunk(m.messageId, 2))?.inline, null, 'inline bytes replaced too');
  });

  test('putChunk refuses unknown messages, finished messages and chunk numbers out of range', async (t, store) => {
    const accept = makeEvent('accepted', 'accepted');
    await rejectsWithCode(t, store.putChunk(makeChunk('MSG-NOPE-' + randomUUID(), 1), accept), 'not_found');

    const done = makeMessage({ recipient: mailbox() });
    await store.createMessage(done, makeChunk(done.messageId, 1), created);
    await rejectsWithCode(t, store.putChunk(makeChunk(done.messageId, 1, { objectKey: 'late' }), accept), 'locked');
    t.equal((await store.getChunk(done.messageId, 1))?.objectKey, makeChunk(done.messageId, 1).objectKey, 'chunk untouched');

    const up = makeMessage({ recipient: mailbox(), status: 'uploading', totalChunks: 2 });
    await store.createMessage(up, makeChunk(up.messageId, 1), created);
    await rejectsWithCode(t, store.putChunk(makeChunk(up.messageId, 3), accept), 'chunk_out_of_range');
    await rejectsWithCode(t, store.putChunk(makeChunk(up.messageId, 0), accept), 'chunk_out_of_range');
    t.strictSame(await store.listChunkNumbers(up.messageId), [1], 'nothing stored');
    t.equal((await store.getMessage(up.messageId))?.status, 'uploading');

    const acked = await store.transition(done.messageId, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'acknowledged'));
    t.ok(acked, 'acknowledged');
    await rejectsWithCode(t, store.putChunk(makeChunk(done.messageId, 1), accept), 'locked');
  });
}

function registerInboxTests(test: Register): void {
  test('inbox order is the order messages were accepted, not created', async (t, store) => {
    const rcpt = mailbox();
    const slow = makeMessage({ recipient: rcpt, status: 'uploading', totalChunks: 2 });
    await store.createMessage(slow, makeChunk(slow.messageId, 1), created);
    const quick = await send(store, rcpt);
    await store.putChunk(makeChunk(slow.messageId, 2), makeEvent('accepted', 'accepted'));
    const later = await send(store, rcpt);
    t.strictSame(await inbox(store, rcpt), [quick, slow.messageId, later]);

    const viaTransition = makeMessage({ recipient: rcpt, status: 'uploading' });
    await store.createMessage(viaTransition, makeChunk(viaTransition.messageId, 1), created);
    const last = await send(store, rcpt);
    await store.transition(viaTransition.messageId, ['uploading'], 'accepted', makeEvent('accepted', 'accepted'));
    t.strictSame(await inbox(store, rcpt), [quick, slow.messageId, later, last, viaTransition.messageId]);
    t.ok((await store.getMessage(viaTransition.messageId))?.acceptedAt, 'transition to accepted sets acceptedAt');
  });

  test('inbox pages with limit and afterMessageId; hasMore is exact at the boundary', async (t, store) => {
    const rcpt = mailbox();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await send(store, rcpt));
    await send(store, mailbox()); // someone else's message, never listed here
    const page = (limit: number, afterMessageId?: string | null) => store.listInbox({ recipient: rcpt, limit, afterMessageId });

    t.strictSame(await page(2), { messageIds: ids.slice(0, 2), hasMore: true });
    t.strictSame(await page(2, ids[1]), { messageIds: ids.slice(2, 4), hasMore: true });
    t.strictSame(await page(2, ids[3]), { messageIds: ids.slice(4), hasMore: false });
    t.strictSame(await page(5), { messageIds: ids, hasMore: false }, 'exactly all: no more');
    t.strictSame(await page(4), { messageIds: ids.slice(0, 4), hasMore: true }, 'one short: more');
    t.strictSame(await page(3, ids[1]), { messageIds: ids.slice(2), hasMore: false });
    t.strictSame(await page(10, ids[4]), { messageIds: [], hasMore: false });
    t.strictSame(await page(2, 'MSG-UNKNOWN'), { messageIds: ids.slice(0, 2), hasMore: true }, 'unknown ID: from the top');
    const foreign = await send(store, mailbox());
    t.strictSame(await page(2, foreign), { messageIds: ids.slice(0, 2), hasMore: true }, "another inbox's ID: from the top");
    t.strictSame(await page(2, null), { messageIds: ids.slice(0, 2), hasMore: true });

    await store.transition(ids[1]!, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'acknowledged'));
    t.strictSame(await page(2, ids[1]), { messageIds: ids.slice(2, 4), hasMore: true }, 'paging on after an acknowledged message');
    t.strictSame(await page(10), { messageIds: [ids[0], ...ids.slice(2)], hasMore: false }, 'acknowledged message left the inbox');
  });

  test('workflow filters: all six forms, case-sensitive, no wildcard characters', async (t, store) => {
    const rcpt = mailbox();
    const wf = ['PATH_MEDRPT_V3', 'PATH_MEDRPT_V3_ACK', 'path_medrpt_v3', 'SCRN_ACK_X', 'AXB', 'A_B', 'A%B'];
    const id: Record<string, string> = {};
    for (const w of wf) id[w] = await send(store, rcpt, { workflowId: w });
    const check = async (filter: WorkflowFilter, expected: string[]): Promise<void> => {
      const label = `${filter.negate ? 'not ' : ''}${filter.kind} ${filter.value}`;
      t.strictSame(await inbox(store, rcpt, filter), expected.map((w) => id[w]), label);
      t.equal(await store.countInbox(rcpt, filter), expected.length, `count, ${label}`);
    };
    const f = (kind: WorkflowFilter['kind'], value: string, negate = false): WorkflowFilter => ({ kind, value, negate });

    await check(f('equals', 'PATH_MEDRPT_V3'), ['PATH_MEDRPT_V3']);
    await check(f('equals', 'PATH_MEDRPT_V3', true), wf.filter((w) => w !== 'PATH_MEDRPT_V3'));
    await check(f('prefix', 'PATH_'), ['PATH_MEDRPT_V3', 'PATH_MEDRPT_V3_ACK']);
    await check(f('prefix', 'PATH_', true), ['path_medrpt_v3', 'SCRN_ACK_X', 'AXB', 'A_B', 'A%B']);
    await check(f('contains', '_ACK'), ['PATH_MEDRPT_V3_ACK', 'SCRN_ACK_X']);
    await check(f('contains', '_ACK', true), ['PATH_MEDRPT_V3', 'path_medrpt_v3', 'AXB', 'A_B', 'A%B']);
    await check(f('equals', 'path_medrpt_v3'), ['path_medrpt_v3']);
    await check(f('prefix', 'path'), ['path_medrpt_v3']);
    await check(f('contains', 'medrpt'), ['path_medrpt_v3']);
    await check(f('prefix', 'A_'), ['A_B']);
    await check(f('contains', '%'), ['A%B']);
    await check(f('equals', 'A_B'), ['A_B']);
    await check(f('prefix', 'NOPE'), []);
    t.strictSame(
      await store.listInbox({ recipient: rcpt, limit: 1, workflowFilter: f('prefix', 'PATH_') }),
      { messageIds: [id['PATH_MEDRPT_V3']], hasMore: true },
      'paging applies after the filter',
    );
    t.strictSame(
      await store.listInbox({ recipient: rcpt, limit: 1, afterMessageId: id['PATH_MEDRPT_V3'], workflowFilter: f('prefix', 'PATH_') }),
      { messageIds: [id['PATH_MEDRPT_V3_ACK']], hasMore: false },
    );
  });

  test('countInbox counts only accepted messages for that recipient', async (t, store) => {
    const rcpt = mailbox();
    t.equal(await store.countInbox(rcpt), 0);
    const a = await send(store, rcpt);
    await send(store, rcpt);
    await send(store, mailbox());
    const up = makeMessage({ recipient: rcpt, status: 'uploading', totalChunks: 2 });
    await store.createMessage(up, makeChunk(up.messageId, 1), created);
    t.equal(await store.countInbox(rcpt), 2);
    await store.transition(a, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'acknowledged'));
    t.equal(await store.countInbox(rcpt), 1);
  });
}

function registerStateTests(test: Register): void {
  test('transition is compare-and-set: the winner gets the record, the loser null', async (t, store) => {
    const rcpt = mailbox();
    const id = await send(store, rcpt);
    const ack = makeEvent('acknowledged', 'acknowledged');
    const before = Date.now();
    const first = await store.transition(id, ['accepted'], 'acknowledged', ack);
    t.equal(first?.status, 'acknowledged');
    t.ok(first?.acknowledgedAt != null && first.acknowledgedAt >= before, 'acknowledgedAt set');
    t.ok(first !== null && first.updatedAt >= before, 'updatedAt moved');
    t.strictSame(await store.getMessage(id), first);
    t.equal(await store.transition(id, ['accepted'], 'acknowledged', ack), null, 'second acknowledge loses');
    t.equal(await store.transition('MSG-NOPE', ['accepted'], 'acknowledged', ack), null, 'unknown message');
    t.equal(await store.transition(id, [], 'expired', makeEvent('expired', 'expired')), null, 'no expected state');
    t.strictSame((await store.listEvents(id)).map((e) => e.event), ['created', 'acknowledged'], 'losers record nothing');
    t.strictSame(await inbox(store, rcpt), []);

    const raced = await send(store, rcpt);
    const results = await Promise.all([1, 2, 3].map(() => store.transition(raced, ['accepted'], 'acknowledged', ack)));
    t.equal(results.filter((r) => r !== null).length, 1, 'exactly one concurrent acknowledge wins');
    t.equal((await store.listEvents(raced)).length, 2);
  });

  test('transition records events oldest first; coded events set the status fields', async (t, store) => {
    const m = makeMessage({ recipient: mailbox() });
    await store.createMessage(m, null, makeEvent('accepted', 'created', { at: T0 + 1 }));
    const id = m.messageId;
    const plain = await store.transition(id, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'acknowledged', { at: T0 + 10 }));
    t.equal(plain?.statusCode, '00', 'an uncoded event keeps the status fields');
    t.equal(plain?.statusEvent, 'TRANSFER');
    const err = await store.transition(
      id,
      ['acknowledged', 'accepted'],
      'error',
      makeEvent('error', 'error', { code: '14', description: 'undeliverable', linkedMessageId: 'MSG-REPORT', at: T0 + 20 }),
    );
    t.equal(err?.status, 'error');
    t.equal(err?.statusCode, '14');
    t.equal(err?.statusEvent, 'error');
    t.equal(err?.statusDescription, 'undeliverable');
    t.strictSame(await store.listEvents(id), [
      { messageId: id, status: 'accepted', event: 'created', code: null, description: null, linkedMessageId: null, at: T0 + 1 },
      { messageId: id, status: 'acknowledged', event: 'acknowledged', code: null, description: null, linkedMessageId: null, at: T0 + 10 },
      { messageId: id, status: 'error', event: 'error', code: '14', description: 'undeliverable', linkedMessageId: 'MSG-REPORT', at: T0 + 20 },
    ]);
    t.strictSame(await store.listEvents('MSG-NOPE'), []);
  });

  test('findBySenderLocalId returns that sender\'s messages with that local ID, newest first', async (t, store) => {
    const sender = mailbox();
    const rcpt = mailbox();
    const older = await send(store, rcpt, { sender, localId: 'L1', createdAt: T0 });
    const newer = await send(store, rcpt, { sender, localId: 'L1', createdAt: T0 + 1000 });
    const sameTimeLater = await send(store, rcpt, { sender, localId: 'L1', createdAt: T0 + 1000 });
    await send(store, rcpt, { sender, localId: 'L2' });
    await send(store, rcpt, { sender: mailbox(), localId: 'L1' });
    const found = await store.findBySenderLocalId(sender, 'L1');
    t.strictSame(found.map((m) => m.messageId).slice(2), [older]);
    t.strictSame(new Set(found.slice(0, 2).map((m) => m.messageId)), new Set([newer, sameTimeLater]));
    t.equal(found[0]?.sender, sender);
    t.strictSame(await store.findBySenderLocalId(sender, 'l1'), [], 'case-sensitive');
    t.strictSame(await store.findBySenderLocalId(sender, 'NONE'), []);
  });
}

function registerHousekeepingTests(test: Register): void {
  test('nonces: a replay is refused until released or pruned', async (t, store) => {
    const mb = mailbox();
    t.equal(await store.recordNonce(mb, 'n1', '1', T0 + 1000), true);
    t.equal(await store.recordNonce(mb, 'n1', '1', T0 + 1000), false, 'replay');
    t.equal(await store.recordNonce(mb, 'n1', '2', T0 + 1000), true, 'next count');
    t.equal(await store.recordNonce(mailbox(), 'n1', '1', T0 + 1000), true, 'other mailbox');
    const concurrent = await Promise.all([1, 2, 3].map(() => store.recordNonce(mb, 'n2', '1', T0 + 1000)));
    t.equal(concurrent.filter(Boolean).length, 1, 'concurrent uses: exactly one wins');

    await store.releaseNonce(mb, 'n1', '1');
    t.equal(await store.recordNonce(mb, 'n1', '1', T0 + 1000), true, 'released nonce can be used again');
    t.equal(await store.recordNonce(mb, 'n1', '2', T0 + 1000), false, 'release forgot only that count');

    await store.recordNonce(mb, 'old', '1', T0 - 1);
    await store.recordNonce(mb, 'edge', '1', T0);
    const pruned = await store.pruneNonces(T0);
    t.equal(pruned, 2, 'expiresAt at or before now is pruned');
    t.equal(await store.recordNonce(mb, 'old', '1', T0 + 1000), true, 'pruned nonce is forgotten');
    t.equal(await store.recordNonce(mb, 'n1', '2', T0 + 1000), false, 'unexpired nonce kept');
    t.equal(await store.pruneNonces(T0), 0);
  });

  test('reset of one mailbox removes its sent and received messages and returns their object keys', async (t, store) => {
    const a = mailbox();
    const b = mailbox();
    const other = mailbox();
    const toA = makeMessage({ recipient: a, sender: other, status: 'uploading', totalChunks: 2 });
    await store.createMessage(toA, makeChunk(toA.messageId, 1, { objectKey: 'k-toA-1' }), created);
    await store.putChunk(makeChunk(toA.messageId, 2, { objectKey: 'k-toA-2' }), makeEvent('accepted', 'accepted'));
    const fromA = await send(store, b, { sender: a });
    const inlineToA = makeMessage({ recipient: a, sender: other });
    await store.createMessage(inlineToA, makeChunk(inlineToA.messageId, 1, { objectKey: null, inline: Buffer.from('x') }), created);
    const unrelated = await send(store, b, { sender: other });

    const keys = await store.reset(a);
    t.strictSame([...keys].sort(), ['k-toA-1', 'k-toA-2', `objects/${fromA}/1`].sort());
    for (const id of [toA.messageId, fromA, inlineToA.messageId]) {
      t.equal(await store.getMessage(id), null, 'message gone');
      t.strictSame(await store.listEvents(id), [], 'events gone');
      t.strictSame(await store.listChunkNumbers(id), [], 'chunks gone');
    }
    t.ok(await store.getMessage(unrelated), 'other mailboxes untouched');
    t.strictSame(await inbox(store, b), [unrelated]);
    t.strictSame(await store.reset(a), [], 'nothing left to reset');
  });

  test('reset of everything removes every message', async (t, store) => {
    const a = await send(store, mailbox());
    const b = await send(store, mailbox());
    const keys = await store.reset();
    t.ok(keys.includes(`objects/${a}/1`) && keys.includes(`objects/${b}/1`), 'returns every object key');
    t.equal(await store.getMessage(a), null);
    t.equal(await store.getMessage(b), null);
    t.strictSame(await store.reset(), []);
  });

  test('500 concurrent creates all commit, and a duplicate among them fails alone', async (t, store) => {
    const rcpt = mailbox();
    const msgs = Array.from({ length: 500 }, (_, i) => makeMessage({ recipient: rcpt, localId: `L${i}` }));
    await Promise.all(msgs.map((m) => store.createMessage(m, makeChunk(m.messageId, 1), created)));
    t.equal(await store.countInbox(rcpt), 500);
    const listed = await inbox(store, rcpt);
    t.strictSame(new Set(listed), new Set(msgs.map((m) => m.messageId)), 'every message listed once');
    t.equal(listed.length, 500);

    const fresh = Array.from({ length: 20 }, () => makeMessage({ recipient: rcpt }));
    const mixed = [...fresh.slice(0, 10), msgs[0]!, ...fresh.slice(10)];
    const settled = await Promise.allSettled(mixed.map((m) => store.createMessage(m, makeChunk(m.messageId, 1), created)));
    t.equal(settled.filter((s) => s.status === 'fulfilled').length, 20);
    const rejected = settled[10];
    t.ok(rejected?.status === 'rejected' && rejected.reason instanceof StoreError && rejected.reason.code === 'conflict', 'duplicate rejected');
    t.equal(await store.countInbox(rcpt), 520);
  });

  test('migrate is safe to call again', async (t, store) => {
    const id = await send(store, mailbox());
    await store.migrate();
    await store.migrate();
    t.ok(await store.getMessage(id), 'data kept');
  });
}
