/**
 * RabbitMQ faults against the real broker and a real meshd child process: its connection closed
 * by an operator, the network to RabbitMQ cut while traffic flows, and RabbitMQ unreachable at
 * start. Sends never depend on RabbitMQ (the outbox holds the work, DESIGN §4.3), and once the
 * broker is back every accepted message is delivered exactly once.
 */

import t from 'tap';
import { MeshdProcess, type LogRecord } from '../../helpers/meshd-process.js';
import { AMQP_URL } from '../../helpers/rabbitmq.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { COPY_RECIPIENT, Traffic, closeConnectionsOf, faultEnv, inboxIds, verifyExactlyOnce } from './faults-support.js';

const reconnected = (r: LogRecord): boolean => r.msg === 'connected to RabbitMQ' && r['reconnected'] === true;

t.test('an operator closes meshd\'s RabbitMQ connection twice during traffic', async (t) => {
  const env = await faultEnv(t, 'close');
  const meshd = await MeshdProcess.start(t, env.args());
  const traffic = new Traffic({ concurrency: 4, paceMs: 40 });
  t.teardown(() => traffic.close());
  traffic.target(meshd.url);

  const sending = traffic.send(200);
  for (const [n, at] of [[1, 60], [2, 130]] as const) {
    await traffic.reached(at);
    t.equal(await closeConnectionsOf(meshd.pid, `test: close ${n}`), 1, `close ${n}: meshd's one connection found and closed`);
    await meshd.waitForLog(() => meshd.records.filter(reconnected).length >= n, `reconnection ${n}`, 30_000);
  }
  await sending;

  const result = await verifyExactlyOnce(t, meshd.url, traffic, env.prefix);
  t.equal(result.accepted, 200, 'all 200 accepted messages were checked');
  t.equal(traffic.attempts.length, 200, 'every send was accepted: the HTTP side never noticed');
  t.equal(meshd.logged('connection to RabbitMQ lost; reconnecting').length, 2, 'meshd saw both closes');
});

t.test('the network to RabbitMQ is cut while meshd runs', async (t) => {
  const env = await faultEnv(t, 'cut');
  const proxy = await TcpProxy.start(t);
  const meshd = await MeshdProcess.start(t, env.args(proxy.amqpUrl(AMQP_URL)));
  const traffic = new Traffic({ concurrency: 4, paceMs: 20 });
  t.teardown(() => traffic.close());
  traffic.target(meshd.url);

  await traffic.send(20);
  await verifyExactlyOnce(t, meshd.url, traffic, env.prefix);
  const copiesBefore = (await inboxIds(meshd.url, COPY_RECIPIENT)).length;

  const cutAt = meshd.records.length;
  proxy.cut();
  await meshd.waitForLog((r) => r.msg === 'connection to RabbitMQ lost; reconnecting', 'the loss of RabbitMQ', 10_000, cutAt);
  await traffic.send(60);
  t.equal(traffic.attempts.length, 80, 'every send was accepted (202) while RabbitMQ was unreachable');
  // Hold the cut until a publish has given up, so the sweeper, not the first publish, must deliver it.
  await meshd.waitForLog((r) => r.msg === 'publish failed; the outbox sweeper will retry', 'a publish giving up', 20_000, cutAt);
  t.equal((await inboxIds(meshd.url, COPY_RECIPIENT)).length, copiesBefore, 'no copy was made while the adapter queue was unreachable');
  t.ok(proxy.refused > 0, 'meshd kept trying to reconnect while cut');

  const restoredAt = meshd.records.length;
  proxy.restore();
  await meshd.waitForLog(reconnected, 'reconnection', 20_000, restoredAt);
  const result = await verifyExactlyOnce(t, meshd.url, traffic, env.prefix);
  t.equal(result.accepted, 80, 'all 80 accepted messages were checked');
  t.ok(meshd.records.slice(restoredAt).some((r) => r.msg === 'outbox swept' && Number(r['published']) > 0), 'the outbox sweeper published what the outage left behind');
});

t.test('RabbitMQ unreachable when meshd starts', async (t) => {
  const env = await faultEnv(t, 'down');
  const proxy = await TcpProxy.start(t);
  proxy.cut();
  const meshd = MeshdProcess.spawn(t, env.args(proxy.amqpUrl(AMQP_URL)));
  const waiting = await meshd.waitForLog((r) => typeof r.msg === 'string' && r.msg.includes('waiting') && Number(r['attempt']) >= 3, 'a third attempt waiting for RabbitMQ', 20_000);
  t.match(waiting.msg, /RabbitMQ/, 'the log says what it is waiting for');
  t.same(meshd.logged('meshd listening'), [], 'meshd does not listen before it has RabbitMQ');
  t.ok(meshd.running, 'and keeps waiting rather than exiting');

  proxy.restore();
  await meshd.listening(20_000);
  const traffic = new Traffic({ concurrency: 4, paceMs: 0 });
  t.teardown(() => traffic.close());
  traffic.target(meshd.url);
  await traffic.send(20);
  const result = await verifyExactlyOnce(t, meshd.url, traffic, env.prefix);
  t.equal(result.accepted, 20, 'all 20 accepted messages were checked');
});
