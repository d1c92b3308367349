/**
 * GET /metrics: counters move by exactly what the traffic did, labels stay bounded, and the
 * scrape-time gauges report the dependencies, on both transports.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { RoutingConfig } from '../../broker/config/config.js';
import { AMQP_URL, cleanupTopology, testPrefix } from '../helpers/rabbitmq.js';
import { authFor, raw, startTestMeshd, V2 } from '../helpers/meshd.js';
import { eventually, inboxOf, MAILBOXES, ROUTES, testAdapters } from '../broker/routing/routing-suite.js';

/** One sample of the text format: metric name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A tiny parser for the Prometheus text format (comments skipped, escapes in label values undone). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of every sample of `name` whose labels include `labels` (0 when there is none yet). */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

async function scrape(url: string): Promise<{ samples: Sample[]; text: string; contentType: string }> {
  const res = await raw(url, 'GET', '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = res.body.toString('utf8');
  return { samples: parse(text), text, contentType: String(res.headers['content-type']) };
}

const send = (url: string, from: string, to: string, workflowId: string, body: Buffer) =>
  raw(url, 'POST', `/messageexchange/${from}/outbox`, { authorization: authFor(from), accept: V2, 'mex-to': to, 'mex-workflowid': workflowId, 'content-type': 'application/octet-stream' }, body);

const OUTBOX_ROUTE = '/messageexchange/:mailbox/outbox';

function suite(t: Test, routing: () => Partial<RoutingConfig>): void {
  t.test('counters move by exactly the traffic sent, downloaded, acknowledged and routed', async (t) => {
    const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }), routing: routing() });
    const before = (await scrape(meshd.url)).samples;

    const N = 5;
    const payloads = Array.from({ length: N }, (_, i) => Buffer.from(`payload ${i} `.repeat(10 * (i + 1))));
    const ids: string[] = [];
    for (const p of payloads) {
      const res = await send(meshd.url, 'SRC1', 'HUB1', 'METRICS_WF', p);
      t.equal(res.status, 202, 'sent');
      ids.push(res.json().message_id as string);
    }
    const downloaded = [0, 1, 2];
    for (const i of downloaded) {
      const res = await raw(meshd.url, 'GET', `/messageexchange/HUB1/inbox/${ids[i]}`, { authorization: authFor('HUB1'), accept: V2 });
      t.equal(res.body.length, payloads[i]!.length, 'downloaded whole');
    }
    for (const i of [0, 1]) {
      const res = await raw(meshd.url, 'PUT', `/messageexchange/HUB1/inbox/${ids[i]}/status/acknowledged`, { authorization: authFor('HUB1'), accept: V2 });
      t.equal(res.status, 200, 'acknowledged');
    }
    // One message through the fanout adapter: NEMS_EVENT to GP1, and NEMS_EVENT_COPY to GP2.
    const routed = Buffer.from('child health event');
    t.equal((await send(meshd.url, 'SRC1', 'HUB1', 'NEMS_EVENT', routed)).status, 202);
    await eventually(async () => (await inboxOf(meshd.url, 'GP1')).length === 1 && (await inboxOf(meshd.url, 'GP2')).length === 1, 'fanout copies');
    // The outcome is counted just after the commit that makes the copies visible: wait for it.
    const after = await eventually(async () => {
      const s = (await scrape(meshd.url)).samples;
      return sum(s, 'mesh_adapter_deliveries_total', { adapter: 'fanout', outcome: 'processed' }) > sum(before, 'mesh_adapter_deliveries_total', { adapter: 'fanout', outcome: 'processed' }) ? s : null;
    }, 'fanout outcome counted');

    const moved = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);
    const events = (event: string, workflow: string) => moved('mesh_message_events_total', { event, workflow });
    t.equal(events('accepted', 'METRICS_WF'), N, 'accepted by N');
    t.equal(events('delivered', 'METRICS_WF'), N, 'delivered straight to the inbox: N');
    t.equal(events('acknowledged', 'METRICS_WF'), 2, 'acknowledged: 2');
    t.equal(events('accepted', 'NEMS_EVENT'), 1, 'routed message accepted once');
    t.equal(events('delivered', 'NEMS_EVENT'), 1, 'fanout copy to GP1 delivered under its workflow');
    t.equal(events('delivered', 'NEMS_EVENT_COPY'), 1, 'fanout copy to GP2 delivered under its own workflow');
    t.equal(moved('mesh_message_events_total', { event: 'parked' }), 0, 'nothing parked');

    const sent = payloads.reduce((a, p) => a + p.length, 0);
    t.equal(moved('mesh_payload_received_bytes_total', { workflow: 'METRICS_WF' }), sent, 'bytes in: the payload bytes');
    t.equal(moved('mesh_payload_received_bytes_total'), sent + routed.length, 'bytes in counts only what senders sent (not adapter copies)');
    t.equal(moved('mesh_payload_sent_bytes_total', { workflow: 'METRICS_WF' }), downloaded.reduce((a, i) => a + payloads[i]!.length, 0), 'bytes out: the bytes downloaded');

    t.equal(moved('mesh_http_requests_total', { method: 'POST', route: OUTBOX_ROUTE, status: '202' }), N + 1, 'outbox 202s counted by route pattern');
    t.equal(moved('mesh_http_requests_total', { method: 'PUT', route: '/messageexchange/:mailbox/inbox/:messageId/status/acknowledged', status: '200' }), 2, 'acks by route');
    t.equal(moved('mesh_http_requests_total', { method: 'GET', route: '/messageexchange/:mailbox/inbox/:messageId', status: '200' }), downloaded.length, 'downloads by route');
    t.equal(moved('mesh_http_request_duration_seconds_count', { method: 'POST', route: OUTBOX_ROUTE }), N + 1, 'latency observed per request');

    t.equal(moved('mesh_adapter_deliveries_total', { adapter: 'fanout', outcome: 'processed' }), 1, 'fanout processed once');
    t.equal(moved('mesh_adapter_deliveries_total', { outcome: 'retried' }), 0, 'no retries');
    t.equal(moved('mesh_adapter_processing_duration_seconds_count', { adapter: 'fanout' }), 1, 'processing time observed');

    const { text, contentType } = await scrape(meshd.url);
    t.match(contentType, /^text\/plain; version=0\.0\.4/, 'Prometheus text format');
    for (const id of ids) t.notOk(text.includes(id), 'no message ID in any label');
    t.notOk(/mailbox="|"(SRC1|HUB1|GP1|GP2)"/.test(text), 'no mailbox label values');
    t.notOk(after.some((s) => s.name === 'mesh_http_requests_total' && /\/messageexchange\/[A-Z]/.test(s.labels.route ?? '')), 'routes are patterns, never raw URLs');
  });

  t.test('scrape-time gauges: dependencies up, queue depths per adapter, parked count, process metrics', async (t) => {
    const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }), routing: routing() });
    const s = (await scrape(meshd.url)).samples;
    for (const dependency of ['metadata_store', 'object_store', 'transport']) t.equal(sum(s, 'mesh_dependency_up', { dependency }), 1, `${dependency} up`);
    for (const adapter of ['fanout', 'flaky', 'poison', 'bouncer']) t.ok(s.some((x) => x.name === 'mesh_adapter_queue_messages' && x.labels.adapter === adapter), `queue depth for ${adapter}`);
    t.equal(sum(s, 'mesh_adapter_queue_messages'), 0, 'queues empty');
    t.ok(s.some((x) => x.name === 'mesh_parked_messages'), 'parked gauge present');
    t.equal(sum(s, 'mesh_parked_messages'), 0, 'nothing parked');
    t.ok(s.some((x) => x.name === 'process_cpu_user_seconds_total'), 'default process metrics');
    t.ok(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds'), 'event loop lag');
  });

  t.test('a poison message moves the retried and parked outcomes', async (t) => {
    const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }), routing: routing() });
    t.equal((await send(meshd.url, 'SRC1', 'HUB1', 'POISON', Buffer.from('bad'))).status, 202);
    const s = await eventually(async () => {
      const x = (await scrape(meshd.url)).samples;
      return sum(x, 'mesh_adapter_deliveries_total', { adapter: 'poison', outcome: 'parked' }) === 1 ? x : null;
    }, 'parked counted');
    // Test routing: 3 attempts in all, so 2 retries before the parking.
    t.equal(sum(s, 'mesh_adapter_deliveries_total', { adapter: 'poison', outcome: 'retried' }), 2, 'two retries');
    t.equal(sum(s, 'mesh_adapter_deliveries_total', { adapter: 'poison', outcome: 'processed' }), 0, 'never processed');
    t.equal(sum(s, 'mesh_message_events_total', { event: 'parked', workflow: 'POISON' }), 1, 'parked lifecycle event');
    t.equal(sum(s, 'mesh_adapter_processing_duration_seconds_count', { adapter: 'poison' }), 3, 'every attempt timed');
  });
}

t.test('embedded transport', async (t) => suite(t, () => ({})));

t.test('RabbitMQ transport', async (t) =>
  suite(t, () => {
    const queuePrefix = testPrefix('metrics');
    cleanupTopology(t, queuePrefix, ['fanout', 'flaky', 'poison', 'bouncer'], [50, 100]);
    return { transport: AMQP_URL, queuePrefix };
  }));

t.test('metrics: false serves no /metrics; two instances in one process keep separate registries', async (t) => {
  const off = await startTestMeshd(t, { config: { metrics: false } });
  t.equal(off.metrics, null);
  t.equal((await raw(off.url, 'GET', '/metrics')).status, 404, 'not served');
  const a = await startTestMeshd(t);
  const b = await startTestMeshd(t);
  t.equal((await send(a.url, 'MB1', 'MB2', 'WF_A', Buffer.from('x'))).status, 202);
  t.equal(sum((await scrape(a.url)).samples, 'mesh_message_events_total', { event: 'accepted' }), 1, 'counted by the instance that took it');
  t.equal(sum((await scrape(b.url)).samples, 'mesh_message_events_total', { event: 'accepted' }), 0, 'not by the other');
});

t.test('unmatched URLs share one route label', async (t) => {
  const meshd = await startTestMeshd(t);
  for (const path of ['/no/such/path/1', '/no/such/path/2']) t.equal((await raw(meshd.url, 'GET', path)).status, 404);
  const s = (await scrape(meshd.url)).samples;
  t.equal(sum(s, 'mesh_http_requests_total', { route: 'unmatched', status: '404' }), 2);
  t.notOk(s.some((x) => (x.labels.route ?? '').startsWith('/no/')), 'raw URLs never become labels');
});

t.test('RabbitMQ queue depth: an envelope no worker consumes is counted in its adapter queue', async (t) => {
  const queuePrefix = testPrefix('metrics-depth');
  cleanupTopology(t, queuePrefix, ['fanout', 'flaky', 'poison', 'bouncer'], [50, 100]);
  // API role only: nothing consumes, so the routed envelope waits in mesh.adapter.fanout.
  const meshd = await startTestMeshd(t, { mailboxes: MAILBOXES, routesYaml: ROUTES, adapters: testAdapters({ flakyFailures: 0, poisonHealed: false, handled: [] }), routing: { transport: AMQP_URL, queuePrefix }, config: { roles: { api: true, workers: false } } });
  t.equal((await send(meshd.url, 'SRC1', 'HUB1', 'NEMS_EVENT', Buffer.from('event'))).status, 202);
  // Probes are cached for 5 s, so this may take one cache period.
  const s = await eventually(async () => {
    const x = (await scrape(meshd.url)).samples;
    return sum(x, 'mesh_adapter_queue_messages', { adapter: 'fanout' }) === 1 ? x : null;
  }, 'queue depth 1');
  t.equal(sum(s, 'mesh_adapter_queue_messages', { adapter: 'poison' }), 0, 'other queues empty');
});
