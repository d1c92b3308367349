/**
 * Builds meshd's MeshdConfig from, in increasing precedence: built-in defaults, the YAML config
 * file, MESH_* environment variables, and command-line flags.
 *
 * Path rule: a relative path resolves against the directory of the source that gave it. From
 * the config file that is the file's own directory (so conf/meshd.yaml can say `mailboxes.yaml`
 * and mean conf/mailboxes.yaml wherever meshd is started); from flags, the environment and the
 * built-in defaults (dataDir `./data`) it is the working directory.
 *
 * List rule: --mailboxes / --workflows replace the config file's list rather than add to it, as
 * every other flag replaces its setting; to add a file, repeat the file's entries on the command line.
 *
 * An empty environment variable counts as unset, as shells and container specs often leave
 * `VAR=` behind when they mean "not set".
 *
 * Secrets: MESH_ADMIN_TOKEN comes only from the environment, since a config file tends to be
 * committed and a flag is visible to every local user in the process list.
 */

import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import YAML from 'yaml';
import { parseObjectStoreUrl } from '../objects/object-store-url.js';
import { retryDelayMs } from '../transport/retry-policy.js';
import type { LimitsConfig, MeshdConfig, RolesConfig, RoutingConfig, TlsConfig } from './config.js';
import { COMMAND_LINE, ConfigError, ENVIRONMENT, configErrorFromAjv } from './config-error.js';
import { resolveJobsConfig, type JobsConfigFile } from './jobs-config.js';
import { schemaValidator } from './package-root.js';

/** Log levels meshd accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The parts of meshd a process can run. */
export const ROLES = ['api', 'workers'] as const;

/** Shortest MESH_ADMIN_TOKEN accepted: the token alone guards replaying and discarding anyone's messages. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const QUEUE_PREFIX = /^[A-Za-z0-9._-]{0,50}$/;

/** Settings that can come from meshd's command line; every field optional, absent = not given. */
export interface MeshdConfigOverrides {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  requireClientCert?: boolean;
  sharedKey?: string;
  mailboxes?: string[];
  workflows?: string[];
  strictWorkflows?: boolean;
  sandboxAdmin?: boolean;
  sandboxAdminForce?: boolean;
  logLevel?: string;
  roles?: RolesConfig;
  transport?: string;
  routes?: string;
  queuePrefix?: string;
  metadata?: string;
  objects?: string;
}

export interface LoadMeshdConfigOptions {
  argv?: MeshdConfigOverrides;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The config file's shape, as schemas/meshd-config.schema.json admits it. */
interface MeshdConfigFile {
  host?: string;
  port?: number;
  dataDir?: string;
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
  sharedKey?: string;
  sharedKeyEnv?: string;
  mailboxes?: string | string[];
  workflows?: string | string[];
  strictWorkflows?: boolean;
  sandboxAdmin?: boolean;
  sandboxAdminForce?: boolean;
  metrics?: boolean;
  limits?: Partial<LimitsConfig>;
  inboxExpiryDays?: number;
  jobs?: JobsConfigFile;
  environment?: string;
  logLevel?: string;
  maxClockSkewMinutes?: number;
  roles?: string | string[];
  transport?: string;
  routes?: string;
  routing?: Partial<Omit<RoutingConfig, 'routesFile' | 'transport'>>;
  metadata?: string;
  objects?: string;
  shutdownTimeoutMs?: number;
  shutdownDrainMs?: number;
}

/** A value and where it came from, so a later check can blame the right flag, key or variable. */
interface Sourced<T> {
  value: T;
  source: string;
  path: string;
}

const DEFAULT_LIMITS: LimitsConfig = {
  maxRequestBytes: 104_857_600,
  maxChunks: 10_000,
  inlineChunkBytes: 65_536,
  inboxMaxResultsDefault: 500,
};

/** Routing settings when neither the config file nor a flag gives them. */
export const DEFAULT_ROUTING: RoutingConfig = {
  routesFile: null,
  transport: 'embedded',
  queuePrefix: '',
  prefetch: 16,
  retryAttempts: 4,
  retryDelaysMs: [1_000, 10_000, 60_000],
  sweepIntervalMs: 1_000,
  republishAfterMs: 600_000,
};

/** The config file as read, and how to show and resolve against it. */
interface ConfigSource {
  file: MeshdConfigFile;
  configFile: string | null;
  /** The file as shown in messages; '' when there is none. */
  shown: string;
  /** Where the file's relative paths resolve from. */
  fileDir: string;
}

/** Loads, merges and validates meshd's configuration; throws ConfigError on any problem. */
export async function loadMeshdConfig(opts: LoadMeshdConfigOptions): Promise<MeshdConfig> {
  const { cwd } = opts;
  const flags = opts.argv ?? {};
  const env = (name: string): string | undefined => opts.env[name] || undefined;

  const src = await readConfigSource(flags.config, cwd);
  const { file, configFile, shown, fileDir } = src;
  const fromFile = <T>(value: T | undefined, path: string): Sourced<T> | undefined =>
    value === undefined ? undefined : { value, source: shown, path };
  const fromFlag = <T>(value: T | undefined, flag: string): Sourced<T> | undefined =>
    value === undefined ? undefined : { value, source: COMMAND_LINE, path: flag };
  const fromEnv = (name: string): Sourced<string> | undefined => {
    const value = env(name);
    return value === undefined ? undefined : { value, source: ENVIRONMENT, path: name };
  };

  const host = first(fromFlag(flags.host, '--host'), fromEnv('MESH_HOST'), fromFile(file.host, '/host'))?.value ?? '127.0.0.1';
  const envPort = fromEnv('MESH_PORT');
  if (flags.port !== undefined) checkPort(flags.port, COMMAND_LINE, '--port');
  const port = flags.port ?? (envPort ? parsePort(envPort.value, envPort.source, envPort.path) : undefined) ??
    file.port ?? 8700;
  const dataDir = resolveDataDir(flags, src, opts.env, cwd);
  const logLevel = first(fromFlag(flags.logLevel, '--log-level'), fromEnv('MESH_LOG_LEVEL'), fromFile(file.logLevel, '/logLevel'));
  if (logLevel && !(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new ConfigError(logLevel.source, logLevel.path, `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const tls = await resolveTls(flags, file, shown, fileDir, cwd);
  const sharedKey = resolveSharedKey(flags, file, shown, env);
  const mailboxFiles = await resolveFileList(flags.mailboxes, '--mailboxes', file.mailboxes, '/mailboxes', shown, fileDir, cwd);
  const workflowFiles = await resolveFileList(flags.workflows, '--workflows', file.workflows, '/workflows', shown, fileDir, cwd);

  const sandboxAdmin = first(fromFlag(flags.sandboxAdmin, '--sandbox-admin'), fromFile(file.sandboxAdmin, '/sandboxAdmin'));
  const sandboxAdminForce = flags.sandboxAdminForce ?? file.sandboxAdminForce ?? false;
  // The admin API resets mailboxes and forges reports without authentication: exposing it
  // beyond this machine has to be a deliberate second decision, not a side effect of --host.
  if (sandboxAdmin?.value && !sandboxAdminForce && !isLoopback(host)) {
    throw new ConfigError(sandboxAdmin.source, sandboxAdmin.path,
      `refused on non-loopback host ${host}: the admin API is unauthenticated; add --sandbox-admin-force to allow it`);
  }

  const roles = resolveRoles(flags, file, shown);
  const routing = await resolveRouting(flags, src, env, cwd);
  // The in-process transport's queues live and die with one process: an api-only process would
  // queue messages no worker ever sees, and a workers-only one would wait for messages that never come.
  if (routing.transport === 'embedded' && !(roles.value.api && roles.value.workers)) {
    throw new ConfigError(roles.source, roles.path,
      'the embedded transport needs both roles in one process; give an amqp:// transport to run api and workers apart');
  }

  const jobs = resolveJobsConfig(file.jobs, file.inboxExpiryDays, shown);

  return {
    configFile,
    host,
    port,
    dataDir,
    tls,
    auth: { sharedKey, maxClockSkewMinutes: file.maxClockSkewMinutes ?? 120 },
    mailboxFiles,
    workflowFiles,
    strictWorkflows: flags.strictWorkflows ?? file.strictWorkflows ?? false,
    sandboxAdmin: sandboxAdmin?.value ?? false,
    sandboxAdminForce,
    limits: { ...DEFAULT_LIMITS, ...file.limits },
    // One setting, given either way (resolveJobsConfig checks they agree; default 5).
    inboxExpiryDays: jobs.inboxExpiry.days,
    jobs,
    environment: file.environment ?? 'local',
    logLevel: logLevel?.value ?? 'info',
    roles: roles.value,
    routing,
    adminToken: resolveAdminToken(env('MESH_ADMIN_TOKEN')),
    ...optionalMs('shutdownTimeoutMs', first(msFromEnv(fromEnv('MESH_SHUTDOWN_TIMEOUT_MS')), fromFile(file.shutdownTimeoutMs, '/shutdownTimeoutMs'))),
    ...optionalMs('shutdownDrainMs', first(msFromEnv(fromEnv('MESH_SHUTDOWN_DRAIN_MS')), fromFile(file.shutdownDrainMs, '/shutdownDrainMs'))),
    metrics: file.metrics ?? true,
    metadata: resolveMetadata(
      first(fromFlag(flags.metadata, '--metadata'), fromEnv('MESH_DATABASE_URL'), fromFile(file.metadata, '/metadata')),
      cwd,
      fileDir,
    ),
    objects: resolveObjects(
      first(fromFlag(flags.objects, '--objects'), fromEnv('MESH_OBJECTS_URL'), fromFile(file.objects, '/objects')),
      cwd,
      fileDir,
    ),
  };
}

/**
 * The object store: `file:DIR` (relative to where it was given) or `s3://BUCKET?endpoint=...`;
 * unset means the filesystem under the data dir. Checked here so a typo fails at start-up, naming
 * where it was set, rather than on the first upload.
 */
function resolveObjects(given: Sourced<string> | undefined, cwd: string, fileDir: string): string | null {
  if (!given) return null;
  let parsed;
  try {
    parsed = parseObjectStoreUrl(given.value);
  } catch (err) {
    throw new ConfigError(given.source, given.path, (err as Error).message);
  }
  if (parsed.kind === 'file') return `file:${resolve(given.source === COMMAND_LINE || given.source === ENVIRONMENT ? cwd : fileDir, parsed.dir)}`;
  return given.value;
}

/**
 * The metadata store: `sqlite:PATH` (relative to where it was given) or a postgres:// URL;
 * unset means SQLite in the data dir. A URL is never echoed: it may carry a password.
 */
function resolveMetadata(given: Sourced<string> | undefined, cwd: string, fileDir: string): string | null {
  if (!given) return null;
  const v = given.value;
  if (v.startsWith('sqlite:')) {
    const path = v.slice('sqlite:'.length);
    if (!path) throw new ConfigError(given.source, given.path, 'sqlite: needs a file path, e.g. sqlite:data/meshd.sqlite');
    return `sqlite:${resolve(given.source === COMMAND_LINE || given.source === ENVIRONMENT ? cwd : fileDir, path)}`;
  }
  if (/^postgres(ql)?:\/\//.test(v) && URL.canParse(v)) return v;
  throw new ConfigError(given.source, given.path, 'must be sqlite:PATH or a postgres:// URL (the value is not shown: it may hold a password)');
}

/**
 * Only where meshd keeps its data, by the same rules as loadMeshdConfig: for operator tools that
 * open the store beside a running meshd and must not need its shared key or mailbox files.
 */
export async function loadDataDir(opts: {
  argv?: Pick<MeshdConfigOverrides, 'config' | 'dataDir' | 'metadata'>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<{ configFile: string | null; dataDir: string; metadata: string | null }> {
  const flags = opts.argv ?? {};
  const src = await readConfigSource(flags.config, opts.cwd);
  const metadataGiven =
    flags.metadata !== undefined ? { value: flags.metadata, source: COMMAND_LINE, path: '--metadata' }
    : opts.env['MESH_DATABASE_URL'] ? { value: opts.env['MESH_DATABASE_URL'], source: ENVIRONMENT, path: 'MESH_DATABASE_URL' }
    : src.file.metadata !== undefined ? { value: src.file.metadata, source: src.shown, path: '/metadata' }
    : undefined;
  return {
    configFile: src.configFile,
    dataDir: resolveDataDir(flags, src, opts.env, opts.cwd),
    metadata: resolveMetadata(metadataGiven, opts.cwd, src.fileDir),
  };
}

async function readConfigSource(config: string | undefined, cwd: string): Promise<ConfigSource> {
  if (config === undefined) return { file: {}, configFile: null, shown: '', fileDir: cwd };
  const configFile = resolve(cwd, config);
  await mustBeFile({ value: configFile, source: COMMAND_LINE, path: '--config' });
  const shown = displayPath(configFile, cwd);
  return { file: await readConfigFile(configFile, shown), configFile, shown, fileDir: dirname(configFile) };
}

function resolveDataDir(flags: Pick<MeshdConfigOverrides, 'dataDir'>, src: ConfigSource, env: NodeJS.ProcessEnv, cwd: string): string {
  if (flags.dataDir !== undefined) return resolve(cwd, flags.dataDir);
  if (env['MESH_DATA_DIR']) return resolve(cwd, env['MESH_DATA_DIR']);
  if (src.file.dataDir !== undefined) return resolve(src.fileDir, src.file.dataDir);
  return resolve(cwd, 'data');
}

function resolveRoles(flags: MeshdConfigOverrides, file: MeshdConfigFile, shown: string): Sourced<RolesConfig> {
  if (flags.roles !== undefined) {
    // parseMeshdArgs already refuses an empty --roles; this catches programmatic callers.
    if (!flags.roles.api && !flags.roles.workers) throw new ConfigError(COMMAND_LINE, '--roles', 'needs at least one of api, workers');
    return { value: { api: flags.roles.api, workers: flags.roles.workers }, source: COMMAND_LINE, path: '--roles' };
  }
  if (typeof file.roles === 'string') return { value: parseRoles(file.roles, shown, '/roles'), source: shown, path: '/roles' };
  if (file.roles !== undefined) {
    // The schema has checked each name; an empty list and repeats are left, said here in
    // plainer words than the schema's.
    if (file.roles.length === 0) throw new ConfigError(shown, '/roles', 'needs at least one of api, workers');
    const roles: RolesConfig = { api: false, workers: false };
    file.roles.forEach((name, i) => {
      const role = name as keyof RolesConfig;
      if (roles[role]) throw new ConfigError(shown, `/roles/${i}`, `lists "${name}" more than once`);
      roles[role] = true;
    });
    return { value: roles, source: shown, path: '/roles' };
  }
  return { value: { api: true, workers: true }, source: COMMAND_LINE, path: '--roles' };
}

/** Roles from a comma-separated list such as `api,workers`; ConfigError naming source and path otherwise. */
export function parseRoles(text: string, source: string, path: string): RolesConfig {
  const roles: RolesConfig = { api: false, workers: false };
  for (const part of text.split(',')) {
    const name = part.trim();
    if (!(ROLES as readonly string[]).includes(name)) {
      throw new ConfigError(source, path, name === ''
        ? `must be a comma-separated list of ${ROLES.join(', ')}, got "${text}"`
        : `unknown role "${name}": roles are ${ROLES.join(', ')}`);
    }
    const role = name as keyof RolesConfig;
    if (roles[role]) throw new ConfigError(source, path, `lists "${name}" more than once`);
    roles[role] = true;
  }
  return roles;
}

async function resolveRouting(
  flags: MeshdConfigOverrides, src: ConfigSource, env: (name: string) => string | undefined, cwd: string,
): Promise<RoutingConfig> {
  const { file, shown, fileDir } = src;
  const transport: Sourced<string> = flags.transport !== undefined
    ? { value: flags.transport, source: COMMAND_LINE, path: '--transport' }
    : env('MESH_AMQP_URL') !== undefined
      ? { value: env('MESH_AMQP_URL') as string, source: ENVIRONMENT, path: 'MESH_AMQP_URL' }
      : file.transport !== undefined
        ? { value: file.transport, source: shown, path: '/transport' }
        : { value: DEFAULT_ROUTING.transport, source: '', path: '' };
  checkTransport(transport);

  const routes = flags.routes !== undefined
    ? { value: resolve(cwd, flags.routes), source: COMMAND_LINE, path: '--routes' }
    : file.routes !== undefined ? { value: resolve(fileDir, file.routes), source: shown, path: '/routes' } : undefined;
  if (routes) await mustBeFile(routes);

  // The schema checks the file's prefix; a flag (or a programmatic caller) is checked here.
  if (flags.queuePrefix !== undefined && !QUEUE_PREFIX.test(flags.queuePrefix)) {
    throw new ConfigError(COMMAND_LINE, '--queue-prefix',
      `must be at most 50 of the characters A-Z a-z 0-9 . _ -, got "${flags.queuePrefix}"`);
  }

  const given = file.routing ?? {};
  const routing: RoutingConfig = {
    ...DEFAULT_ROUTING,
    ...given,
    routesFile: routes?.value ?? null,
    transport: transport.value,
    queuePrefix: flags.queuePrefix ?? given.queuePrefix ?? DEFAULT_ROUTING.queuePrefix,
  };
  // A message waiting out its retries is 'published' but not yet processed; if the sweeper's
  // patience ran out first it would publish a second copy alongside the retry.
  const waiting = totalRetryWaitMs(routing.retryAttempts, routing.retryDelaysMs);
  if (routing.republishAfterMs <= waiting) {
    const got = given.republishAfterMs === undefined ? `${routing.republishAfterMs} (the default)` : String(routing.republishAfterMs);
    throw new ConfigError(shown, '/routing/republishAfterMs',
      `must exceed the ${waiting} ms a message can spend waiting between its ${routing.retryAttempts} attempts ` +
      `(retryDelaysMs, the last repeating), got ${got}`);
  }
  return routing;
}

/** The longest a message waits between attempts in all: one delay per retry, the last delay repeating. */
function totalRetryWaitMs(attempts: number, delaysMs: number[]): number {
  let total = 0;
  for (let attempt = 1; attempt < attempts; attempt++) total += retryDelayMs({ attempts, delaysMs }, attempt);
  return total;
}

function checkTransport(t: Sourced<string>): void {
  if (t.value === 'embedded') return;
  const want = 'must be "embedded" or an amqp:// or amqps:// URL';
  const url = URL.canParse(t.value) ? new URL(t.value) : null;
  if (url?.protocol !== 'amqp:' && url?.protocol !== 'amqps:') {
    // The value is never echoed, as it usually carries the broker password; a `scheme://`
    // prefix is safe to show, whereas in `user:pass@host` what parses as a scheme is the user.
    const scheme = /^([a-z][a-z0-9+.-]{0,15}):\/\//i.exec(t.value)?.[1];
    throw new ConfigError(t.source, t.path, scheme ? `${want}, got a ${scheme}:// URL` : `${want} (the value is not shown: it may hold a password)`);
  }
  if (!url.hostname) throw new ConfigError(t.source, t.path, `${want} with a host, got none`);
}

function resolveAdminToken(token: string | undefined): string | null {
  if (token === undefined) return null;
  // Neither check quotes the token: error messages end up in logs and terminals.
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(ENVIRONMENT, 'MESH_ADMIN_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  // It is compared with an Authorization header, which cannot carry spaces at its ends or
  // non-ASCII text: a token with either could never be presented, so refuse it now.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ConfigError(ENVIRONMENT, 'MESH_ADMIN_TOKEN', 'must be printable ASCII without spaces');
  }
  return token;
}

/** Parses a YAML file to plain data; ConfigError with the line for syntax errors. */
export async function readYamlFile(file: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(shown, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const doc = YAML.parseDocument(text);
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0]?.line;
    const reason = bad.message.split(' at line ')[0]?.split('\n')[0] ?? bad.code;
    throw new ConfigError(line ? `${shown}:${line}` : shown, '', `invalid YAML: ${reason}`);
  }
  try {
    // Capping alias expansion stops a "billion laughs" file from exhausting memory.
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // An unquoted value starting with `*` is an alias to a missing anchor: YAML only notices here.
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(shown, '', `invalid YAML: ${reason} (quote a value that starts with "*")`);
  }
}

/** A path as the user should see it: relative to cwd when inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

async function readConfigFile(file: string, shown: string): Promise<MeshdConfigFile> {
  // An empty file is a valid "all defaults" config, as an empty YAML document is null.
  const data = (await readYamlFile(file, shown)) ?? {};
  // Said plainly rather than as "unknown key": someone is trying to put a secret in a file.
  if (typeof data === 'object' && !Array.isArray(data) && Object.hasOwn(data, 'adminToken')) {
    throw new ConfigError(shown, '/adminToken', 'not allowed in a config file: the admin token is a secret; set MESH_ADMIN_TOKEN');
  }
  const validate = await schemaValidator('meshd-config.schema.json');
  if (!validate(data)) throw configErrorFromAjv(shown, validate.errors);
  const parsed = data as MeshdConfigFile;
  if (parsed.sharedKey !== undefined && parsed.sharedKeyEnv !== undefined) {
    throw new ConfigError(shown, '/sharedKeyEnv', 'give sharedKey or sharedKeyEnv, not both');
  }
  return parsed;
}

function resolveSharedKey(
  flags: MeshdConfigOverrides, file: MeshdConfigFile, shown: string, env: (name: string) => string | undefined,
): string {
  if (flags.sharedKey) return flags.sharedKey;
  const fromEnv = env('MESH_SHARED_KEY');
  if (fromEnv) return fromEnv;
  if (file.sharedKey) return file.sharedKey;
  if (file.sharedKeyEnv) {
    const value = env(file.sharedKeyEnv);
    if (!value) throw new ConfigError(shown, '/sharedKeyEnv', `environment variable ${file.sharedKeyEnv} is not set`);
    return value;
  }
  throw new ConfigError(shown || ENVIRONMENT, shown ? '/sharedKey' : 'MESH_SHARED_KEY',
    'no shared key: set MESH_SHARED_KEY, pass --shared-key, or give sharedKey/sharedKeyEnv in the config file');
}

async function resolveTls(
  flags: MeshdConfigOverrides, file: MeshdConfigFile, shown: string, fileDir: string, cwd: string,
): Promise<TlsConfig | null> {
  const pick = (flag: string | undefined, flagName: string, value: string | undefined, key: string) =>
    flag !== undefined
      ? { value: resolve(cwd, flag), source: COMMAND_LINE, path: flagName }
      : value !== undefined ? { value: resolve(fileDir, value), source: shown, path: `/tls/${key}` } : undefined;
  const cert = pick(flags.tlsCert, '--tls-cert', file.tls?.cert, 'cert');
  const key = pick(flags.tlsKey, '--tls-key', file.tls?.key, 'key');
  const ca = pick(flags.tlsCa, '--tls-ca', file.tls?.ca, 'ca');
  const requireClientCert = flags.requireClientCert !== undefined
    ? { value: flags.requireClientCert, source: COMMAND_LINE, path: '--require-client-cert' }
    : { value: file.tls?.requireClientCert ?? false, source: shown, path: '/tls/requireClientCert' };

  // The schema already makes the file give cert and key together, so a lone one came from a flag.
  if (cert && !key) throw new ConfigError(cert.source, cert.path, 'needs --tls-key as well');
  if (key && !cert) throw new ConfigError(key.source, key.path, 'needs --tls-cert as well');
  if (ca && !cert) throw new ConfigError(ca.source, ca.path, 'needs --tls-cert and --tls-key');
  if (requireClientCert.value && !ca) {
    const need = requireClientCert.source === COMMAND_LINE ? '--tls-ca' : '/tls/ca';
    throw new ConfigError(requireClientCert.source, requireClientCert.path, `needs a CA bundle (${need})`);
  }
  if (!cert || !key) return null;
  for (const f of [cert, key, ca]) if (f) await mustBeFile(f);
  return { certFile: cert.value, keyFile: key.value, caFile: ca?.value ?? null, requireClientCert: requireClientCert.value };
}

async function resolveFileList(
  flagFiles: string[] | undefined, flagName: string, fileFiles: string | string[] | undefined, key: string,
  shown: string, fileDir: string, cwd: string,
): Promise<string[]> {
  let list: Sourced<string>[];
  if (flagFiles && flagFiles.length > 0) {
    list = flagFiles.map((f) => ({ value: resolve(cwd, f), source: COMMAND_LINE, path: flagName }));
  } else if (typeof fileFiles === 'string') {
    list = [{ value: resolve(fileDir, fileFiles), source: shown, path: key }];
  } else {
    list = (fileFiles ?? []).map((f, i) => ({ value: resolve(fileDir, f), source: shown, path: `${key}/${i}` }));
  }
  for (const f of list) await mustBeFile(f);
  return list.map((f) => f.value);
}

async function mustBeFile(f: Sourced<string>): Promise<void> {
  const st = await stat(f.value).catch(() => undefined);
  if (!st) throw new ConfigError(f.source, f.path, `file not found: ${f.value}`);
  if (!st.isFile()) throw new ConfigError(f.source, f.path, `not a regular file: ${f.value}`);
}

/** A TCP port from text (flag or environment); ConfigError naming source and path otherwise. */
export function parsePort(text: string, source: string, path: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  checkPort(n, source, path, text);
  return n;
}

function checkPort(n: number, source: string, path: string, text = String(n)): void {
  if (!(Number.isInteger(n) && n >= 0 && n <= 65535)) {
    throw new ConfigError(source, path, `must be an integer from 0 to 65535, got "${text}"`);
  }
}

/** A duration in ms from an environment variable, checked as a whole number. */
function msFromEnv(value: Sourced<string> | undefined): Sourced<number> | undefined {
  if (!value) return undefined;
  if (!/^\d{1,9}$/.test(value.value)) throw new ConfigError(value.source, value.path, `must be a whole number of milliseconds, not ${JSON.stringify(value.value)}`);
  return { ...value, value: Number(value.value) };
}

/** `{ [key]: ms }` when set, left out otherwise so meshd's default applies. */
function optionalMs<K extends string>(key: K, value: Sourced<number> | undefined): Partial<Record<K, number>> {
  return value ? ({ [key]: value.value } as Partial<Record<K, number>>) : {};
}

function first<T>(...candidates: Array<Sourced<T> | undefined>): Sourced<T> | undefined {
  return candidates.find((c) => c !== undefined);
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}
