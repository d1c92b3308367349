import t from 'tap';
import { join } from 'node:path';
import { ConfigError } from '../../../broker/config/config-error.js';
import { loadMeshdConfig } from '../../../broker/config/load-config.js';
import { MESHD_HELP, parseMeshdArgs } from '../../../mailbox/server/options.js';

const ALL_FLAGS = [
  '--config', '--host', '--port', '--data-dir', '--tls-cert', '--tls-key', '--tls-ca', '--require-client-cert',
  '--shared-key', '--mailboxes', '--workflows', '--strict-workflows', '--sandbox-admin', '--sandbox-admin-force',
  '--log-level', '--roles', '--transport', '--routes', '--queue-prefix', '--metadata', '--objects', '--help',
];

/** The ConfigError message parseMeshdArgs throws for argv, or undefined if it accepts it. */
function errorFor(argv: string[]): string | undefined {
  try {
    parseMeshdArgs(argv);
    return undefined;
  } catch (err) {
    return err instanceof ConfigError ? err.message : `not a ConfigError: ${String(err)}`;
  }
}

t.test('no arguments give no options', async (t) => {
  t.same(parseMeshdArgs([]), { options: {}, help: false });
});

t.test('every flag maps to its option', async (t) => {
  const { options, help } = parseMeshdArgs([
    '--config', 'c.yaml', '--host', '0.0.0.0', '--port', '8443', '--data-dir', 'd', '--tls-cert', 'c.pem',
    '--tls-key=k.pem', '--tls-ca', 'ca.pem', '--require-client-cert', '--shared-key', 'sk', '--mailboxes', 'a.yaml',
    '--mailboxes', 'b.jsonl', '--workflows', 'w.yaml', '--strict-workflows', '--sandbox-admin',
    '--sandbox-admin-force', '--log-level', 'debug', '--roles', 'workers', '--transport', 'amqp://h/v',
    '--routes', 'r.yaml', '--queue-prefix', 'qa.', '--help',
  ]);
  t.equal(help, true);
  t.same(options, {
    config: 'c.yaml', host: '0.0.0.0', port: 8443, dataDir: 'd', tlsCert: 'c.pem', tlsKey: 'k.pem', tlsCa: 'ca.pem',
    requireClientCert: true, sharedKey: 'sk', mailboxes: ['a.yaml', 'b.jsonl'], workflows: ['w.yaml'],
    strictWorkflows: true, sandboxAdmin: true, sandboxAdminForce: true, logLevel: 'debug',
    roles: { api: false, workers: true }, transport: 'amqp://h/v', routes: 'r.yaml', queuePrefix: 'qa.',
  });
});

t.test('port 0 (pick a free port) is accepted', async (t) => {
  t.equal(parseMeshdArgs(['--port', '0']).options.port, 0);
});

t.test('--roles takes one role or both, in any order and spacing', async (t) => {
  t.same(parseMeshdArgs(['--roles', 'api']).options.roles, { api: true, workers: false });
  t.same(parseMeshdArgs(['--roles', 'workers, api']).options.roles, { api: true, workers: true });
});

t.test('an empty --queue-prefix is a value (no prefix), unlike other empty flags', async (t) => {
  t.equal(parseMeshdArgs(['--queue-prefix=']).options.queuePrefix, '');
  t.equal(errorFor(['--routes=']), 'command line: --routes: must not be empty');
});

t.test('mistakes are one-line ConfigErrors naming the flag', async (t) => {
  const cases: Array<[string[], string]> = [
    [['--prot', '1'], 'command line: --prot: unknown option (see --help)'],
    [['-p', '1'], 'command line: -p: unknown option (see --help)'],
    [['serve'], 'command line: serve: unexpected argument: meshd takes only options'],
    [['--port'], 'command line: --port: needs a value (use --flag=VALUE for a value starting with "-")'],
    [['--port', '--host', 'h'], 'command line: --port: needs a value (use --flag=VALUE for a value starting with "-")'],
    [['--help=yes'], 'command line: --help: takes no value'],
    [['--port', 'http'], 'command line: --port: must be an integer from 0 to 65535, got "http"'],
    [['--port', '65536'], 'command line: --port: must be an integer from 0 to 65535, got "65536"'],
    [['--port', '1.5'], 'command line: --port: must be an integer from 0 to 65535, got "1.5"'],
    [['--port', '1', '--port', '2'], 'command line: --port: given more than once'],
    [['--host='], 'command line: --host: must not be empty'],
    [['--mailboxes', ''], 'command line: --mailboxes: must not be empty'],
    [['--log-level', 'loud'], 'command line: --log-level: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [['--roles', 'api,web'], 'command line: --roles: unknown role "web": roles are api, workers'],
    [['--roles', 'api,'], 'command line: --roles: must be a comma-separated list of api, workers, got "api,"'],
    [['--roles', 'api,api'], 'command line: --roles: lists "api" more than once'],
    [['--roles='], 'command line: --roles: must not be empty'],
    [['--transport', 'a', '--transport', 'b'], 'command line: --transport: given more than once'],
    [['--admin-token', 'abcdefghijklmnopq'],
      'command line: --admin-token: no such flag: the admin token is a secret (flags are visible to other local users); set MESH_ADMIN_TOKEN'],
  ];
  for (const [argv, message] of cases) {
    const got = errorFor(argv);
    t.equal(got, message, argv.join(' '));
    t.notMatch(got ?? '', /\n/, 'one line');
  }
});

t.test('MESHD_HELP describes every flag', async (t) => {
  for (const flag of ALL_FLAGS) t.match(MESHD_HELP, new RegExp(`^  ${flag}\\b.*\\S`, 'm'), flag);
  t.match(MESHD_HELP, /^  MESH_ADMIN_TOKEN\b.*\S/m, 'the environment-only admin token is described too');
  t.match(MESHD_HELP, /meshd parked list/, 'the parked subcommand is mentioned');
});

t.test('the help lists exactly the flags the parser accepts', async (t) => {
  // Both ways: a flag documented but not parsed, or documented but missing from ALL_FLAGS (and so unchecked above).
  for (const flag of ALL_FLAGS) {
    const value = flag === '--port' ? '1' : flag === '--roles' ? 'api' : 'x';
    const got = errorFor([flag, value]);
    t.notMatch(got ?? '', /unknown option/, flag);
  }
  const help = MESHD_HELP.split('\n').filter((l) => /^  --/.test(l)).map((l) => l.trim().split(/\s/)[0]);
  t.same(help.sort(), [...ALL_FLAGS].sort(), 'the help lists exactly these flags');
});

t.test('parsed flags feed loadMeshdConfig, with paths relative to cwd', async (t) => {
  const cwd = t.testdir({ conf: { 'meshd.yaml': 'sharedKey: k\nport: 1\n' }, 'mb.yaml': '' });
  const { options } = parseMeshdArgs(['--config', 'conf/meshd.yaml', '--port', '9', '--mailboxes', 'mb.yaml']);
  const c = await loadMeshdConfig({ argv: options, env: {}, cwd });
  t.equal(c.port, 9);
  t.same(c.mailboxFiles, [join(cwd, 'mb.yaml')]);
  t.equal(c.configFile, join(cwd, 'conf/meshd.yaml'));
});

t.test('parsed routing flags feed loadMeshdConfig', async (t) => {
  const cwd = t.testdir({ 'routes.yaml': '' });
  const { options } = parseMeshdArgs(['--roles', 'api', '--transport', 'amqp://h', '--routes', 'routes.yaml', '--queue-prefix', 'p']);
  const c = await loadMeshdConfig({ argv: options, env: { MESH_SHARED_KEY: 'k' }, cwd });
  t.same(c.roles, { api: true, workers: false });
  t.has(c.routing, { transport: 'amqp://h', routesFile: join(cwd, 'routes.yaml'), queuePrefix: 'p' });
});
