import type { Test } from 'tap';
import type { EventInput, MessageRecord } from '../../../broker/message/model.js';
import type { MessageStore } from '../../../broker/store/message-store.js';
import { mailbox, makeChunk, makeEvent, makeMessage } from './message-store-contract.js';

type Register = (name: string, fn: (t: Test, store: MessageStore) => Promise<void>) => void;

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

const expiredEvent: EventInput = { status: 'undeliverable', event: 'TRANSFER', code: '14', description: 'not collected', linkedMessageId: null };

/** A REPORT to `sender` about `original`, as the expiry job writes it. */
function reportFor(original: MessageRecord): { message: MessageRecord; event: EventInput } {
  const message = makeMessage({
    messageType: 'REPORT', sender: '', recipient: original.sender, totalChunks: 0, fileSize: 0,
    linkedMessageId: original.messageId, statusCode: '14', statusSuccess: false, acceptedAt: T0 + 5 * DAY,
  });
  return { message, event: makeEvent('accepted', 'TRANSFER', { code: '14', linkedMessageId: original.messageId }) };
}

/** Housekeeping: inbox expiry's compare-and-set, purge's batches and shared objects, statistics. */
export function registerHousekeepingJobTests(test: Register): void {
  test('listUncollected: accepted messages accepted at or before the cutoff, oldest first', async (t, store) => {
    const rcpt = mailbox();
    const old2 = makeMessage({ recipient: rcpt, acceptedAt: T0 + 2 });
    const old1 = makeMessage({ recipient: rcpt, acceptedAt: T0 + 1 });
    const fresh = makeMessage({ recipient: rcpt, acceptedAt: T0 + DAY });
    const uploading = makeMessage({ recipient: rcpt, status: 'uploading', totalChunks: 2, acceptedAt: null });
    for (const m of [old2, old1, fresh, uploading]) await store.createMessage(m, makeChunk(m.messageId, 1), makeEvent(m.status, 'created'));
    const got = await store.listUncollected(T0 + 2, 10);
    t.strictSame(got.map((m) => m.messageId), [old1.messageId, old2.messageId]);
    t.strictSame((await store.listUncollected(T0 + 2, 1)).map((m) => m.messageId), [old1.messageId], 'limit honoured');
  });

  test('expireMessage is compare-and-set: one undeliverable, one REPORT, however often it is called', async (t, store) => {
    const sender = mailbox();
    const m = makeMessage({ sender, recipient: mailbox() });
    await store.createMessage(m, makeChunk(m.messageId, 1), makeEvent('accepted', 'created'));
    const report = reportFor(m);
    const results = await Promise.all([
      store.expireMessage(m.messageId, expiredEvent, report),
      store.expireMessage(m.messageId, expiredEvent, reportFor(m)),
      store.expireMessage(m.messageId, expiredEvent, reportFor(m)),
    ]);
    t.equal(results.filter((r) => r !== null).length, 1, 'exactly one call wins');
    const won = results.find((r) => r !== null)!;
    t.equal(won.status, 'undeliverable');
    t.equal(won.statusCode, '14');
    t.equal(won.statusSuccess, false);
    t.strictSame((await store.listInbox({ recipient: m.recipient, limit: 10 })).messageIds, [], 'gone from the recipient inbox');
    const senderInbox = await store.listInbox({ recipient: sender, limit: 10 });
    t.equal(senderInbox.messageIds.length, 1, 'the sender has exactly one REPORT');
    const r = (await store.getMessage(senderInbox.messageIds[0]!))!;
    t.equal(r.messageType, 'REPORT');
    t.equal(r.linkedMessageId, m.messageId);
    t.equal(await store.expireMessage(m.messageId, expiredEvent, reportFor(m)), null, 'again later: nothing');
    t.equal((await store.listInbox({ recipient: sender, limit: 10 })).messageIds.length, 1, 'still one REPORT');
    const events = await store.listEvents(m.messageId);
    t.strictSame(events.map((e) => e.status), ['accepted', 'undeliverable'], 'one undeliverable event');
  });

  test('expireMessage leaves an acknowledged message alone and writes no REPORT', async (t, store) => {
    const sender = mailbox();
    const m = makeMessage({ sender, recipient: mailbox() });
    await store.createMessage(m, makeChunk(m.messageId, 1), makeEvent('accepted', 'created'));
    await store.transition(m.messageId, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'ack'));
    t.equal(await store.expireMessage(m.messageId, expiredEvent, reportFor(m)), null);
    t.equal((await store.getMessage(m.messageId))!.status, 'acknowledged');
    t.equal(await store.countInbox(sender), 0, 'no REPORT');
    t.equal(await store.expireMessage('MSG-UNKNOWN', expiredEvent, null), null, 'unknown: null');
  });

  test('retireMessages: bounded batches, chunks gone, rows and events kept, shared objects survive', async (t, store) => {
    const rcpt = mailbox();
    const mk = async (overrides: Partial<MessageRecord>, key: string | null, inline?: Buffer): Promise<MessageRecord> => {
      const m = makeMessage({ recipient: rcpt, ...overrides });
      await store.createMessage(m, makeChunk(m.messageId, 1, { objectKey: key, inline: inline ?? null }), makeEvent(m.status, 'created'));
      return m;
    };
    const acked = await mk({ status: 'acknowledged', updatedAt: T0 }, 'k-acked');
    const errored = await mk({ status: 'error', updatedAt: T0 }, 'k-shared');
    const inline = await mk({ status: 'undeliverable', updatedAt: T0 }, null, Buffer.from('bytes'));
    // A copy (an adapter output) still in an inbox shares errored's object.
    const copy = await mk({ status: 'accepted', updatedAt: T0 }, 'k-shared');
    const recent = await mk({ status: 'acknowledged', updatedAt: T0 + DAY }, 'k-recent');
    const req = { from: ['acknowledged', 'error', 'undeliverable'] as const, before: T0, to: 'purged' as const, event: makeEvent('purged', 'PURGED') };

    const first = await store.retireMessages({ ...req, from: [...req.from], limit: 2 });
    t.equal(first.messages.length, 2, 'at most `limit` per call');
    const second = await store.retireMessages({ ...req, from: [...req.from], limit: 2 });
    t.equal(second.messages.length, 1, 'the rest on the next call');
    const third = await store.retireMessages({ ...req, from: [...req.from], limit: 2 });
    t.strictSame(third, { messages: [], objectKeys: [] }, 'then nothing: idempotent');

    const ids = [...first.messages, ...second.messages].map((m) => m.messageId).sort();
    t.strictSame(ids, [acked.messageId, errored.messageId, inline.messageId].sort());
    t.strictSame([...first.objectKeys, ...second.objectKeys].sort(), ['k-acked'], 'k-shared is still used by the copy');
    for (const m of [acked, errored, inline]) {
      const row = (await store.getMessage(m.messageId))!;
      t.equal(row.status, 'purged', 'row kept, status purged');
      t.strictSame(await store.listChunkNumbers(m.messageId), [], 'chunks (and inline bytes) gone');
      t.equal((await store.listEvents(m.messageId)).at(-1)?.event, 'PURGED', 'event recorded');
    }
    t.ok(await store.getChunk(copy.messageId, 1), 'the copy keeps its chunk');
    t.equal((await store.getMessage(recent.messageId))!.status, 'acknowledged', 'not old enough: untouched');

    // Once the copy goes too, its object is no longer referenced and is returned.
    await store.transition(copy.messageId, ['accepted'], 'acknowledged', makeEvent('acknowledged', 'ack'));
    const later = await store.retireMessages({ ...req, from: [...req.from], before: Number.MAX_SAFE_INTEGER, limit: 10 });
    t.strictSame([...later.objectKeys].sort(), ['k-recent', 'k-shared'].sort());
  });

  test('retireMessages: abandoned uploads become expired and lose their chunks', async (t, store) => {
    const m = makeMessage({ recipient: mailbox(), status: 'uploading', totalChunks: 3, updatedAt: T0, acceptedAt: null });
    await store.createMessage(m, makeChunk(m.messageId, 1, { objectKey: 'up-1' }), makeEvent('uploading', 'created'));
    await store.putChunk(makeChunk(m.messageId, 2, { objectKey: 'up-2' }), makeEvent('accepted', 'accepted'));
    // putChunk stamps updated_at with the store's clock, so retire everything up to now.
    const res = await store.retireMessages({ from: ['uploading'], before: Number.MAX_SAFE_INTEGER, to: 'expired', event: makeEvent('expired', 'UPLOAD'), limit: 10 });
    t.strictSame(res.messages.map((x) => x.messageId), [m.messageId]);
    t.strictSame([...res.objectKeys].sort(), ['up-1', 'up-2']);
    const row = (await store.getMessage(m.messageId))!;
    t.equal(row.status, 'expired');
    t.equal(row.statusSuccess, false);
    t.strictSame(await store.listChunkNumbers(m.messageId), []);
  });

  test('messageStats counts messages created in the window by workflow and status', async (t, store) => {
    const rcpt = mailbox();
    const mk = async (workflowId: string, status: MessageRecord['status'], createdAt: number): Promise<void> => {
      const m = makeMessage({ recipient: rcpt, workflowId, status, createdAt });
      await store.createMessage(m, null, makeEvent(status, 'created'));
    };
    await mk('WF_A', 'accepted', T0);
    await mk('WF_A', 'accepted', T0 + 1);
    await mk('WF_A', 'acknowledged', T0 + 2);
    await mk('WF_B', 'error', T0 + 3);
    await mk('WF_B', 'error', T0 - 1);
    await mk('WF_B', 'error', T0 + DAY);
    const rows = await store.messageStats(T0, T0 + DAY);
    t.strictSame(rows, [
      { workflowId: 'WF_A', status: 'accepted', count: 2 },
      { workflowId: 'WF_A', status: 'acknowledged', count: 1 },
      { workflowId: 'WF_B', status: 'error', count: 1 },
    ]);
  });

  test('reclaimSpace is safe to call at any time', async (t, store) => {
    await store.reclaimSpace();
    await store.reclaimSpace();
    t.pass();
  });
}
