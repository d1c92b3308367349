import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { Channel, GetMessage } from 'amqplib';
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { AmqpTransport } from '../../../broker/transport/amqp/amqp-transport.js';
import type { AmqpTransportOptions } from '../../../broker/transport/amqp/amqp-transport.js';
import { HEADERS } from '../../../broker/transport/names.js';
import { UnrecoverableError } from '../../../broker/transport/transport.js';
import type { Delivery, LifecycleEvent } from '../../../broker/transport/transport.js';
import { gate, makeEnvelope, transportContract, waitFor } from './transport-contract.js';

const URL = process.env.MESH_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Every exchange and queue of this run starts with it, so teardown can find and delete them. */
const RUN = `test-${randomBytes(4).toString('hex')}-`;
const NO_RETRY = { attempts: 1, delaysMs: [] };
const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 20_000 });
  return stdout;
}

/**
 * Kills this transport's connections only (found by connection name), not the whole broker's:
 * other test files may be using the same RabbitMQ at the same time.
 */
async function killConnections(prefix: string): Promise<number> {
  const lines = (await rabbitmqctl('list_connections', '--no-table-headers', 'pid', 'client_properties')).split('\n');
  const pids = lines.filter((l) => l.includes(`"mesh-broker-test ${prefix}"`)).map((l) => l.split('\t')[0] ?? '');
  for (const pid of pids) await rabbitmqctl('close_connection', pid, 'test');
  return pids.length;
}

/** A logger whose records the test can inspect. */
function capturingLogger(): { logger: pino.Logger; lines: Array<{ msg?: string }> } {
  const lines: Array<{ msg?: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg?: string }) });
  return { logger, lines };
}

function newTransport(prefix: string, extra: Partial<AmqpTransportOptions> = {}): AmqpTransport {
  return new AmqpTransport({
    url: URL,
    prefix,
    connectionName: `mesh-broker-test ${prefix}`,
    reconnect: { initialMs: 50, maxMs: 1_000, factor: 2, jitter: 0.5 },
    failurePauseMs: 50,
    ...extra,
  });
}

/** A transport under a fresh per-test prefix, closed when the test ends. */
async function started(t: Test, name: string, adapters: string[], extra: Partial<AmqpTransportOptions> = {}): Promise<AmqpTransport> {
  const transport = newTransport(`${RUN}${name}-`, extra);
  t.teardown(() => transport.close());
  await transport.start(adapters, { signal: AbortSignal.timeout(10_000) });
  return transport;
}

/** Polls a queue with basic.get until a message arrives or 5 s pass. */
async function getOne(ch: Channel, queue: string): Promise<GetMessage | null> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const got = await ch.get(queue, { noAck: true });
    if (got !== false) return got;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

const admin = await connect(URL, { clientProperties: { connection_name: `mesh-broker-test-admin ${RUN}` } });
const ch = await admin.createChannel();
ch.on('error', () => undefined);

t.teardown(async () => {
  // Transports are closed by now (subtest teardowns run first); remove everything this run made.
  const queues = (await rabbitmqctl('list_queues', '--no-table-headers', 'name')).split('\n').filter((q) => q.startsWith(RUN));
  const exchanges = (await rabbitmqctl('list_exchanges', '--no-table-headers', 'name')).split('\n').filter((x) => x.startsWith(RUN));
  for (const q of queues) await ch.deleteQueue(q);
  for (const x of exchanges) await ch.deleteExchange(x);
  await admin.close();
});

t.test('contract', async (t) => {
  transportContract(t, async (prefix) => newTransport(`${RUN}${prefix}`));
});

t.test('declares quorum queues for adapters, delays and the parking lot', async (t) => {
  const transport = await started(t, 'topo', ['alpha']);
  await transport.consume('alpha', async () => undefined, { prefetch: 1, retry: { attempts: 3, delaysMs: [50, 100] }, onParked: async () => undefined });
  const names = transport.names;
  const types = new Map(
    (await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'type'))
      .split('\n')
      .map((line) => line.split('\t') as [string, string]),
  );
  t.equal(types.get(names.adapterQueue('alpha')), 'quorum', 'adapter queue is a quorum queue');
  t.equal(types.get(names.retryQueue(50)), 'quorum', 'delay queue for 50 ms');
  t.equal(types.get(names.retryQueue(100)), 'quorum', 'delay queue for 100 ms');
  t.equal(types.get(names.parkedQueue), 'quorum', 'parking lot');
  await t.resolves(ch.checkExchange(names.routeExchange), 'route exchange exists');
  await t.resolves(ch.checkExchange(names.eventsExchange), 'events exchange exists');
});

t.test('an envelope is persistent JSON with its trace headers, routed by adapter name', async (t) => {
  const transport = await started(t, 'wire', ['plain']);
  const sent = makeEnvelope('plain', { workflowId: 'WF_WIRE' });
  await transport.publish(sent);
  const got = await getOne(ch, transport.names.adapterQueue('plain'));
  t.equal(got?.fields.routingKey, 'plain', 'routing key is the adapter name');
  t.equal(got?.properties.deliveryMode, 2, 'persistent');
  t.equal(got?.properties.contentType, 'application/json');
  t.equal(got?.properties.messageId, sent.messageId);
  // t.match: quorum queues add their own x-delivery-count.
  t.match(got?.properties.headers, { workflowId: 'WF_WIRE', traceId: sent.traceId, attempt: 1 }, 'trace headers');
  t.same(JSON.parse(got?.content.toString() ?? 'null'), sent);
});

t.test('jittered retries expire early from their delay queue and come back', async (t) => {
  const transport = await started(t, 'jitter', ['wobbly'], { jitter: 1 });
  const attempts: number[] = [];
  await transport.consume('wobbly', async (d) => {
    attempts.push(d.attempt);
    if (d.attempt === 1) throw new Error('once');
  }, { prefetch: 1, retry: { attempts: 2, delaysMs: [300] }, onParked: async () => undefined });
  await transport.publish(makeEnvelope('wobbly'));
  t.ok(await waitFor(() => attempts.length >= 2), 'retried');
  t.same(attempts, [1, 2]);
});

t.test('a parked envelope is copied to mesh.parked with the failure reason', async (t) => {
  const transport = await started(t, 'parked', ['strict']);
  const parked: Delivery[] = [];
  await transport.consume('strict', async () => {
    throw new UnrecoverableError('bad payload');
  }, { prefetch: 1, retry: NO_RETRY, onParked: async (d) => void parked.push(d) });
  const sent = makeEnvelope('strict');
  await transport.publish(sent);
  const copy = await getOne(ch, transport.names.parkedQueue);
  t.ok(copy, 'a copy arrived in the parking queue');
  t.equal(parked.length, 1, 'onParked ran before the copy was published');
  t.match(String(copy?.properties.headers?.[HEADERS.failureReason]), /UnrecoverableError: bad payload/, 'x-failure-reason');
  t.equal(copy?.properties.headers?.[HEADERS.attempts], 1, 'x-attempts');
  t.equal(copy?.properties.messageId, sent.messageId, 'messageId kept');
  t.same(JSON.parse(copy?.content.toString() ?? 'null'), sent, 'body is the envelope');
});

t.test('a malformed body is rejected to the parking lot without reaching the handler', async (t) => {
  const transport = await started(t, 'garbage', ['strict']);
  const seen: string[] = [];
  await transport.consume('strict', async (d) => void seen.push(d.envelope.messageId), { prefetch: 1, retry: NO_RETRY, onParked: async () => undefined });
  ch.publish(transport.names.routeExchange, 'strict', Buffer.from('not json'), { messageId: 'garbage' });
  const copy = await getOne(ch, transport.names.parkedQueue);
  t.equal(copy?.properties.messageId, 'garbage', 'dead-lettered to the parking lot');
  t.equal(copy?.properties.headers?.['x-first-death-reason'], 'rejected', 'as rejected');
  t.same(seen, [], 'the handler never saw it');
});

t.test('lifecycle events go to mesh.events as <event>.<workflow>', async (t) => {
  const transport = await started(t, 'events', []);
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, transport.names.eventsExchange, 'accepted.#');
  const event: LifecycleEvent = { event: 'accepted', messageId: 'm1', workflowId: 'WF_A', mailbox: 'X26HC001', at: Date.now() };
  await transport.publishEvent(event);
  const got = await getOne(ch, queue);
  t.equal(got?.fields.routingKey, 'accepted.WF_A');
  t.same(JSON.parse(got?.content.toString() ?? 'null'), event);
});

t.test('publish waits for the socket to drain under back-pressure and loses nothing', async (t) => {
  const { logger, lines } = capturingLogger();
  // A two-frame channel buffer makes back-pressure certain instead of load-dependent.
  const transport = await started(t, 'drain', ['pressure'], { logger, publishHighWaterMark: 2 });
  const consumed = new Set<string>();
  await transport.consume('pressure', async (d) => void consumed.add(d.envelope.messageId), { prefetch: 50, retry: NO_RETRY, onParked: async () => undefined });
  const envelopes = Array.from({ length: 300 }, () => makeEnvelope('pressure'));
  await Promise.all(envelopes.map((e) => transport.publish(e)));
  t.ok(lines.some((l) => l.msg === 'publisher socket buffer full; waiting for drain'), 'the channel reported back-pressure');
  t.ok(await waitFor(() => consumed.size === envelopes.length), 'every envelope consumed');
});

t.test('envelopes confirmed during a connection kill are all consumed', async (t) => {
  const { logger, lines } = capturingLogger();
  const transport = await started(t, 'kill', ['stream'], { logger });
  const consumed = new Set<string>();
  await transport.consume('stream', async (d) => void consumed.add(d.envelope.messageId), { prefetch: 20, retry: NO_RETRY, onParked: async () => undefined });
  const confirmed = new Set<string>();
  let failed = 0;
  let killed = -1;
  let afterReconnect = 0;
  const deadline = Date.now() + 15_000;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && !(killed >= 0 && afterReconnect >= 200)) {
      const e = makeEnvelope('stream');
      try {
        await transport.publish(e);
        confirmed.add(e.messageId);
        if (killed >= 0) afterReconnect++;
      } catch {
        failed++; // an unconfirmed publish stays with the caller's outbox: not counted
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const workers = Array.from({ length: 8 }, () => worker());
  t.ok(await waitFor(() => confirmed.size >= 100), 'stream under way');
  killed = await killConnections(transport.names.prefix);
  await Promise.all(workers);
  t.ok(killed >= 1, `killed ${killed} connection(s)`);
  t.ok(afterReconnect >= 200, `publishing resumed after reconnecting (${failed} publishes failed meanwhile)`);
  t.ok(lines.filter((l) => l.msg === 'connected to RabbitMQ').length >= 2, 'logged a reconnection');
  t.ok(await waitFor(() => [...confirmed].every((id) => consumed.has(id)), 20_000), `all ${confirmed.size} confirmed envelopes consumed`);
});

t.test('a delivery not acked when the connection dies is redelivered', async (t) => {
  const transport = await started(t, 'redeliver', ['fragile']);
  const got = gate();
  const killed = gate();
  const deliveries: Delivery[] = [];
  await transport.consume('fragile', async (d) => {
    deliveries.push(d);
    if (deliveries.length === 1) {
      got.open();
      await killed.promise; // still "processing" when the connection goes away: no ack reaches RabbitMQ
    }
  }, { prefetch: 1, retry: NO_RETRY, onParked: async () => undefined });
  const sent = makeEnvelope('fragile');
  await transport.publish(sent);
  await got.promise;
  t.ok((await killConnections(transport.names.prefix)) >= 1, 'connection killed');
  killed.open();
  t.ok(await waitFor(() => deliveries.length >= 2, 15_000), 'delivered again after reconnecting');
  t.equal(deliveries[1]?.envelope.messageId, sent.messageId, 'the same envelope');
  t.equal(deliveries[1]?.redelivered, true, 'flagged as redelivered');
  t.equal(deliveries[1]?.attempt, 1, 'a redelivery is not a retry');
});

t.test('while RabbitMQ is unreachable start waits and publish fails within its bounds', async (t) => {
  const { logger, lines } = capturingLogger();
  const transport = new AmqpTransport({
    url: 'amqp://guest:guest@127.0.0.1:1', // nothing listens on port 1
    prefix: `${RUN}down-`,
    logger,
    reconnect: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
    publishWaitMs: 300,
    maxPending: 1,
  });
  t.teardown(() => transport.close());
  await t.rejects(transport.start(['alpha'], { signal: AbortSignal.timeout(1_000) }), { code: 'unavailable' });
  t.ok(lines.filter((l) => l.msg === 'waiting for RabbitMQ').length >= 2, 'kept retrying and said so');
  t.equal(transport.isConnected(), false);
  const first = transport.publish(makeEnvelope('alpha'));
  await t.rejects(transport.publish(makeEnvelope('alpha')), { code: 'backlog_full' }, 'the pending bound holds');
  await t.rejects(first, { code: 'unavailable' }, 'a waiting publish gives up after publishWaitMs');
});
