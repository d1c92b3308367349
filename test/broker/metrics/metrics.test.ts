import t from 'tap';
import { MAX_WORKFLOW_LABELS, Metrics } from '../../../broker/metrics/metrics.js';

const line = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

t.test('workflow labels are capped: past the cap, new workflows share `other`', async (t) => {
  const m = new Metrics({ defaultMetrics: false });
  for (let i = 0; i < MAX_WORKFLOW_LABELS + 50; i++) m.messageEvent('accepted', `WF_${i}`);
  m.messageEvent('accepted', 'WF_0'); // a workflow seen before the cap keeps its own label
  const lines = line(await m.render(), 'mesh_message_events_total{');
  t.equal(lines.length, MAX_WORKFLOW_LABELS + 1, 'cap + 1 series');
  t.ok(lines.includes('mesh_message_events_total{event="accepted",workflow="other"} 50'));
  t.ok(lines.includes('mesh_message_events_total{event="accepted",workflow="WF_0"} 2'));
});

t.test('a hung or failing probe reports the dependency down within the timeout', async (t) => {
  const m = new Metrics({
    defaultMetrics: false,
    probeTimeoutMs: 50,
    probes: {
      parkedCount: () => new Promise<number>(() => undefined),
      objectStoreProbe: () => Promise.reject(new Error('down')),
      queueDepths: () => new Promise(() => undefined),
      transportConnected: () => { throw new Error('boom'); },
    },
  });
  const started = Date.now();
  const text = await m.render();
  t.ok(Date.now() - started < 1_000, 'scrape not held by the hung probe');
  t.match(text, /mesh_dependency_up\{dependency="metadata_store"\} 0/);
  t.match(text, /mesh_dependency_up\{dependency="object_store"\} 0/);
  t.match(text, /mesh_dependency_up\{dependency="transport"\} 0/);
  t.match(text, /^mesh_parked_messages 0$/m, 'never counted: 0, not a made-up value');
  t.equal(line(text, 'mesh_adapter_queue_messages{').length, 0, 'no queue depths when the broker did not answer');
});

t.test('a store that stops answering keeps the last parked count', async (t) => {
  let clock = 0;
  let up = true;
  const m = new Metrics({ defaultMetrics: false, probeCacheMs: 1, probeTimeoutMs: 50, now: () => clock, probes: { parkedCount: async () => { if (!up) throw new Error('down'); return 7; } } });
  t.match(await m.render(), /^mesh_parked_messages 7$/m);
  up = false;
  clock = 10;
  const text = await m.render();
  t.match(text, /^mesh_parked_messages 7$/m, 'last known count');
  t.match(text, /mesh_dependency_up\{dependency="metadata_store"\} 0/);
});

t.test('probe results are cached for probeCacheMs', async (t) => {
  let clock = 0;
  let calls = 0;
  const m = new Metrics({ defaultMetrics: false, probeCacheMs: 5_000, now: () => clock, probes: { parkedCount: async () => ++calls } });
  t.match(await m.render(), /^mesh_parked_messages 1$/m);
  clock = 4_999;
  t.match(await m.render(), /^mesh_parked_messages 1$/m, 'cached');
  clock = 5_000;
  t.match(await m.render(), /^mesh_parked_messages 2$/m, 'probed again after the cache time');
  t.equal(calls, 2);
});

t.test('`metrics: false` in the config file is accepted by the schema and turns metrics off; default on', async (t) => {
  const { loadMeshdConfig } = await import('../../../broker/config/load-config.js');
  const off = t.testdir({ 'meshd.yaml': 'sharedKey: k\nmetrics: false\n' });
  t.equal((await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd: off })).metrics, false);
  const on = t.testdir({ 'meshd.yaml': 'sharedKey: k\n' });
  t.equal((await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd: on })).metrics, true);
  const bad = t.testdir({ 'meshd.yaml': 'sharedKey: k\nmetrics: "yes"\n' });
  await t.rejects(loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd: bad }), /metrics/);
});
