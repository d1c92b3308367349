/**
 * Connection settings for the `mesh` CLI: flags override `MESH_*` environment
 * variables, TLS material is read from files, and the result is a MeshClient.
 * Precedence: flags, then environment, then the named profile (profiles.ts).
 */
import { readFile } from 'node:fs/promises';
import { MeshClient } from '../index.js';
import type { MeshClientOptions, MeshTlsOptions } from '../types.js';
import { UsageError, optFlag, optString, type OptionTable, type OptionValues } from './args.js';
import { loadProfile, type Profile } from './profiles.js';

/** The flags every command that talks to MESH accepts. */
export const CONNECTION_OPTIONS: OptionTable = {
  url: { type: 'string', value: 'URL', help: 'MESH base URL, e.g. https://msg.intspineservices.nhs.uk (MESH_URL)' },
  mailbox: { type: 'string', value: 'ID', help: 'your mailbox ID (MESH_MAILBOX)' },
  password: { type: 'string', value: 'PW', help: 'mailbox password (MESH_PASSWORD)' },
  'shared-key': { type: 'string', value: 'KEY', help: 'environment shared key for the auth token (MESH_SHARED_KEY)' },
  'tls-cert': { type: 'string', value: 'FILE', help: 'client certificate, PEM (MESH_TLS_CERT)' },
  'tls-key': { type: 'string', value: 'FILE', help: 'client private key, PEM (MESH_TLS_KEY)' },
  'tls-ca': { type: 'string', value: 'FILE', help: 'CA bundle to trust instead of the system roots, PEM (MESH_TLS_CA)' },
  insecure: { type: 'boolean', help: 'do not verify the server certificate (local test servers only)' },
  profile: { type: 'string', value: 'NAME', help: 'settings from a named profile in $MESH_PROFILES or ~/.mesh-client/profiles.yaml (MESH_PROFILE)' },
};

/** Where each setting comes from in the environment. */
const ENV_NAMES = {
  url: 'MESH_URL',
  mailbox: 'MESH_MAILBOX',
  password: 'MESH_PASSWORD',
  'shared-key': 'MESH_SHARED_KEY',
  'tls-cert': 'MESH_TLS_CERT',
  'tls-key': 'MESH_TLS_KEY',
  'tls-ca': 'MESH_TLS_CA',
} as const;

type SettingName = keyof typeof ENV_NAMES;

/** Resolved settings before any file is read; TLS entries are paths. */
export interface ConnectionSettings {
  url: string;
  mailbox: string;
  password: string;
  sharedKey: string;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsCa: string | undefined;
  insecure: boolean;
}

/** Where each setting sits in a profile. */
const PROFILE_KEYS: Record<SettingName, keyof Profile> = {
  url: 'url',
  mailbox: 'mailbox',
  password: 'password',
  'shared-key': 'sharedKey',
  'tls-cert': 'tlsCert',
  'tls-key': 'tlsKey',
  'tls-ca': 'tlsCa',
};

function setting(values: OptionValues, env: NodeJS.ProcessEnv, profile: Profile, name: SettingName): string | undefined {
  const fromFlag = optString(values, name);
  if (fromFlag !== undefined) return fromFlag;
  const fromEnv = env[ENV_NAMES[name]];
  // An exported-but-empty variable is almost always a shell accident, so treat it as unset.
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return profile[PROFILE_KEYS[name]];
}

function required(values: OptionValues, env: NodeJS.ProcessEnv, profile: Profile, name: SettingName): string {
  const value = setting(values, env, profile, name);
  if (value === undefined || value === '') throw new UsageError(`missing --${name} (or ${ENV_NAMES[name]}, or a --profile giving it)`);
  return value;
}

/** Merges flags over the environment over a profile; a missing required setting is a usage error. */
export function resolveConnection(values: OptionValues, env: NodeJS.ProcessEnv): ConnectionSettings {
  const profileName = optString(values, 'profile') ?? (env['MESH_PROFILE'] || undefined);
  const profile = profileName === undefined ? {} : loadProfile(profileName, env);
  const settings: ConnectionSettings = {
    url: required(values, env, profile, 'url'),
    mailbox: required(values, env, profile, 'mailbox'),
    password: required(values, env, profile, 'password'),
    sharedKey: required(values, env, profile, 'shared-key'),
    tlsCert: setting(values, env, profile, 'tls-cert'),
    tlsKey: setting(values, env, profile, 'tls-key'),
    tlsCa: setting(values, env, profile, 'tls-ca'),
    insecure: optFlag(values, 'insecure'),
  };
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    throw new UsageError(`invalid URL ${JSON.stringify(settings.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`URL must start with http:// or https://, got ${settings.url}`);
  }
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  return settings;
}

/** Reads the TLS files named in the settings; undefined when none were given. */
export async function loadTls(settings: ConnectionSettings): Promise<MeshTlsOptions | undefined> {
  if (settings.tlsCert === undefined && settings.tlsCa === undefined && !settings.insecure) return undefined;
  const tls: MeshTlsOptions = {};
  if (settings.tlsCert !== undefined) tls.cert = await readFile(settings.tlsCert);
  if (settings.tlsKey !== undefined) tls.key = await readFile(settings.tlsKey);
  if (settings.tlsCa !== undefined) tls.ca = await readFile(settings.tlsCa);
  if (settings.insecure) tls.rejectUnauthorized = false;
  return tls;
}

/** Builds a client from resolved settings; the caller closes it. */
export async function openClient(settings: ConnectionSettings): Promise<MeshClient> {
  const options: MeshClientOptions = {
    baseUrl: settings.url,
    mailboxId: settings.mailbox,
    password: settings.password,
    sharedKey: settings.sharedKey,
  };
  const tls = await loadTls(settings);
  if (tls !== undefined) options.tls = tls;
  return new MeshClient(options);
}
