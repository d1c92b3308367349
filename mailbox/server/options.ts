/**
 * meshd's command line. Parsing only: what the flags mean, how they combine with the config
 * file and environment, and whether named files exist is decided by loadMeshdConfig.
 */

import { parseArgs } from 'node:util';
import { COMMAND_LINE, ConfigError } from '../../broker/config/config-error.js';
import { LOG_LEVELS, MIN_ADMIN_TOKEN_LENGTH, parsePort, parseRoles, type MeshdConfigOverrides } from '../../broker/config/load-config.js';

/**
 * The settings meshd's flags can give. It is the broker's override type under a name for this
 * side: broker/ must not import mailbox/, so the type lives there and is re-exported here.
 */
export type MeshdFlagOptions = MeshdConfigOverrides;

export const MESHD_HELP = `Usage: meshd [options]
       meshd parked list|replay ID...|discard ID... [options]   (see meshd parked --help)
       meshd pds import FILE [options]                       (see meshd pds --help)

Runs the MESH API v2 compatible message exchange.
Settings come from built-in defaults, then --config FILE, then MESH_* environment
variables, then these flags (later wins). Relative paths on the command line
resolve against the current directory; in the config file, against its directory.

Options:
  --config FILE            YAML configuration file (e.g. conf/meshd.yaml)
  --host H                 address to listen on (default 127.0.0.1; env MESH_HOST)
  --port N                 TCP port, 0..65535 (default 8700; env MESH_PORT)
  --data-dir DIR           where messages and the database live (default ./data; env MESH_DATA_DIR)
  --tls-cert F             PEM server certificate; serves HTTPS (needs --tls-key)
  --tls-key F              PEM private key for --tls-cert
  --tls-ca F               PEM CA bundle for verifying client certificates
  --require-client-cert    reject clients without a certificate signed by --tls-ca
  --shared-key K           MESH HMAC shared secret (env MESH_SHARED_KEY; prefer the
                           environment: flags are visible to other local users)
  --mailboxes FILE         mailbox directory, .yaml or mesh-sandbox .jsonl; repeatable;
                           replaces the config file's list
  --workflows FILE         workflow directory, .yaml or mesh-sandbox .jsonl; repeatable;
                           replaces the config file's list
  --strict-workflows       refuse sends on workflows the mailboxes are not registered for
  --sandbox-admin          serve mesh-sandbox's unauthenticated /admin API (testing only)
  --sandbox-admin-force    allow --sandbox-admin on a non-loopback --host
  --log-level L            ${LOG_LEVELS.join(', ')} (default info; env MESH_LOG_LEVEL)
  --roles LIST             api, workers or api,workers: serve the MESH API, run the adapter
                           workers, or both (default both; apart only with an amqp transport)
  --metadata M             metadata store: sqlite:PATH or postgres://user@host/db
                           (default SQLite in --data-dir; env MESH_DATABASE_URL)
  --objects O              payload store: file:DIR or s3://BUCKET?endpoint=URL&region=R
                           [&createBucket=true][&forcePathStyle=false][&prefix=P]
                           (default file: under --data-dir; env MESH_OBJECTS_URL);
                           S3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
  --transport T            embedded (in-process, default) or amqp[s]://user:pass@host:port/vhost
                           (env MESH_AMQP_URL; prefer the environment for a password)
  --routes FILE            routing rules, e.g. conf/routes.yaml (default none: every
                           message is delivered to its recipient's inbox)
  --queue-prefix P         prefix for RabbitMQ exchange and queue names: up to 50 of
                           A-Z a-z 0-9 . _ - (default none)
  --help                   show this help and exit

Environment only:
  MESH_ADMIN_TOKEN         bearer token (at least ${MIN_ADMIN_TOKEN_LENGTH} characters) for the operator
                           parking-lot API under /admin/parked; unset, that API is off
`;

const OPTIONS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'require-client-cert': { type: 'boolean' },
  'shared-key': { type: 'string' },
  mailboxes: { type: 'string', multiple: true },
  workflows: { type: 'string', multiple: true },
  'strict-workflows': { type: 'boolean' },
  'sandbox-admin': { type: 'boolean' },
  'sandbox-admin-force': { type: 'boolean' },
  'log-level': { type: 'string' },
  roles: { type: 'string' },
  transport: { type: 'string' },
  metadata: { type: 'string' },
  objects: { type: 'string' },
  routes: { type: 'string' },
  'queue-prefix': { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Flags for which an empty value means something: no queue prefix, overriding the file's. */
const MAY_BE_EMPTY = new Set(['queue-prefix']);

/** Parses meshd's argv (without node and script); ConfigError naming the flag on any mistake. */
export function parseMeshdArgs(argv: string[]): { options: MeshdFlagOptions; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (err) {
    throw translateParseError(err);
  }
  const { values, tokens } = parsed;

  // parseArgs silently keeps the last of a repeated single-valued flag; a command line that
  // says two different ports is more likely a mistake (e.g. a wrapper script plus a user's
  // flag) than a wish, so say so instead of guessing.
  const seen = new Set<string>();
  for (const tok of tokens) {
    if (tok.kind !== 'option') continue;
    const def = OPTIONS[tok.name as keyof typeof OPTIONS];
    if (seen.has(tok.name) && !('multiple' in def)) throw new ConfigError(COMMAND_LINE, tok.rawName, 'given more than once');
    seen.add(tok.name);
    if (def.type === 'string' && tok.value === '' && !MAY_BE_EMPTY.has(tok.name)) throw new ConfigError(COMMAND_LINE, tok.rawName, 'must not be empty');
  }

  const options: MeshdFlagOptions = {};
  if (values.config !== undefined) options.config = values.config;
  if (values.host !== undefined) options.host = values.host;
  if (values.port !== undefined) options.port = parsePort(values.port, COMMAND_LINE, '--port');
  if (values['data-dir'] !== undefined) options.dataDir = values['data-dir'];
  if (values['tls-cert'] !== undefined) options.tlsCert = values['tls-cert'];
  if (values['tls-key'] !== undefined) options.tlsKey = values['tls-key'];
  if (values['tls-ca'] !== undefined) options.tlsCa = values['tls-ca'];
  if (values['require-client-cert']) options.requireClientCert = true;
  if (values['shared-key'] !== undefined) options.sharedKey = values['shared-key'];
  if (values.mailboxes !== undefined) options.mailboxes = values.mailboxes;
  if (values.workflows !== undefined) options.workflows = values.workflows;
  if (values['strict-workflows']) options.strictWorkflows = true;
  if (values['sandbox-admin']) options.sandboxAdmin = true;
  if (values['sandbox-admin-force']) options.sandboxAdminForce = true;
  if (values['log-level'] !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(values['log-level'])) {
      throw new ConfigError(COMMAND_LINE, '--log-level', `must be one of ${LOG_LEVELS.join(', ')}, got "${values['log-level']}"`);
    }
    options.logLevel = values['log-level'];
  }
  if (values.roles !== undefined) options.roles = parseRoles(values.roles, COMMAND_LINE, '--roles');
  if (values.transport !== undefined) options.transport = values.transport;
  if (values.metadata !== undefined) options.metadata = values.metadata;
  if (values.objects !== undefined) options.objects = values.objects;
  if (values.routes !== undefined) options.routes = values.routes;
  if (values['queue-prefix'] !== undefined) options.queuePrefix = values['queue-prefix'];
  return { options, help: values.help === true };
}

/** Turns node's multi-sentence parseArgs errors into one line that names the flag. */
function translateParseError(err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(e.message ?? '')?.[1] ?? '';
  const flag = quoted.replace(/ <value>$/, '');
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      // Someone reaching for the obvious flag gets told where the token goes instead.
      if (flag === '--admin-token') {
        return new ConfigError(COMMAND_LINE, '--admin-token',
          'no such flag: the admin token is a secret (flags are visible to other local users); set MESH_ADMIN_TOKEN');
      }
      return new ConfigError(COMMAND_LINE, flag, 'unknown option (see --help)');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError(COMMAND_LINE, flag, 'unexpected argument: meshd takes only options');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take/.test(e.message ?? '')
        ? new ConfigError(COMMAND_LINE, flag, 'takes no value')
        : new ConfigError(COMMAND_LINE, flag, 'needs a value (use --flag=VALUE for a value starting with "-")');
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
