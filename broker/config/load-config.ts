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
 */

import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import YAML from 'yaml';
import type { LimitsConfig, MeshdConfig, TlsConfig } from './config.js';
import { COMMAND_LINE, ConfigError, ENVIRONMENT, configErrorFromAjv } from './config-error.js';
import { schemaValidator } from './package-root.js';

/** Log levels meshd accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  limits?: Partial<LimitsConfig>;
  inboxExpiryDays?: number;
  environment?: string;
  logLevel?: string;
  maxClockSkewMinutes?: number;
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

/** Loads, merges and validates meshd's configuration; throws ConfigError on any problem. */
export async function loadMeshdConfig(opts: LoadMeshdConfigOptions): Promise<MeshdConfig> {
  const { cwd } = opts;
  const flags = opts.argv ?? {};
  const env = (name: string): string | undefined => opts.env[name] || undefined;

  let file: MeshdConfigFile = {};
  let configFile: string | null = null;
  let shown = '';
  if (flags.config !== undefined) {
    configFile = resolve(cwd, flags.config);
    await mustBeFile({ value: configFile, source: COMMAND_LINE, path: '--config' });
    shown = displayPath(configFile, cwd);
    file = await readConfigFile(configFile, shown);
  }
  const fileDir = configFile ? dirname(configFile) : cwd;
  const fromFile = <T>(value: T | undefined, path: string): Sourced<T> | undefined =>
    value === undefined ? undefined : { value, source: shown, path };
  const fromFlag = <T>(value: T | undefined, flag: string): Sourced<T> | undefined =>
    value === undefined ? undefined : { value, source: COMMAND_LINE, path: flag };
  const fromEnv = (name: string): Sourced<string> | undefined => {
    const value = env(name);
    return value === undefined ? undefined : { value, source: ENVIRONMENT, path: name };
  };
  const fileRel = (s: Sourced<string> | undefined) => s && { ...s, value: resolve(fileDir, s.value) };
  const cwdRel = (s: Sourced<string> | undefined) => s && { ...s, value: resolve(cwd, s.value) };

  const host = first(fromFlag(flags.host, '--host'), fromEnv('MESH_HOST'), fromFile(file.host, '/host'))?.value ?? '127.0.0.1';
  const envPort = fromEnv('MESH_PORT');
  if (flags.port !== undefined) checkPort(flags.port, COMMAND_LINE, '--port');
  const port = flags.port ?? (envPort ? parsePort(envPort.value, envPort.source, envPort.path) : undefined) ??
    file.port ?? 8700;
  const dataDir = first(cwdRel(fromFlag(flags.dataDir, '--data-dir')), cwdRel(fromEnv('MESH_DATA_DIR')),
    fileRel(fromFile(file.dataDir, '/dataDir')))?.value ?? resolve(cwd, 'data');
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
    inboxExpiryDays: file.inboxExpiryDays ?? 5,
    environment: file.environment ?? 'local',
    logLevel: logLevel?.value ?? 'info',
  };
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
  // Capping alias expansion stops a "billion laughs" file from exhausting memory.
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** A path as the user should see it: relative to cwd when inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

async function readConfigFile(file: string, shown: string): Promise<MeshdConfigFile> {
  // An empty file is a valid "all defaults" config, as an empty YAML document is null.
  const data = (await readYamlFile(file, shown)) ?? {};
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

function first<T>(...candidates: Array<Sourced<T> | undefined>): Sourced<T> | undefined {
  return candidates.find((c) => c !== undefined);
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}
