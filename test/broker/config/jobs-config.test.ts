import t from 'tap';
import { ConfigError } from '../../../broker/config/config-error.js';
import { DEFAULT_JOBS } from '../../../broker/config/jobs-config.js';
import { loadMeshdConfig } from '../../../broker/config/load-config.js';

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

/** Loads meshd.yaml holding `yaml`; resolves to the config or the error. */
function load(t: Test, yaml: string): Promise<unknown> {
  const cwd = t.testdir({ 'meshd.yaml': yaml });
  return loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: { MESH_SHARED_KEY: 'k' }, cwd }).catch((e: unknown) => e);
}

t.test('jobs: defaults when absent', async (t) => {
  const config = (await load(t, 'port: 8700\n')) as { jobs: unknown; inboxExpiryDays: number };
  t.strictSame(config.jobs, DEFAULT_JOBS);
  t.equal(config.inboxExpiryDays, 5);
});

t.test('jobs: given values override the defaults key by key; inboxExpiry.days is inboxExpiryDays', async (t) => {
  const config = (await load(t, `
jobs:
  inboxExpiry: { days: 3 }
  purge: { schedule: "0 4 * * *", days: 10, batchSize: 50 }
  abandonedUploads: { hours: 6 }
  stats: { schedule: "30 0 * * *" }
`)) as { jobs: typeof DEFAULT_JOBS; inboxExpiryDays: number };
  t.match(config.jobs, {
    inboxExpiry: { schedule: DEFAULT_JOBS.inboxExpiry.schedule, days: 3 },
    purge: { schedule: '0 4 * * *', days: 10, batchSize: 50, maxBatches: DEFAULT_JOBS.purge.maxBatches },
    abandonedUploads: { hours: 6 },
    stats: { schedule: '30 0 * * *' },
  });
  t.equal(config.inboxExpiryDays, 3, 'one setting: expiresAt follows the job');
  const top = (await load(t, 'inboxExpiryDays: 7\n')) as { jobs: typeof DEFAULT_JOBS };
  t.equal(top.jobs.inboxExpiry.days, 7, 'and the job follows inboxExpiryDays');
});

t.test('jobs: a bad cron expression fails start-up naming its path', async (t) => {
  const err = await load(t, 'jobs:\n  purge: { schedule: "61 3 * * *" }\n');
  t.type(err, ConfigError);
  t.equal((err as Error).message, 'meshd.yaml: /jobs/purge/schedule: "61 3 * * *" is not a valid cron expression (e.g. "*/5 * * * *")');
  const bad = await load(t, 'jobs:\n  stats: { schedule: "every day" }\n');
  t.match((bad as Error).message, /^meshd\.yaml: \/jobs\/stats\/schedule: /);
});

t.test('jobs: schema and consistency errors', async (t) => {
  t.equal(((await load(t, 'jobs:\n  purge: { days: 0 }\n')) as Error).message, 'meshd.yaml: /jobs/purge/days: must be >= 1');
  t.equal(((await load(t, 'jobs:\n  nightly: {}\n')) as Error).message, 'meshd.yaml: /jobs/nightly: unknown key');
  t.equal(((await load(t, 'inboxExpiryDays: 5\njobs:\n  inboxExpiry: { days: 4 }\n')) as Error).message,
    'meshd.yaml: /jobs/inboxExpiry/days: is 4 but /inboxExpiryDays is 5; give one, or the same value');
});
