import type { Test } from 'tap';
import type { MessageStore, OutboxEntry, OutputWrite } from '../../../broker/store/message-store.js';
import { mailbox, makeChunk, makeEvent, makeMessage } from './message-store-contract.js';

type Register = (name: string, fn: (t: Test, store: MessageStore) => Promise<void>) => void;

const T0 = 1_700_000_000_000;

function outboxFor(messageId: string, adapter = 'fanout'): OutboxEntry {
  return { messageId, adapter, envelope: { messageId, workflowId: 'WF_TEST', adapter, sender: 'SENDER', recipient: 'RECIPIENT', traceId: messageId } };
}

/** Creates a routed message with its outbox row; returns its ID. */
async function route(store: MessageStore, overrides = {}): Promise<string> {
  const m = makeMessage({ status: 'routed', acceptedAt: null, ...overrides });
  await store.createMessage(m, makeChunk(m.messageId, 1, { objectKey: `shared/${m.messageId}` }), makeEvent('routed', 'ROUTED'), outboxFor(m.messageId));
  return m.messageId;
}

function output(sourceId: string, recipient: string, n: number, objectKey: string, routed = false): OutputWrite {
  const m = makeMessage({ messageId: `${sourceId}-${n}`, recipient, linkedMessageId: sourceId, status: routed ? 'routed' : 'accepted', acceptedAt: routed ? null : T0 });
  return { message: m, chunks: [makeChunk(m.messageId, 1, { objectKey })], event: makeEvent(m.status, 'TRANSFER'), outbox: routed ? outboxFor(m.messageId, 'other') : null };
}

/** Outbox, adapter completion and parking lot: the routing core's use of the store. */
export function registerRoutingTests(test: Register): void {
  test('a routed message is in the outbox, not the inbox; due rows follow their state', async (t, store) => {
    const rcpt = mailbox();
    const id = await route(store, { recipient: rcpt });
    t.same((await store.listInbox({ recipient: rcpt, limit: 10 })).messageIds, [], 'not in the inbox');
    const createdAt = (await store.listOutboxDue(Number.MAX_SAFE_INTEGER, 0, 1000)).find((r) => r.messageId === id)?.createdAt;
    t.ok(createdAt, 'pending rows are due once older than the grace period');
    t.notOk((await store.listOutboxDue(createdAt! - 1, 0, 1000)).some((r) => r.messageId === id), 'but not before');
    await store.markOutboxPublished([id], 5_000);
    const published = await store.listOutboxDue(Number.MAX_SAFE_INTEGER, 4_000, 1000);
    t.notOk(published.some((r) => r.messageId === id), 'published recently: not due');
    const stale = (await store.listOutboxDue(Number.MAX_SAFE_INTEGER, 6_000, 1000)).find((r) => r.messageId === id);
    t.equal(stale?.state, 'published', 'published long ago: due again');
    t.equal(stale?.publishes, 1);
    t.same(stale?.envelope, outboxFor(id).envelope, 'envelope round-trips');
    t.ok((await store.resetOutboxPublished()) >= 1, 'reset makes published rows pending');
    t.equal((await store.listOutboxDue(Number.MAX_SAFE_INTEGER, 0, 1000)).find((r) => r.messageId === id)?.state, 'pending');
  });

  test('completeRouted commits outputs once, with the source processed and out of the outbox', async (t, store) => {
    const a = mailbox();
    const b = mailbox();
    const id = await route(store);
    const outs = [output(id, a, 1, `shared/${id}`), output(id, b, 2, `own/${id}-2`, true)];
    t.equal(await store.completeRouted(id, makeEvent('processed', 'PROCESSED'), outs), true);
    t.equal((await store.getMessage(id))?.status, 'processed');
    t.same((await store.listInbox({ recipient: a, limit: 10 })).messageIds, [`${id}-1`], 'a delivered output is in the inbox');
    t.same((await store.listInbox({ recipient: b, limit: 10 })).messageIds, [], 'a routed output is not');
    const due = await store.listOutboxDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1000);
    t.notOk(due.some((r) => r.messageId === id), "the source's outbox row is gone");
    t.ok(due.some((r) => r.messageId === `${id}-2`), "the routed output's row is there");
    t.equal(await store.completeRouted(id, makeEvent('processed', 'PROCESSED'), [output(id, a, 3, 'x')]), false, 'a second completion is refused');
    t.equal(await store.getMessage(`${id}-3`), null, 'and writes nothing');
  });

  test('completeRouted with an error leaves the source failed', async (t, store) => {
    const id = await route(store);
    t.equal(await store.completeRouted(id, makeEvent('error', 'SEND', { code: '15', description: 'bad file' }), [], 'error'), true);
    const m = await store.getMessage(id);
    t.equal(m?.status, 'error');
    t.equal(m?.statusSuccess, false);
    t.equal(m?.statusCode, '15');
  });

  test('commitRoutedBatch commits batches in order, once each, while the source stays routed', async (t, store) => {
    const a = mailbox();
    const id = await route(store);
    t.same(await store.routedProgress(id), { records: 0, state: null }, 'no progress before the first batch');
    t.equal(await store.commitRoutedBatch(id, 0, { records: 2, state: '{"matched":2}' }, [output(id, a, 1, 'k1'), output(id, a, 2, 'k2')]), true);
    t.same(await store.routedProgress(id), { records: 2, state: '{"matched":2}' }, 'records and state are kept together');
    t.equal((await store.getMessage(id))?.status, 'routed', 'the source is still routed');
    t.same((await store.listInbox({ recipient: a, limit: 10 })).messageIds, [`${id}-1`, `${id}-2`], 'the batch is delivered at once');
    t.equal(await store.commitRoutedBatch(id, 0, { records: 2, state: null }, [output(id, a, 9, 'k9')]), false, 'a replay of the same batch is refused');
    t.equal(await store.getMessage(`${id}-9`), null, 'and writes nothing');
    t.equal(await store.commitRoutedBatch(id, 1, { records: 3, state: null }, [output(id, a, 8, 'k8')]), false, 'so is a batch from a stale position');
    t.equal(await store.commitRoutedBatch(id, 2, { records: 3, state: null }, [output(id, a, 3, 'k3')]), true, 'the next batch goes on from where the last ended');
    t.same(await store.routedProgress(id), { records: 3, state: null });
    t.equal(await store.completeRouted(id, makeEvent('processed', 'PROCESSED'), [output(id, a, 4, 'k4')]), true, 'completion still works after batches');
    t.equal(await store.commitRoutedBatch(id, 3, { records: 4, state: null }, [output(id, a, 5, 'k5')]), false, 'no batch once the source is processed');
    t.same((await store.listInbox({ recipient: a, limit: 10 })).messageIds, [1, 2, 3, 4].map((n) => `${id}-${n}`));
  });

  test('two concurrent batches from one position: exactly one commits', async (t, store) => {
    const a = mailbox();
    const id = await route(store);
    const results = await Promise.all([1, 2].map((n) => store.commitRoutedBatch(id, 0, { records: 1, state: null }, [output(id, a, n, `c${n}`)])));
    t.same(results.filter(Boolean).length, 1, 'one winner');
    t.equal((await store.listInbox({ recipient: a, limit: 10 })).messageIds.length, 1, 'one batch of outputs');
  });

  test('park, list, unpark, discard', async (t, store) => {
    const id = await route(store);
    const other = await route(store);
    await store.parkRouted(id, 'fanout', 'cannot parse', 4, T0);
    const lot = (await store.listParked(1000)).filter((p) => p.messageId === id);
    t.same(lot.map((p) => [p.adapter, p.reason, p.attempts, p.parkedAt, p.workflowId]), [['fanout', 'cannot parse', 4, T0, 'WF_TEST']]);
    const due = await store.listOutboxDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1000);
    t.notOk(due.some((r) => r.messageId === id), 'a parked message is not swept');
    t.ok(due.some((r) => r.messageId === other), 'others are');
    const entry = await store.unpark(id);
    t.equal(entry?.adapter, 'fanout', 'unpark gives the outbox entry back');
    t.equal(await store.unpark(id), null, 'only once');
    t.ok((await store.listOutboxDue(Number.MAX_SAFE_INTEGER, 0, 1000)).some((r) => r.messageId === id), 'pending again');
    await store.parkRouted(id, 'fanout', 'still broken', 8, T0 + 1);
    const discarded = await store.discardParked(id, makeEvent('error', 'DISCARDED', { code: '16', description: 'gave up' }));
    t.equal(discarded?.status, 'error');
    t.equal(discarded?.statusCode, '16');
    t.equal(await store.discardParked(id, makeEvent('error', 'DISCARDED')), null, 'not parked any more');
    t.notOk((await store.listParked(1000)).some((p) => p.messageId === id));
    t.notOk((await store.listOutboxDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1000)).some((r) => r.messageId === id), 'out of the outbox');
  });

  test('reset keeps objects still used by outputs that share them', async (t, store) => {
    const a = mailbox();
    const src = mailbox();
    const id = await route(store, { sender: src, recipient: src });
    await store.completeRouted(id, makeEvent('processed', 'PROCESSED'), [output(id, a, 1, `shared/${id}`)]);
    t.same(await store.reset(src), [], "the source's object is still used by the copy");
    t.same(await store.reset(a), [`shared/${id}`], 'and is released with the last user');
  });
}
