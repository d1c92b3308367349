import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataDir, loadMeshdConfig } from '../../../broker/config/load-config.js';
import { packageRoot } from '../../../broker/config/package-root.js';
import { DEFAULT_JOBS } from '../../../broker/config/jobs-config.js';

const KEY = { MESH_SHARED_KEY: 'k' };

t.test('built-in defaults apply when nothing else is given', async (t) => {
  const cwd = t.testdir({});
  const c = await loadMeshdConfig({ env: KEY, cwd });
  t.same(c, {
    configFile: null,
    host: '127.0.0.1',
    port: 8700,
    dataDir: join(cwd, 'data'),
    tls: null,
    auth: { sharedKey: 'k', maxClockSkewMinutes: 120 },
    mailboxFiles: [],
    workflowFiles: [],
    strictWorkflows: false,
    sandboxAdmin: false,
    sandboxAdminForce: false,
    limits: { maxRequestBytes: 104857600, maxChunks: 10000, inlineChunkBytes: 65536, inboxMaxResultsDefault: 500 },
    inboxExpiryDays: 5,
    jobs: DEFAULT_JOBS,
    environment: 'local',
    logLevel: 'info',
    roles: { api: true, workers: true },
    routing: {
      routesFile: null,
      transport: 'embedded',
      queuePrefix: '',
      prefetch: 16,
      retryAttempts: 4,
      retryDelaysMs: [1000, 10000, 60000],
      sweepIntervalMs: 1000,
      republishAfterMs: 600000,
    },
    adminToken: null,
    metrics: true,
    metadata: null,
    objects: null,
  });
});

t.test('precedence: defaults < file < environment < flags', async (t) => {
  const cwd = t.testdir({
    'meshd.yaml': [
      'host: file.example', 'port: 1001', 'dataDir: file-data', 'logLevel: warn', 'sharedKey: file-key',
      'strictWorkflows: true', 'environment: int', 'inboxExpiryDays: 7', 'maxClockSkewMinutes: 30',
      'limits: { maxChunks: 5 }',
    ].join('\n'),
  });
  const argv = { config: 'meshd.yaml' };
  const fromFile = await loadMeshdConfig({ argv, env: {}, cwd });
  t.equal(fromFile.configFile, join(cwd, 'meshd.yaml'));
  t.equal(fromFile.host, 'file.example');
  t.equal(fromFile.port, 1001);
  t.equal(fromFile.dataDir, join(cwd, 'file-data'));
  t.equal(fromFile.logLevel, 'warn');
  t.equal(fromFile.auth.sharedKey, 'file-key');
  t.equal(fromFile.auth.maxClockSkewMinutes, 30);
  t.equal(fromFile.strictWorkflows, true);
  t.equal(fromFile.environment, 'int');
  t.equal(fromFile.inboxExpiryDays, 7);
  // A partial limits block keeps the defaults for the limits it does not mention.
  t.same(fromFile.limits, { maxRequestBytes: 104857600, maxChunks: 5, inlineChunkBytes: 65536, inboxMaxResultsDefault: 500 });

  const env = {
    MESH_HOST: 'env.example', MESH_PORT: '1002', MESH_DATA_DIR: 'env-data',
    MESH_LOG_LEVEL: 'debug', MESH_SHARED_KEY: 'env-key',
  };
  const fromEnv = await loadMeshdConfig({ argv, env, cwd });
  t.equal(fromEnv.host, 'env.example');
  t.equal(fromEnv.port, 1002);
  t.equal(fromEnv.dataDir, join(cwd, 'env-data'));
  t.equal(fromEnv.logLevel, 'debug');
  t.equal(fromEnv.auth.sharedKey, 'env-key');

  const flags = {
    ...argv, host: 'flag.example', port: 1003, dataDir: 'flag-data', logLevel: 'trace', sharedKey: 'flag-key',
    strictWorkflows: false,
  };
  const fromFlags = await loadMeshdConfig({ argv: flags, env, cwd });
  t.equal(fromFlags.host, 'flag.example');
  t.equal(fromFlags.port, 1003);
  t.equal(fromFlags.dataDir, join(cwd, 'flag-data'));
  t.equal(fromFlags.logLevel, 'trace');
  t.equal(fromFlags.auth.sharedKey, 'flag-key');
  t.equal(fromFlags.strictWorkflows, false, 'an explicit false from the caller beats the file');
});

t.test('an empty environment variable counts as unset', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': 'host: file.example\nport: 1001\nsharedKey: file-key\n' });
  const c = await loadMeshdConfig({
    argv: { config: 'meshd.yaml' }, env: { MESH_HOST: '', MESH_PORT: '', MESH_SHARED_KEY: '' }, cwd,
  });
  t.equal(c.host, 'file.example');
  t.equal(c.port, 1001);
  t.equal(c.auth.sharedKey, 'file-key');
});

t.test('relative paths: config file entries against its directory, flags and env against cwd', async (t) => {
  const cwd = t.testdir({
    conf: {
      'meshd.yaml': [
        'dataDir: ../var', 'sharedKey: k', 'mailboxes: [mb.yaml, more/mb2.jsonl]', 'workflows: wf.yaml',
        'tls: { cert: tls/c.pem, key: tls/k.pem, ca: tls/ca.pem, requireClientCert: true }',
      ].join('\n'),
      'mb.yaml': '', more: { 'mb2.jsonl': '' }, 'wf.yaml': '',
      tls: { 'c.pem': '', 'k.pem': '', 'ca.pem': '' },
    },
    'here.pem': '', 'mb-here.yaml': '',
  });
  const conf = join(cwd, 'conf');
  const c = await loadMeshdConfig({ argv: { config: 'conf/meshd.yaml' }, env: {}, cwd });
  t.equal(c.dataDir, join(cwd, 'var'));
  t.same(c.mailboxFiles, [join(conf, 'mb.yaml'), join(conf, 'more/mb2.jsonl')]);
  t.same(c.workflowFiles, [join(conf, 'wf.yaml')]);
  t.same(c.tls, {
    certFile: join(conf, 'tls/c.pem'), keyFile: join(conf, 'tls/k.pem'), caFile: join(conf, 'tls/ca.pem'),
    requireClientCert: true,
  });

  const flagged = await loadMeshdConfig({
    argv: { config: 'conf/meshd.yaml', tlsCert: 'here.pem', mailboxes: ['mb-here.yaml'], dataDir: 'd' }, env: {}, cwd,
  });
  // Only the flagged TLS file moves; the rest of the file's tls block still applies.
  t.equal(flagged.tls?.certFile, join(cwd, 'here.pem'));
  t.equal(flagged.tls?.keyFile, join(conf, 'tls/k.pem'));
  t.same(flagged.mailboxFiles, [join(cwd, 'mb-here.yaml')], '--mailboxes replaces the file list');
  t.same(flagged.workflowFiles, [join(conf, 'wf.yaml')]);
  t.equal(flagged.dataDir, join(cwd, 'd'));

  const viaEnv = await loadMeshdConfig({ argv: { config: 'conf/meshd.yaml' }, env: { MESH_DATA_DIR: 'e' }, cwd });
  t.equal(viaEnv.dataDir, join(cwd, 'e'));
});

t.test('sharedKeyEnv reads the key from the named variable, and MESH_SHARED_KEY still wins', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': 'sharedKeyEnv: MY_MESH_KEY\n' });
  const argv = { config: 'meshd.yaml' };
  const c = await loadMeshdConfig({ argv, env: { MY_MESH_KEY: 'from-var' }, cwd });
  t.equal(c.auth.sharedKey, 'from-var');
  const o = await loadMeshdConfig({ argv, env: { MESH_SHARED_KEY: 'override' }, cwd });
  t.equal(o.auth.sharedKey, 'override', 'the named variable need not exist when an override gives the key');
});

t.test('an empty config file means all defaults', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': '# nothing yet\n' });
  const c = await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: KEY, cwd });
  t.equal(c.port, 8700);
  t.equal(c.configFile, join(cwd, 'meshd.yaml'));
});

t.test('sandbox admin is allowed on loopback, and elsewhere only with force', async (t) => {
  const cwd = t.testdir({});
  for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) {
    const c = await loadMeshdConfig({ argv: { sandboxAdmin: true, host }, env: KEY, cwd });
    t.equal(c.sandboxAdmin, true, host);
  }
  const forced = await loadMeshdConfig({ argv: { sandboxAdmin: true, sandboxAdminForce: true, host: '0.0.0.0' }, env: KEY, cwd });
  t.equal(forced.sandboxAdmin, true);
  t.equal(forced.sandboxAdminForce, true);
});

t.test("the repository's conf/meshd.yaml loads with zero set-up", async (t) => {
  const root = packageRoot();
  const c = await loadMeshdConfig({ argv: { config: 'conf/meshd.yaml' }, env: {}, cwd: root });
  t.equal(c.host, '127.0.0.1');
  t.equal(c.port, 8700);
  t.equal(c.dataDir, resolve(root, 'data'), 'dataDir comes from the default, so it is under cwd, not conf/');
  t.equal(c.auth.sharedKey, 'TestKey');
  t.same(c.mailboxFiles, [join(root, 'conf/mailboxes.yaml')]);
  t.same(c.workflowFiles, [join(root, 'conf/workflows.yaml')]);
  t.equal(c.sandboxAdmin, false, "the sandbox admin API is off unless asked for");
  t.equal(c.routing.routesFile, join(root, 'conf/routes.yaml'), 'npm start routes through conf/routes.yaml');
  t.equal(c.routing.transport, 'embedded');
  t.same(c.roles, { api: true, workers: true }, 'the embedded transport needs both roles in one process');
  t.equal(c.adminToken, null);
});

t.test("conf/meshd.yaml's commented routing examples are valid when uncommented", async (t) => {
  const root = packageRoot();
  const text = readFileSync(join(root, 'conf/meshd.yaml'), 'utf8');
  const start = text.indexOf('# transport: amqp://');
  const end = text.indexOf('\n\n', start);
  t.ok(start > 0 && end > start, 'the example block is where this test looks for it');
  const example = text.slice(start, end).split('\n').map((l) => l.replace(/^# ?/, '')).join('\n');
  const cwd = t.testdir({ 'meshd.yaml': `sharedKey: k\n${example}\n` });
  const c = await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd });
  t.equal(c.routing.transport, 'amqp://mesh:PASSWORD@rabbitmq:5672/mesh');
  t.same(c.roles, { api: true, workers: true });
  t.has(c.routing, { prefetch: 16, retryAttempts: 4, retryDelaysMs: [1000, 10000, 60000], sweepIntervalMs: 1000, republishAfterMs: 600000 },
    'the examples show the built-in defaults');
});

t.test('routing: defaults < file < environment < flags, with file paths against its directory', async (t) => {
  const cwd = t.testdir({
    conf: {
      'meshd.yaml': [
        'sharedKey: k', 'roles: [workers, api]', 'transport: amqp://file-host/vhost', 'routes: rules/routes.yaml',
        'routing:', '  prefetch: 4', '  retryAttempts: 3', '  retryDelaysMs: [10, 20]', '  sweepIntervalMs: 250',
        '  republishAfterMs: 5000', '  queuePrefix: file.',
      ].join('\n'),
      rules: { 'routes.yaml': '' },
    },
    'here.yaml': '',
  });
  const argv = { config: 'conf/meshd.yaml' };
  const fromFile = await loadMeshdConfig({ argv, env: {}, cwd });
  t.same(fromFile.roles, { api: true, workers: true }, 'the order of a role list does not matter');
  t.same(fromFile.routing, {
    routesFile: join(cwd, 'conf/rules/routes.yaml'),
    transport: 'amqp://file-host/vhost',
    queuePrefix: 'file.',
    prefetch: 4,
    retryAttempts: 3,
    retryDelaysMs: [10, 20],
    sweepIntervalMs: 250,
    republishAfterMs: 5000,
  });

  const env = { MESH_AMQP_URL: 'amqps://user:secret@env-host:5671/vh' };
  const fromEnv = await loadMeshdConfig({ argv, env, cwd });
  t.equal(fromEnv.routing.transport, 'amqps://user:secret@env-host:5671/vh');

  const fromFlags = await loadMeshdConfig({
    argv: { ...argv, roles: { api: true, workers: false }, transport: 'amqp://flag-host', routes: 'here.yaml', queuePrefix: '' },
    env, cwd,
  });
  t.same(fromFlags.roles, { api: true, workers: false });
  t.equal(fromFlags.routing.transport, 'amqp://flag-host');
  t.equal(fromFlags.routing.routesFile, join(cwd, 'here.yaml'), '--routes resolves against cwd');
  t.equal(fromFlags.routing.queuePrefix, '', 'an empty --queue-prefix clears the file prefix');
  t.equal(fromFlags.routing.prefetch, 4, 'settings no flag gives still come from the file');

  const embedded = await loadMeshdConfig({ argv: { ...argv, transport: 'embedded', roles: { api: true, workers: true } }, env, cwd });
  t.equal(embedded.routing.transport, 'embedded', '--transport embedded beats MESH_AMQP_URL');
});

t.test('roles as a comma-separated string', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': 'sharedKey: k\nroles: " workers"\ntransport: amqp://h\n' });
  const c = await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd });
  t.same(c.roles, { api: false, workers: true });
});

t.test('a partial routing block keeps the other defaults', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': 'sharedKey: k\nrouting: { prefetch: 1 }\n' });
  const c = await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd });
  t.same(c.routing, {
    routesFile: null, transport: 'embedded', queuePrefix: '', prefetch: 1, retryAttempts: 4,
    retryDelaysMs: [1000, 10000, 60000], sweepIntervalMs: 1000, republishAfterMs: 600000,
  });
});

t.test('republishAfterMs need only exceed the delays the attempts actually use', async (t) => {
  // Two attempts wait once, 1000 ms: the unused 60000 ms delay does not count.
  const cwd = t.testdir({
    'meshd.yaml': 'sharedKey: k\nrouting: { retryAttempts: 2, retryDelaysMs: [1000, 60000], republishAfterMs: 1001 }\n',
  });
  const c = await loadMeshdConfig({ argv: { config: 'meshd.yaml' }, env: {}, cwd });
  t.equal(c.routing.republishAfterMs, 1001);
});

t.test('MESH_ADMIN_TOKEN gives the admin token; empty counts as unset', async (t) => {
  const cwd = t.testdir({});
  const token = 'abcdefghijklmnop';
  t.equal((await loadMeshdConfig({ env: { ...KEY, MESH_ADMIN_TOKEN: token }, cwd })).adminToken, token);
  t.equal((await loadMeshdConfig({ env: { ...KEY, MESH_ADMIN_TOKEN: '' }, cwd })).adminToken, null);
});

t.test('loadDataDir finds the data directory without needing the rest of the configuration', async (t) => {
  const cwd = t.testdir({ conf: { 'meshd.yaml': 'dataDir: ../store\nmailboxes: missing.yaml\n' } });
  const argv = { config: 'conf/meshd.yaml' };
  t.same(await loadDataDir({ argv, env: {}, cwd }), { configFile: join(cwd, 'conf/meshd.yaml'), dataDir: join(cwd, 'store'), metadata: null });
  t.equal((await loadDataDir({ argv, env: { MESH_DATA_DIR: 'env' }, cwd })).dataDir, join(cwd, 'env'));
  t.equal((await loadDataDir({ argv: { ...argv, dataDir: 'flag' }, env: { MESH_DATA_DIR: 'env' }, cwd })).dataDir, join(cwd, 'flag'));
  t.same(await loadDataDir({ env: {}, cwd }), { configFile: null, dataDir: join(cwd, 'data'), metadata: null });
  t.equal((await loadDataDir({ env: { MESH_DATABASE_URL: 'postgres://db/m' }, cwd })).metadata, 'postgres://db/m', 'the metadata store meshd would use');
  t.equal((await loadDataDir({ argv: { metadata: 'sqlite:x.db' }, env: { MESH_DATABASE_URL: 'postgres://db/m' }, cwd })).metadata, `sqlite:${join(cwd, 'x.db')}`, 'a flag beats the environment');
});
