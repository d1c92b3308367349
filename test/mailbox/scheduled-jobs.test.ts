import t from 'tap';
import { clientFor, raw, startTestMeshd } from '../helpers/meshd.js';

/**
 * The scheduled jobs wired into meshd: driven by the injectable clock and direct ticks. The clock
 * jumps forward only around the tick, because client tokens carry the real time.
 */

const DAY = 86_400_000;
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

t.test('meshd: an uncollected message expires, tracking says undeliverable, the sender gets REPORT 14; admin stats and jobs', async (t) => {
  let offset = 0;
  const meshd = await startTestMeshd(t, { now: () => Date.now() + offset, config: { adminToken: ADMIN.authorization.slice(7) } });
  const mb1 = clientFor(t, meshd, 'MB1');
  const mb2 = clientFor(t, meshd, 'MB2');
  const id = await mb1.sendMessage({ to: 'MB2', workflowId: 'WF_X', body: 'hello' });
  t.strictSame((await mb2.listInbox()).messages, [id]);

  offset = 5 * DAY + 60_000;
  t.equal(await meshd.housekeeping.inboxExpiry.tick(), true, 'the job ran');
  t.equal(await meshd.housekeeping.inboxExpiry.tick(), true, 'and again');
  offset = 0;

  t.strictSame((await mb2.listInbox()).messages, [], 'gone from the recipient inbox');
  const tracking = (await mb1.trackMessage(id)) as { status?: string; status_code?: string };
  t.equal(tracking.status, 'undeliverable');
  t.equal(tracking.status_code, '14');
  const reports = (await mb1.listInbox()).messages;
  t.equal(reports.length, 1, 'one REPORT for the sender');
  const head = await mb1.headMessage(reports[0]!);
  t.equal(head['mex-messagetype'], 'REPORT');
  t.equal(head['mex-linkedmsgid'], id);
  t.equal(head['mex-statuscode'], '14');

  const stats = await raw(meshd.url, 'GET', '/admin/stats', ADMIN);
  t.equal(stats.status, 200);
  // The REPORT was created at the jumped clock, outside the last 24 hours: only the message counts.
  t.match(stats.json(), { total: 1, by_status: { undeliverable: 1 }, by_workflow: { WF_X: { undeliverable: 1 } } });
  t.equal((await raw(meshd.url, 'GET', '/admin/stats')).status, 403, 'needs the admin token');
  t.equal((await raw(meshd.url, 'GET', '/admin/stats?hours=0', ADMIN)).status, 400);

  const jobs = (await raw(meshd.url, 'GET', '/admin/jobs', ADMIN)).json() as { jobs: { name: string; leader: boolean; schedule: string; last_outcome: unknown }[] };
  t.strictSame(jobs.jobs.map((j) => j.name), ['inbox-expiry', 'purge', 'abandoned-uploads', 'daily-stats', 'outbox-sweep', 'nonce-prune']);
  t.match(jobs.jobs[0], { schedule: '*/5 * * * *', leader: true, last_outcome: { expired: 0 } });
});
