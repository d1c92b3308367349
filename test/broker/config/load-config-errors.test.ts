import t from 'tap';
import { join } from 'node:path';
import { ConfigError } from '../../../broker/config/config-error.js';
import { loadDataDir, loadMeshdConfig, type MeshdConfigOverrides } from '../../../broker/config/load-config.js';

type Test = Parameters<Parameters<typeof t.test>[0]>[0];
interface Files { [name: string]: string | Files }

/** Loads with a config file holding `yaml` (if given) and expects exactly `message`. */
async function fails(
  t: Test, message: string | ((dir: string) => string),
  opts: { yaml?: string; argv?: MeshdConfigOverrides; env?: NodeJS.ProcessEnv; files?: Files },
): Promise<void> {
  const cwd = t.testdir({ ...(opts.yaml !== undefined ? { 'meshd.yaml': opts.yaml } : {}), ...opts.files });
  const argv = { ...(opts.yaml !== undefined ? { config: 'meshd.yaml' } : {}), ...opts.argv };
  const err = await loadMeshdConfig({ argv, env: opts.env ?? { MESH_SHARED_KEY: 'k' }, cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, ConfigError);
  t.equal((err as Error).message, typeof message === 'string' ? message : message(cwd));
}

t.test('schema violations name file, JSON path and reason', async (t) => {
  await fails(t, 'meshd.yaml: /limits/maxRequestBytes: must be integer', { yaml: 'limits:\n  maxRequestBytes: 1.5\n' });
  await fails(t, 'meshd.yaml: /limits/maxChunks: must be >= 1', { yaml: 'limits: { maxChunks: 0 }\n' });
  await fails(t, 'meshd.yaml: /port: must be <= 65535', { yaml: 'port: 70000\n' });
  await fails(t, 'meshd.yaml: /prot: unknown key', { yaml: 'prot: 8700\n' });
  await fails(t, 'meshd.yaml: /tls/key: is required', { yaml: 'tls: { cert: c.pem }\n' });
  await fails(t, 'meshd.yaml: /mailboxes: must be string or array', { yaml: 'mailboxes: 3\n' });
  await fails(t, 'meshd.yaml: /host: must NOT have fewer than 1 characters', { yaml: 'host: ""\n' });
  await fails(t, 'meshd.yaml: /logLevel: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    { yaml: 'logLevel: loud\n' });
  await fails(t, 'meshd.yaml: /: must be object', { yaml: '- a\n- b\n' });
  await fails(t, 'meshd.yaml: /sharedKeyEnv: must match pattern "^[A-Za-z_][A-Za-z0-9_]{0,127}$"',
    { yaml: 'sharedKeyEnv: "not a name"\n' });
});

t.test('YAML syntax errors name the line', async (t) => {
  await fails(t, 'meshd.yaml:2: invalid YAML: Map keys must be unique', { yaml: 'port: 1\nport: 2\n' });
  await fails(t, 'meshd.yaml: invalid YAML: Unresolved alias (the anchor must be set before the alias): X (quote a value that starts with "*")', { yaml: 'environment: *X\n' });
});

t.test('missing files name the flag or key and the resolved path', async (t) => {
  await fails(t, (d) => `command line: --config: file not found: ${join(d, 'nope.yaml')}`, { argv: { config: 'nope.yaml' } });
  await fails(t, (d) => `command line: --config: not a regular file: ${join(d, 'sub')}`,
    { argv: { config: 'sub' }, files: { sub: { x: '' } } });
  await fails(t, (d) => `meshd.yaml: /mailboxes/1: file not found: ${join(d, 'b.yaml')}`,
    { yaml: 'mailboxes: [a.yaml, b.yaml]\n', files: { 'a.yaml': '' } });
  await fails(t, (d) => `meshd.yaml: /workflows: file not found: ${join(d, 'w.yaml')}`, { yaml: 'workflows: w.yaml\n' });
  await fails(t, (d) => `command line: --mailboxes: file not found: ${join(d, 'm.jsonl')}`, { argv: { mailboxes: ['m.jsonl'] } });
  await fails(t, (d) => `command line: --tls-key: file not found: ${join(d, 'k.pem')}`,
    { argv: { tlsCert: 'c.pem', tlsKey: 'k.pem' }, files: { 'c.pem': '' } });
  await fails(t, (d) => `meshd.yaml: /tls/ca: file not found: ${join(d, 'ca.pem')}`,
    { yaml: 'tls: { cert: c.pem, key: k.pem, ca: ca.pem }\n', files: { 'c.pem': '', 'k.pem': '' } });
});

t.test('TLS settings must come as a usable set', async (t) => {
  const files = { 'c.pem': '', 'k.pem': '', 'ca.pem': '' };
  await fails(t, 'command line: --tls-cert: needs --tls-key as well', { argv: { tlsCert: 'c.pem' }, files });
  await fails(t, 'command line: --tls-key: needs --tls-cert as well', { argv: { tlsKey: 'k.pem' }, files });
  await fails(t, 'command line: --tls-ca: needs --tls-cert and --tls-key', { argv: { tlsCa: 'ca.pem' }, files });
  await fails(t, 'command line: --require-client-cert: needs a CA bundle (--tls-ca)',
    { argv: { tlsCert: 'c.pem', tlsKey: 'k.pem', requireClientCert: true }, files });
  await fails(t, 'meshd.yaml: /tls/requireClientCert: needs a CA bundle (/tls/ca)',
    { yaml: 'tls: { cert: c.pem, key: k.pem, requireClientCert: true }\n', files });
});

t.test('shared key problems', async (t) => {
  await fails(t, 'environment: MESH_SHARED_KEY: no shared key: set MESH_SHARED_KEY, pass --shared-key, or give sharedKey/sharedKeyEnv in the config file',
    { env: {} });
  await fails(t, 'meshd.yaml: /sharedKey: no shared key: set MESH_SHARED_KEY, pass --shared-key, or give sharedKey/sharedKeyEnv in the config file',
    { yaml: 'port: 1\n', env: {} });
  await fails(t, 'meshd.yaml: /sharedKeyEnv: environment variable PROD_KEY is not set',
    { yaml: 'sharedKeyEnv: PROD_KEY\n', env: { PROD_KEY: '' } });
  await fails(t, 'meshd.yaml: /sharedKeyEnv: give sharedKey or sharedKeyEnv, not both',
    { yaml: 'sharedKey: a\nsharedKeyEnv: B\n' });
});

t.test('environment and programmatic values are checked too', async (t) => {
  await fails(t, 'environment: MESH_PORT: must be an integer from 0 to 65535, got "http"', { env: { MESH_SHARED_KEY: 'k', MESH_PORT: 'http' } });
  await fails(t, 'environment: MESH_PORT: must be an integer from 0 to 65535, got "65536"', { env: { MESH_SHARED_KEY: 'k', MESH_PORT: '65536' } });
  await fails(t, 'command line: --port: must be an integer from 0 to 65535, got "-1"', { argv: { port: -1 } });
  await fails(t, 'environment: MESH_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    { env: { MESH_SHARED_KEY: 'k', MESH_LOG_LEVEL: 'verbose' } });
});

t.test('sandbox admin on a non-loopback host needs force', async (t) => {
  const reason = 'refused on non-loopback host 0.0.0.0: the admin API is unauthenticated; add --sandbox-admin-force to allow it';
  await fails(t, `command line: --sandbox-admin: ${reason}`, { argv: { sandboxAdmin: true, host: '0.0.0.0' } });
  await fails(t, `meshd.yaml: /sandboxAdmin: ${reason}`, { yaml: 'sandboxAdmin: true\n', env: { MESH_SHARED_KEY: 'k', MESH_HOST: '0.0.0.0' } });
});

t.test('routing settings in the file are checked by the schema', async (t) => {
  await fails(t, 'meshd.yaml: /routing/prefetch: must be <= 1000', { yaml: 'routing: { prefetch: 1001 }\n' });
  await fails(t, 'meshd.yaml: /routing/retryAttempts: must be >= 1', { yaml: 'routing: { retryAttempts: 0 }\n' });
  await fails(t, 'meshd.yaml: /routing/retryDelaysMs: must NOT have fewer than 1 items', { yaml: 'routing: { retryDelaysMs: [] }\n' });
  await fails(t, 'meshd.yaml: /routing/retryDelaysMs/1: must be <= 86400000', { yaml: 'routing: { retryDelaysMs: [1, 86400001] }\n' });
  await fails(t, 'meshd.yaml: /routing/sweepIntervalMs: must be >= 100', { yaml: 'routing: { sweepIntervalMs: 99 }\n' });
  await fails(t, 'meshd.yaml: /routing/republishAfterMs: must be >= 1000', { yaml: 'routing: { republishAfterMs: 999 }\n' });
  await fails(t, 'meshd.yaml: /routing/queuePrefix: must match pattern "^[A-Za-z0-9._-]{0,50}$"', { yaml: 'routing: { queuePrefix: "a b" }\n' });
  await fails(t, 'meshd.yaml: /routing/prefech: unknown key', { yaml: 'routing: { prefech: 1 }\n' });
  await fails(t, 'meshd.yaml: /queuePrefix: unknown key', { yaml: 'queuePrefix: x\n' });
  await fails(t, 'meshd.yaml: /roles/1: must be one of "api", "workers"', { yaml: 'roles: [api, web]\n' });
  await fails(t, 'meshd.yaml: /roles: must be string or array', { yaml: 'roles: 1\n' });
  await fails(t, 'meshd.yaml: /transport: must be string', { yaml: 'transport: 5672\n' });
});

t.test('republishAfterMs must exceed the time a message waits between attempts', async (t) => {
  await fails(t, 'meshd.yaml: /routing/republishAfterMs: must exceed the 71000 ms a message can spend waiting between its 4 attempts (retryDelaysMs, the last repeating), got 71000',
    { yaml: 'routing: { republishAfterMs: 71000 }\n' });
  // Ten attempts wait nine times: 1000 + 10000 + seven times the repeated 100000.
  await fails(t, 'meshd.yaml: /routing/republishAfterMs: must exceed the 711000 ms a message can spend waiting between its 10 attempts (retryDelaysMs, the last repeating), got 600000 (the default)',
    { yaml: 'routing: { retryAttempts: 10, retryDelaysMs: [1000, 10000, 100000] }\n' });
});

t.test('roles must name api and/or workers, each once', async (t) => {
  await fails(t, 'meshd.yaml: /roles: unknown role "web": roles are api, workers', { yaml: 'roles: api,web\ntransport: amqp://h\n' });
  await fails(t, 'meshd.yaml: /roles: must be a comma-separated list of api, workers, got "api,"', { yaml: 'roles: "api,"\n' });
  await fails(t, 'meshd.yaml: /roles: lists "api" more than once', { yaml: 'roles: api, api\n' });
  await fails(t, 'meshd.yaml: /roles/2: lists "api" more than once', { yaml: 'roles: [api, workers, api]\n' });
  await fails(t, 'meshd.yaml: /roles: needs at least one of api, workers', { yaml: 'roles: []\n' });
  await fails(t, 'meshd.yaml: /roles: must be a comma-separated list of api, workers, got ""', { yaml: 'roles: ""\n' });
  await fails(t, 'command line: --roles: needs at least one of api, workers', { argv: { roles: { api: false, workers: false } } });
});

t.test('the embedded transport needs both roles in this process', async (t) => {
  const reason = 'the embedded transport needs both roles in one process; give an amqp:// transport to run api and workers apart';
  await fails(t, `command line: --roles: ${reason}`, { argv: { roles: { api: true, workers: false } } });
  await fails(t, `meshd.yaml: /roles: ${reason}`, { yaml: 'roles: [workers]\n' });
  await fails(t, `meshd.yaml: /roles: ${reason}`, { yaml: 'roles: [api]\ntransport: amqp://h\n', argv: { transport: 'embedded' } });
});

t.test('the transport is embedded or an AMQP URL, and a bad URL is not echoed', async (t) => {
  const want = 'must be "embedded" or an amqp:// or amqps:// URL';
  const hidden = `${want} (the value is not shown: it may hold a password)`;
  await fails(t, `command line: --transport: ${want}, got a http:// URL`, { argv: { transport: 'http://u:secret@h/' } });
  await fails(t, `environment: MESH_AMQP_URL: ${hidden}`, { env: { MESH_SHARED_KEY: 'k', MESH_AMQP_URL: 'guest:secret@h' } });
  await fails(t, `meshd.yaml: /transport: ${want} with a host, got none`, { yaml: 'transport: "amqp:"\n' });
  await fails(t, `meshd.yaml: /transport: ${hidden}`, { yaml: 'transport: Embedded\n' });
});

t.test('routes files must exist and the queue prefix must be a plain name', async (t) => {
  await fails(t, (d) => `meshd.yaml: /routes: file not found: ${join(d, 'routes.yaml')}`, { yaml: 'routes: routes.yaml\n' });
  await fails(t, (d) => `command line: --routes: not a regular file: ${join(d, 'rules')}`, { argv: { routes: 'rules' }, files: { rules: { x: '' } } });
  await fails(t, 'command line: --queue-prefix: must be at most 50 of the characters A-Z a-z 0-9 . _ -, got "a/b"',
    { argv: { queuePrefix: 'a/b' } });
  await fails(t, `command line: --queue-prefix: must be at most 50 of the characters A-Z a-z 0-9 . _ -, got "${'x'.repeat(51)}"`,
    { argv: { queuePrefix: 'x'.repeat(51) } });
});

t.test('the admin token comes only from the environment, and must be long enough to guess hard', async (t) => {
  await fails(t, 'meshd.yaml: /adminToken: not allowed in a config file: the admin token is a secret; set MESH_ADMIN_TOKEN',
    { yaml: 'adminToken: abcdefghijklmnopqrstu\n' });
  const short = 'fifteen-chars!!';
  const err = await loadMeshdConfig({ env: { MESH_SHARED_KEY: 'k', MESH_ADMIN_TOKEN: short }, cwd: t.testdir({}) }).catch((e: unknown) => e);
  t.equal((err as Error).message, 'environment: MESH_ADMIN_TOKEN: must be at least 16 characters, got 15');
  t.notMatch((err as Error).message, short, 'the token is not echoed');
  await fails(t, 'environment: MESH_ADMIN_TOKEN: must be printable ASCII without spaces',
    { env: { MESH_SHARED_KEY: 'k', MESH_ADMIN_TOKEN: 'abcdefghijklmnop\n' } });
  await fails(t, 'environment: MESH_ADMIN_TOKEN: must be printable ASCII without spaces',
    { env: { MESH_SHARED_KEY: 'k', MESH_ADMIN_TOKEN: 'abcdefgh ijklmnop' } });
});

t.test('loadDataDir still rejects a bad config file', async (t) => {
  const cwd = t.testdir({ 'meshd.yaml': 'dataDir: 3\n' });
  await t.rejects(loadDataDir({ argv: { config: 'meshd.yaml' }, env: {}, cwd }), { message: 'meshd.yaml: /dataDir: must be string' });
  await t.rejects(loadDataDir({ argv: { config: 'nope.yaml' }, env: {}, cwd }), { message: `command line: --config: file not found: ${join(cwd, 'nope.yaml')}` });
});
