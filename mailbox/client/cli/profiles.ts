/**
 * Named connection profiles for the `mesh` CLI (`--profile NAME` or MESH_PROFILE), read from
 * `$MESH_PROFILES` or `~/.mesh-client/profiles.yaml`. Secrets may be given as `passwordEnv` /
 * `sharedKeyEnv` so the file itself need hold none.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { UsageError } from './args.js';

/** One profile's settings, with file paths already resolved against the profile file. */
export interface Profile {
  url?: string;
  mailbox?: string;
  password?: string;
  sharedKey?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

const PLAIN_KEYS = ['url', 'mailbox', 'password', 'sharedKey'] as const;
const PATH_KEYS = ['tlsCert', 'tlsKey', 'tlsCa'] as const;
const ENV_KEYS = { passwordEnv: 'password', sharedKeyEnv: 'sharedKey' } as const;
const ALLOWED = new Set<string>([...PLAIN_KEYS, ...PATH_KEYS, ...Object.keys(ENV_KEYS)]);
const MAX_FILE_BYTES = 1024 * 1024;

/** Where profiles are read from. */
export function profilesFile(env: NodeJS.ProcessEnv): string {
  return env['MESH_PROFILES'] || join(homedir(), '.mesh-client', 'profiles.yaml');
}

/** Loads one named profile; a missing file, unknown name or bad entry is a usage error naming it. */
export function loadProfile(name: string, env: NodeJS.ProcessEnv): Profile {
  const file = profilesFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`profile ${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (text.length > MAX_FILE_BYTES) throw new UsageError(`${file}: larger than ${MAX_FILE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const profiles = (doc as { profiles?: unknown } | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw new UsageError(`${file}: expected a "profiles:" mapping`);
  const entry = (profiles as Record<string, unknown>)[name];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UsageError(`${file}: no profile named ${JSON.stringify(name)} (have: ${Object.keys(profiles).join(', ') || 'none'})`);
  }
  return toProfile(entry as Record<string, unknown>, `${file}: profiles.${name}`, dirname(file), env);
}

function toProfile(entry: Record<string, unknown>, where: string, baseDir: string, env: NodeJS.ProcessEnv): Profile {
  const profile: Profile = {};
  for (const [key, value] of Object.entries(entry)) {
    if (!ALLOWED.has(key)) throw new UsageError(`${where}: unknown key ${key}`);
    if (typeof value !== 'string' || value === '' || value.length > 1000) throw new UsageError(`${where}.${key}: must be a non-empty string of at most 1000 characters`);
  }
  const str = (k: string): string | undefined => entry[k] as string | undefined;
  for (const k of PLAIN_KEYS) if (str(k) !== undefined) profile[k] = str(k);
  for (const k of PATH_KEYS) if (str(k) !== undefined) profile[k] = resolve(baseDir, expandHome(str(k)!));
  for (const [envKey, target] of Object.entries(ENV_KEYS)) {
    const variable = str(envKey);
    if (variable === undefined) continue;
    if (profile[target] !== undefined) throw new UsageError(`${where}: give ${target} or ${envKey}, not both`);
    const value = env[variable];
    if (!value) throw new UsageError(`${where}.${envKey}: environment variable ${variable} is not set`);
    profile[target] = value;
  }
  return profile;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
