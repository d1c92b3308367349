/**
 * Process faults against the real RabbitMQ and real meshd child processes: meshd SIGKILLed in the
 * middle of traffic and restarted on the same data dir, and api and worker roles in separate
 * processes with the worker killed mid-stream. DESIGN §4.3: a crash at any instant loses nothing
 * and shows no recipient a duplicate.
 */

import t from 'tap';
import { MeshdProcess, tempDir, writeMeshdConfig } from '../../helpers/meshd-process.js';
import { freshSchema, metadataUrl } from '../../helpers/postgres.js';
import { COPY_RECIPIENT, FANOUT_WORKFLOW, RECIPIENT, SENDER, Traffic, client, eventually, faultEnv, inboxIds, queueDepths, verifyExactlyOnce } from './faults-support.js';

t.test('SIGKILL during traffic, restart on the same data dir: every accepted message once', async (t) => {
  const env = await faultEnv(t, 'kill');
  const first = await MeshdProcess.start(t, env.args(), { name: 'meshd-1' });
  const traffic = new Traffic({ concurrency: 12, paceMs: 5 });
  t.teardown(() => traffic.close());
  traffic.target(first.url);

  const sending = traffic.send(200);
  await traffic.reached(80);
  const inFlight = traffic.inFlight();
  const exit = await first.kill('SIGKILL');
  t.equal(exit.signal, 'SIGKILL', 'meshd died by SIGKILL, with no chance to drain');
  const acceptedBeforeKill = traffic.accepted().length;

  const second = await MeshdProcess.start(t, env.args(), { name: 'meshd-2' });
  traffic.target(second.url);
  await sending;

  const result = await verifyExactlyOnce(t, second.url, traffic, env.prefix);
  t.equal(result.accepted, 200, 'all 200 accepted messages were checked');
  t.equal(traffic.failed('api-error').length, 0, 'no send was refused by meshd itself');
  t.comment(`accepted before the kill: ${acceptedBeforeKill}; sends in flight at the kill: ${inFlight}; ` +
    `failed sends: ${traffic.failed('network-error').length}, of which committed anyway: ${result.committedUnacknowledged}`);
});

t.test('split roles need RabbitMQ: the embedded transport refuses them', async (t) => {
  const dir = await tempDir(t);
  const meshd = MeshdProcess.spawn(t, ['--config', await writeMeshdConfig(dir), '--data-dir', dir, '--port', '0', '--roles', 'api']);
  t.same(await meshd.exit, { code: 2, signal: null }, 'exits 2, a configuration error');
  t.match(meshd.stderr(), /^meshd: .*--roles.*embedded transport needs both roles/, 'saying why, on one line');
});

// On PostgreSQL, as split roles are deployed. Several processes writing one SQLite file hit
// 'database is locked' for tens of seconds under load (an open bug, not yet understood), which made
// this test fail on the SQLite store rather than on what it checks.
t.test('api and workers as separate processes on one PostgreSQL database and one RabbitMQ prefix', async (t) => {
  const metadata = ['--metadata', metadataUrl(freshSchema(t, 'roles'))];
  const env = await faultEnv(t, 'roles');
  const api = await MeshdProcess.start(t, env.args(undefined, ['--roles', 'api', ...metadata]), { name: 'api' });
  const worker1 = await MeshdProcess.start(t, env.args(undefined, ['--roles', 'workers', ...metadata]), { name: 'worker-1' });
  t.same(api.logged('meshd listening')[0]?.['roles'], ['api'], 'the api process runs the api role only');
  t.same(worker1.logged('meshd listening')[0]?.['roles'], ['workers'], 'the worker process runs the workers role only');

  // One ledger for both steps: the first message is in the inboxes the second step checks.
  const traffic = new Traffic({ concurrency: 6, paceMs: 10, kindOf: () => 'fanout' });
  t.teardown(() => traffic.close());
  traffic.target(api.url);

  await t.test('a fanout message sent to the api process is processed by the worker process', async (t) => {
    await traffic.send(1);
    const id = traffic.accepted()[0]!.id!;
    const [copy] = await eventually(async () => {
      const ids = await inboxIds(api.url, COPY_RECIPIENT);
      return ids.length ? ids : null;
    }, `the copy in ${COPY_RECIPIENT}, through the api process`);
    const reader = client(api.url, COPY_RECIPIENT);
    t.teardown(() => reader.close());
    const head = await reader.headMessage(copy!);
    t.equal(head['mex-linkedmsgid'], id, 'the copy links to the message sent');
    t.ok(worker1.logged('adapter processed message').some((r) => r['messageId'] === id), 'the worker process ran the adapter');
    t.same(api.logged('adapter processed message'), [], 'the api process ran no adapter');
  });

  await t.test('the worker SIGKILLed mid-stream and replaced: no loss, no duplicates', async (t) => {
    const processed = (): number => worker1.logged('adapter processed message').length;
    const before = processed();
    const firstPart = traffic.send(100);
    // Freeze the worker once it is busy with this stream: wherever SIGSTOP lands (mid-handler,
    // between commit and ack), that is where the SIGKILL below finds it.
    await worker1.waitForLog(() => processed() >= before + 30, '30 messages processed', 30_000);
    worker1.signal('SIGSTOP');
    await firstPart;
    // Sent while it is frozen: RabbitMQ still pushes them to its consumer, up to the prefetch.
    await traffic.send(50);
    const { unacked } = await eventually(async () => {
      const depths = await queueDepths(env.prefix);
      return depths.unacked > 0 ? depths : null;
    }, 'deliveries held by the frozen worker');
    t.ok(unacked > 0, 'the worker holds unacknowledged deliveries when it is killed');
    await worker1.kill('SIGKILL');
    const processedByWorker1 = processed() - before;

    const worker2 = await MeshdProcess.start(t, env.args(undefined, ['--roles', 'workers', ...metadata]), { name: 'worker-2' });
    const result = await verifyExactlyOnce(t, api.url, traffic, env.prefix);
    t.equal(result.accepted, 151, 'all 151 accepted messages were checked');
    t.equal(traffic.failed('network-error').length + traffic.failed('api-error').length, 0, 'the api process accepted every send while the worker died');
    const processedByWorker2 = worker2.logged('adapter processed message').length;
    t.ok(processedByWorker2 >= 150 - processedByWorker1 - unacked, 'the new worker processed what the old one left');
    t.comment(`processed by worker 1 before the kill: ${processedByWorker1} of 150; unacknowledged deliveries at the kill: ${unacked}; ` +
      `processed by worker 2: ${processedByWorker2}; redeliveries worker 2 found already processed: ${worker2.logged('already processed; duplicate delivery ignored').length}`);
  });
});
