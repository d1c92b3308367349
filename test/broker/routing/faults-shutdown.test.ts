/**
 * Stopping meshd while RabbitMQ is unreachable, against a real meshd child process: SIGTERM must
 * end the process within an orchestrator's grace period (Kubernetes gives 30 s before SIGKILL),
 * and the outbox it leaves behind is delivered, exactly once, by its successor.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { MeshdProcess, type Exit } from '../../helpers/meshd-process.js';
import { AMQP_URL } from '../../helpers/rabbitmq.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { Traffic, faultEnv, verifyExactlyOnce } from './faults-support.js';

/** Kubernetes' default terminationGracePeriodSeconds: past it, the process is SIGKILLed anyway. */
const GRACE_MS = 30_000;
const PUBLISH_FAILED = 'publish failed; the outbox sweeper will retry';

t.test('SIGTERM while RabbitMQ is unreachable and the outbox sweeper is retrying', async (t) => {
  const env = await faultEnv(t, 'term');
  const proxy = await TcpProxy.start(t);
  const meshd = await MeshdProcess.start(t, env.args(proxy.amqpUrl(AMQP_URL)), { name: 'meshd-1' });
  const traffic = new Traffic({ concurrency: 4, paceMs: 0, kindOf: () => 'fanout' });
  t.teardown(() => traffic.close());
  traffic.target(meshd.url);

  proxy.cut();
  await meshd.waitForLog((r) => r.msg === 'connection to RabbitMQ lost; reconnecting', 'the loss of RabbitMQ', 10_000);
  await traffic.send(30);
  // A message failing a second time was failed by the sweeper (the first publish fails only
  // once): the sweeper is now working through the pending rows while RabbitMQ stays away.
  await meshd.waitForLog(() => {
    const ids = meshd.logged(PUBLISH_FAILED).map((r) => r['messageId']);
    return new Set(ids).size < ids.length;
  }, 'the sweeper failing a publish', 30_000);

  const failuresAtTerm = meshd.logged(PUBLISH_FAILED).length;
  meshd.child.kill('SIGTERM');
  const exit: Exit | null = await Promise.race([meshd.exit, sleep(GRACE_MS, null, { ref: false })]);
  t.same(exit, { code: 0, signal: null }, `meshd exits 0 within ${GRACE_MS / 1000} s of SIGTERM while RabbitMQ is unreachable`);
  if (!exit) {
    t.comment(`still running ${GRACE_MS} ms after SIGTERM, still publishing: ` +
      `${meshd.logged(PUBLISH_FAILED).length - failuresAtTerm} publish failures logged since; killing it`);
    await meshd.kill('SIGKILL');
  }

  // Whatever the first process managed, the outbox on disk is the work left to do.
  proxy.restore();
  const successor = await MeshdProcess.start(t, env.args(proxy.amqpUrl(AMQP_URL)), { name: 'meshd-2' });
  const result = await verifyExactlyOnce(t, successor.url, traffic, env.prefix);
  t.equal(result.accepted, 30, 'all 30 messages accepted during the outage were checked');
});
