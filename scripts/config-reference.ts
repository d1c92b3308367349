/**
 * Generates docs/configuration.md from schemas/*.json: for every configuration file type, each
 * property path with its type, default, allowed values and limits, and description, followed by
 * meshd's environment variables and flags.
 *
 *   npm run docs:config          # compiles, then writes docs/configuration.md
 *
 * test/docs/config-reference.test.ts regenerates the text in memory and fails when the committed
 * file differs, so a schema change without `npm run docs:config` fails CI.
 *
 * The schema walk is generic: nested objects, arrays (`[]` in a path), local `$ref`s
 * (`#/definitions/...`, `#/$defs/...`), oneOf / anyOf / allOf, if / then / else,
 * additionalProperties and patternProperties schemas (`*` in a path). A default comes from the
 * schema's `default` keyword, else from a "Default: ..." or "(default ...)" in the description,
 * else from CODE_DEFAULTS below (the built-in values of broker/config/load-config.ts, which the
 * test checks against the code).
 */

import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../broker/config/package-root.js';

type Schema = { [key: string]: unknown };

/** One row of a reference table. */
export interface PropertyRow {
  path: string;
  type: string;
  required: boolean;
  defaultText: string;
  limits: string[];
  description: string;
}

/** A schema file as read from schemas/. */
export interface SchemaFile {
  file: string;
  schema: Schema;
}

/** Where each known file type is used; a schema file not listed here gets no such line. */
const USAGE: Record<string, string> = {
  'meshd-config.schema.json': '`meshd --config FILE` (e.g. `conf/meshd.yaml`).',
  'mailboxes.schema.json': '`mailboxes:` in the meshd config, or `--mailboxes FILE` (e.g. `conf/mailboxes.yaml`; mesh-sandbox `mailboxes.jsonl` lines follow `#/definitions/sandboxMailbox`).',
  'workflows.schema.json': '`workflows:` in the meshd config, or `--workflows FILE` (e.g. `conf/workflows.yaml`; mesh-sandbox `workflows.jsonl` lines follow `#/definitions/sandboxWorkflow`).',
  'routes.schema.json': '`routes:` in the meshd config, or `--routes FILE` (e.g. `conf/routes.yaml`).',
};

/** Files shown first, in this order; any other schema follows alphabetically. */
const ORDER = ['meshd-config.schema.json', 'mailboxes.schema.json', 'workflows.schema.json', 'routes.schema.json'];

/**
 * Built-in defaults that the schemas do not state, keyed by file and property path: the values
 * loadMeshdConfig uses when a key is absent. Prefer a `default` keyword in the schema, which
 * takes precedence over this table.
 */
export const CODE_DEFAULTS: Record<string, Record<string, unknown>> = {
  'meshd-config.schema.json': {
    '/host': '127.0.0.1',
    '/port': 8700,
    '/dataDir': './data (against the working directory)',
    '/tls/requireClientCert': false,
    '/strictWorkflows': false,
    '/sandboxAdmin': false,
    '/sandboxAdminForce': false,
    '/limits/maxRequestBytes': 104_857_600,
    '/limits/maxChunks': 10_000,
    '/limits/inlineChunkBytes': 65_536,
    '/limits/inboxMaxResultsDefault': 500,
    '/inboxExpiryDays': 5,
    '/environment': 'local',
    '/logLevel': 'info',
    '/maxClockSkewMinutes': 120,
    '/roles': ['api', 'workers'],
    '/transport': 'embedded',
    '/routing/prefetch': 16,
    '/routing/retryAttempts': 4,
    '/routing/retryDelaysMs': [1_000, 10_000, 60_000],
    '/routing/sweepIntervalMs': 1_000,
    '/routing/republishAfterMs': 600_000,
    '/routing/queuePrefix': '',
  },
};

/** One environment variable of meshd: hand-maintained from load-config.ts and MESHD_HELP. */
export interface EnvVar {
  name: string;
  flag: string;
  configKey: string;
  meaning: string;
}

/**
 * meshd's environment variables. The test fails if load-config.ts or mailbox/server/options.ts
 * reads a MESH_* variable missing here (or this lists one they do not), so keep it in step.
 */
export const ENV_VARS: EnvVar[] = [
  { name: 'MESH_HOST', flag: '--host H', configKey: '/host', meaning: 'Address to listen on.' },
  { name: 'MESH_PORT', flag: '--port N', configKey: '/port', meaning: 'TCP port, 0..65535.' },
  { name: 'MESH_DATA_DIR', flag: '--data-dir DIR', configKey: '/dataDir', meaning: 'Data directory of the embedded stores (`meshd.sqlite`, `objects/`). Also read by `meshd parked`.' },
  { name: 'MESH_LOG_LEVEL', flag: '--log-level L', configKey: '/logLevel', meaning: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'MESH_SHARED_KEY', flag: '--shared-key K', configKey: '/sharedKey, /sharedKeyEnv', meaning: 'NHSMESH HMAC shared secret. Prefer the environment: flags show in the process list. A set MESH_SHARED_KEY wins over the config file\'s sharedKey and sharedKeyEnv.' },
  { name: 'MESH_DATABASE_URL', flag: '--metadata M', configKey: '/metadata', meaning: 'Metadata store: `postgres://user:pw@host/db[?schema=NAME]` or `sqlite:PATH`. Also read by `meshd parked`.' },
  { name: 'MESH_OBJECTS_URL', flag: '--objects O', configKey: '/objects', meaning: 'Payload store: `file:DIR` or `s3://BUCKET?endpoint=URL&region=R...`. S3 credentials come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or any AWS SDK credential source).' },
  { name: 'MESH_AMQP_URL', flag: '--transport T', configKey: '/transport', meaning: '`embedded` or `amqp[s]://user:pass@host:port/vhost`.' },
  { name: 'MESH_SHUTDOWN_TIMEOUT_MS', flag: '(none)', configKey: '/shutdownTimeoutMs', meaning: 'On SIGTERM, how long in-flight work gets before meshd forces its connections closed.' },
  { name: 'MESH_SHUTDOWN_DRAIN_MS', flag: '(none)', configKey: '/shutdownDrainMs', meaning: 'On SIGTERM, how long `/readyz` answers 503 while requests are still served.' },
  { name: 'MESH_ADMIN_TOKEN', flag: '(none)', configKey: '(none: refused in a config file)', meaning: 'Bearer token, at least 16 printable ASCII characters without spaces, for the operator API under `/admin/parked`. Unset: that API is off.' },
];

/** Flags with no environment variable, for completeness of the table. */
export const FLAG_ONLY: Array<{ flag: string; configKey: string }> = [
  { flag: '--config FILE', configKey: '(the file itself)' },
  { flag: '--tls-cert F, --tls-key F, --tls-ca F', configKey: '/tls/cert, /tls/key, /tls/ca' },
  { flag: '--require-client-cert', configKey: '/tls/requireClientCert' },
  { flag: '--mailboxes FILE (repeatable)', configKey: '/mailboxes' },
  { flag: '--workflows FILE (repeatable)', configKey: '/workflows' },
  { flag: '--strict-workflows', configKey: '/strictWorkflows' },
  { flag: '--sandbox-admin', configKey: '/sandboxAdmin' },
  { flag: '--sandbox-admin-force', configKey: '/sandboxAdminForce' },
  { flag: '--roles LIST', configKey: '/roles' },
  { flag: '--routes FILE', configKey: '/routes' },
  { flag: '--queue-prefix P', configKey: '/routing/queuePrefix' },
];

// ---------------------------------------------------------------------------------------------
// The schema walk

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves a local `#/...` JSON pointer inside `root`; undefined for anything else. */
function resolvePointer(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter((p) => p !== '')) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isSchema(node)) return undefined;
    node = node[part];
  }
  return isSchema(node) ? node : undefined;
}

/**
 * The schema with its `$ref` followed (repeatedly), the referring schema's own keywords
 * (description, default, ...) taking precedence over the target's. Cycles stop the chain.
 */
function deref(root: Schema, schema: Schema, seen: Set<string> = new Set()): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || seen.has(ref)) return schema;
  const target = resolvePointer(root, ref);
  if (!target) return schema;
  seen.add(ref);
  const { $ref: _ref, ...own } = schema;
  return { ...deref(root, target, seen), ...own };
}

/** The alternatives of a union (oneOf, anyOf, if/then/else), each dereferenced; [] if none. */
function alternatives(root: Schema, s: Schema): Schema[] {
  const out: Schema[] = [];
  for (const key of ['oneOf', 'anyOf']) {
    const list = s[key];
    if (Array.isArray(list)) out.push(...list.filter(isSchema).map((a) => deref(root, a)));
  }
  if (isSchema(s['if'])) {
    for (const key of ['then', 'else']) {
      const branch = s[key];
      if (isSchema(branch)) out.push(deref(root, branch));
    }
  }
  return out;
}

/** allOf parts merged into one schema (properties and required lists combined). */
function mergeAllOf(root: Schema, s: Schema): Schema {
  const parts = s['allOf'];
  if (!Array.isArray(parts)) return s;
  let merged: Schema = { ...s };
  delete merged['allOf'];
  for (const p of parts.filter(isSchema)) {
    const part = mergeAllOf(root, deref(root, p));
    const props = { ...(isSchema(merged['properties']) ? merged['properties'] : {}), ...(isSchema(part['properties']) ? part['properties'] : {}) };
    const required = [...asStrings(merged['required']), ...asStrings(part['required'])];
    merged = { ...part, ...merged, properties: props, required };
  }
  return merged;
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A short type name: `string`, `integer`, `array of string`, `string | array of string`, ... */
function typeOf(root: Schema, raw: Schema, depth = 0): string {
  const s = mergeAllOf(root, deref(root, raw));
  if (depth > 4) return 'any';
  if ('const' in s) return `const ${fmt(s['const'])}`;
  const alts = alternatives(root, s);
  const own = s['type'];
  let base: string[] = [];
  if (typeof own === 'string') base = [own];
  else if (Array.isArray(own)) base = asStrings(own);
  else if (Array.isArray(s['enum'])) base = [enumType(s['enum'])];
  base = base.map((t) => {
    if (t !== 'array') return t;
    const items = s['items'];
    return isSchema(items) ? `array of ${typeOf(root, items, depth + 1)}` : 'array';
  });
  if (alts.length > 0) {
    const altTypes = alts.map((a) => typeOf(root, a, depth + 1));
    // if/then/else with a type in `if` narrows rather than adds: show the branches.
    const all = base.length > 0 && !s['if'] ? base : [];
    for (const t of altTypes) if (!all.includes(t)) all.push(t);
    return all.join(' \\| ') || 'any';
  }
  if (base.length === 0) return isSchema(s['properties']) ? 'object' : 'any';
  return base.join(' \\| ');
}

function enumType(values: unknown[]): string {
  const kinds = [...new Set(values.map((v) => (v === null ? 'null' : typeof v)))];
  return kinds.length === 1 ? (kinds[0] as string) : kinds.join(' \\| ');
}

/** Values as they would be written in YAML, in a code span; byte counts with their binary unit. */
function fmt(v: unknown, bytes = false): string {
  const code = '`' + (typeof v === 'string' ? (v === '' ? '""' : v) : JSON.stringify(v)).replaceAll('|', '\\|') + '`';
  return bytes && typeof v === 'number' ? code + unit(v) : code;
}

/** Allowed values and limits of one schema (not its alternatives); `bytes` adds units to numbers. */
function ownLimits(s: Schema, bytes: boolean): string[] {
  const num = (v: number): string => String(v) + (bytes ? unit(v) : '');
  const out: string[] = [];
  const n = (k: string): number | undefined => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  if (Array.isArray(s['enum'])) out.push(`one of ${s['enum'].map((v) => fmt(v)).join(', ')}`);
  const min = n('minimum'), max = n('maximum'), xmin = n('exclusiveMinimum'), xmax = n('exclusiveMaximum');
  if (min !== undefined && max !== undefined) out.push(`${num(min)}..${num(max)}`);
  else if (min !== undefined) out.push(`≥ ${num(min)}`);
  else if (max !== undefined) out.push(`≤ ${num(max)}`);
  if (xmin !== undefined) out.push(`> ${num(xmin)}`);
  if (xmax !== undefined) out.push(`< ${num(xmax)}`);
  if (n('multipleOf') !== undefined) out.push(`multiple of ${num(n('multipleOf') as number)}`);
  const minL = n('minLength'), maxL = n('maxLength');
  if (minL !== undefined && maxL !== undefined) out.push(`length ${minL}..${maxL}`);
  else if (minL !== undefined) out.push(`length ≥ ${minL}`);
  else if (maxL !== undefined) out.push(`length ≤ ${maxL}`);
  if (typeof s['pattern'] === 'string') out.push(`pattern ${fmt(s['pattern'])}`);
  if (typeof s['format'] === 'string') out.push(`format ${s['format']}`);
  const minI = n('minItems'), maxI = n('maxItems');
  if (minI !== undefined && maxI !== undefined) out.push(`${minI}..${maxI} items`);
  else if (minI !== undefined) out.push(`≥ ${minI} items`);
  else if (maxI !== undefined) out.push(`≤ ${maxI} items`);
  if (s['uniqueItems'] === true) out.push('unique items');
  const minP = n('minProperties'), maxP = n('maxProperties');
  if (minP !== undefined) out.push(`≥ ${minP} keys`);
  if (maxP !== undefined) out.push(`≤ ${maxP} keys`);
  return out;
}

/** ` (100 MiB)` for 104857600, ` (64 KiB)` for 65536; '' for a number that is no whole unit. */
function unit(v: number): string {
  for (const [name, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (v >= size && v % size === 0) return ` (${v / size} ${name})`;
  }
  return '';
}

/** Whether a property counts bytes, by its name (`maxRequestBytes`, `inlineChunkBytes`, ...). */
const isBytes = (path: string): boolean => /bytes(\[\])?$/i.test(path);

/** Limits of a schema, its array items and its union alternatives, deduplicated. */
function limitsOf(root: Schema, raw: Schema, bytes: boolean, depth = 0): string[] {
  const s = mergeAllOf(root, deref(root, raw));
  const out = ownLimits(s, bytes);
  const items = s['items'];
  if (isSchema(items) && depth < 4) {
    const it = deref(root, items);
    if (!hasProperties(root, it)) for (const l of limitsOf(root, it, bytes, depth + 1)) out.push(`items: ${l}`);
  }
  const alts = alternatives(root, s);
  if (alts.length > 0 && depth < 4) {
    for (const a of alts) {
      const label = typeOf(root, a, depth + 1);
      for (const l of limitsOf(root, a, bytes, depth + 1)) out.push(alts.length > 1 ? `${label}: ${l}` : l);
    }
  }
  return [...new Set(out)];
}

function hasProperties(root: Schema, raw: Schema): boolean {
  const s = mergeAllOf(root, deref(root, raw));
  if (isSchema(s['properties']) || isSchema(s['additionalProperties']) || isSchema(s['patternProperties'])) return true;
  const items = s['items'];
  if (isSchema(items) && hasProperties(root, deref(root, items))) return true;
  return alternatives(root, s).some((a) => hasProperties(root, a));
}

/** Text for a default found in the schema or its description; undefined if neither says. */
function schemaDefault(s: Schema, bytes: boolean): string | undefined {
  if ('default' in s) return fmt(s['default'], bytes);
  const d = typeof s['description'] === 'string' ? s['description'] : '';
  const stated = /\bDefault:\s*([^.]+(?:\.[a-z][^.]*)*)\./.exec(d) ?? /\(default ([^)]+)\)/i.exec(d);
  // "(default 25000; env MESH_...)": the value is the part before the first `;`.
  const text = stated?.[1]?.split(';')[0]?.trim();
  if (text) return /^[^\s`]+$/.test(text) ? fmt(text) : oneLine(text);
  const quoted = /"([^"]+)" \([^)]*\bthe default\)/.exec(d);
  if (quoted?.[1]) return fmt(quoted[1]);
  return undefined;
}

function oneLine(text: unknown): string {
  return typeof text === 'string' ? text.replace(/\s+/g, ' ').replaceAll('|', '\\|').trim() : '';
}

/**
 * Every property under `raw`, depth first in schema order. `path` is the JSON pointer of the
 * schema's value (`''` for the root), with `[]` for array items and `*` for free-form keys.
 */
export function collectRows(root: Schema, raw: Schema, path: string, codeDefaults: Record<string, unknown>, refStack: string[] = []): PropertyRow[] {
  const rows: PropertyRow[] = [];
  const ref = typeof raw['$ref'] === 'string' ? raw['$ref'] : undefined;
  if (ref && refStack.includes(ref)) return rows; // a recursive schema: document it once
  const stack = ref ? [...refStack, ref] : refStack;
  const s = mergeAllOf(root, deref(root, raw));

  const visitChildren = (node: Schema): void => {
    const props = node['properties'];
    const required = asStrings(node['required']);
    if (isSchema(props)) {
      for (const [name, child] of Object.entries(props)) {
        if (!isSchema(child)) continue;
        const childPath = `${path}/${name}`;
        rows.push(row(root, child, childPath, required.includes(name), codeDefaults));
        rows.push(...collectRows(root, child, childPath, codeDefaults, stack));
      }
    }
    for (const key of ['additionalProperties', 'patternProperties'] as const) {
      const extra = node[key];
      const entries: Array<[string, unknown]> = key === 'additionalProperties' ? [['*', extra]] : isSchema(extra) ? Object.entries(extra) : [];
      for (const [label, child] of entries) {
        if (!isSchema(child) || Object.keys(child).length === 0) continue;
        const childPath = `${path}/${key === 'additionalProperties' ? '*' : `{${label}}`}`;
        rows.push(row(root, child, childPath, false, codeDefaults));
        rows.push(...collectRows(root, child, childPath, codeDefaults, stack));
      }
    }
    const items = node['items'];
    if (isSchema(items) && hasProperties(root, items)) rows.push(...collectRows(root, items, `${path}[]`, codeDefaults, stack));
  };

  visitChildren(s);
  for (const alt of alternatives(root, s)) visitChildren(alt);
  // A property reachable through two alternatives is documented once (the first).
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.path) ? false : (seen.add(r.path), true)));
}

function row(root: Schema, raw: Schema, path: string, required: boolean, codeDefaults: Record<string, unknown>): PropertyRow {
  const s = mergeAllOf(root, deref(root, raw));
  const bytes = isBytes(path);
  const fromCode = path in codeDefaults ? fmt(codeDefaults[path], bytes) : undefined;
  return {
    path,
    type: typeOf(root, raw),
    required,
    defaultText: schemaDefault(s, bytes) ?? fromCode ?? '',
    limits: limitsOf(root, raw, bytes),
    description: oneLine(s['description']),
  };
}

/** Definitions holding properties that nothing reachable from the root refers to (other record shapes). */
function unreachedDefinitions(root: Schema): string[] {
  const reached = new Set<string>();
  const walk = (node: unknown, inDefs: boolean): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, inDefs));
    if (!isSchema(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && !reached.has(v)) {
        reached.add(v);
        walk(resolvePointer(root, v), true);
      } else if (!(k === 'definitions' || k === '$defs') || inDefs) walk(v, inDefs);
    }
  };
  walk(root, false);
  const out: string[] = [];
  for (const key of ['definitions', '$defs']) {
    const defs = root[key];
    if (!isSchema(defs)) continue;
    for (const [name, def] of Object.entries(defs)) {
      const ptr = `#/${key}/${name}`;
      if (!reached.has(ptr) && isSchema(def) && hasProperties(root, def)) out.push(ptr);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function table(rows: PropertyRow[]): string {
  if (rows.length === 0) return '_No properties._\n';
  const lines = ['| Path | Type | Default | Allowed values, limits | Description |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const desc = [r.required ? '**Required.**' : '', r.description].filter(Boolean).join(' ');
    lines.push(`| \`${r.path}\` | ${r.type} | ${r.defaultText || '—'} | ${r.limits.join('; ') || '—'} | ${desc || '—'} |`);
  }
  return lines.join('\n') + '\n';
}

/** The whole of docs/configuration.md for these schema files. */
export function renderConfigReference(files: SchemaFile[]): string {
  const sorted = [...files].sort((a, b) => rank(a.file) - rank(b.file) || a.file.localeCompare(b.file));
  const out: string[] = [];
  out.push('# Configuration reference\n');
  out.push('<!-- Generated by scripts/config-reference.ts from schemas/*.json: do not edit by hand; run `npm run docs:config`. -->\n');
  out.push(
    'Every key of every configuration file meshd reads, generated from the JSON Schemas in `schemas/` that meshd ' +
    'validates them against at start-up. Paths are JSON pointers, as in meshd\'s error messages ' +
    '(`conf/meshd.yaml: /limits/maxRequestBytes: must be integer`); `[]` stands for any item of an array and `*` ' +
    'for any key. A default shown is what meshd uses when the key is absent; `—` means none (the key is optional ' +
    'and its absence has the meaning its description gives). Relative paths in a file resolve against that file\'s directory.\n',
  );
  out.push('Contents:\n');
  for (const f of sorted) out.push(`- [${title(f)}](#${anchor(title(f))}) (\`schemas/${f.file}\`)`);
  out.push(`- [Environment variables and flags](#environment-variables-and-flags)\n`);

  for (const f of sorted) {
    const root = f.schema;
    out.push(`## ${title(f)}\n`);
    const usage = USAGE[f.file];
    out.push(`Schema: \`schemas/${f.file}\`.${usage ? ` Read by ${usage}` : ''}\n`);
    if (typeof root['description'] === 'string') out.push(`${oneLine(root['description'])}\n`);
    const codeDefaults = CODE_DEFAULTS[f.file] ?? {};
    out.push(table(collectRows(root, root, '', codeDefaults)));
    for (const ptr of unreachedDefinitions(root)) {
      const def = resolvePointer(root, ptr) as Schema;
      out.push(`### \`${ptr}\`\n`);
      if (typeof def['description'] === 'string') out.push(`${oneLine(def['description'])}\n`);
      out.push(table(collectRows(root, { $ref: ptr }, '', {})));
    }
  }

  out.push('## Environment variables and flags\n');
  out.push(
    'meshd takes its settings from built-in defaults, then the `--config` file, then these `MESH_*` environment ' +
    'variables, then command-line flags (a later source wins). An empty variable counts as unset. `meshd --help` ' +
    'describes every flag.\n',
  );
  out.push('| Variable | Flag | Config key | Meaning |', '|---|---|---|---|');
  for (const v of ENV_VARS) out.push(`| \`${v.name}\` | \`${v.flag}\` | ${v.configKey.startsWith('/') ? v.configKey.split(', ').map((k) => `\`${k}\``).join(', ') : v.configKey} | ${v.meaning} |`);
  out.push('');
  out.push('Flags without an environment variable:\n');
  out.push('| Flag | Config key |', '|---|---|');
  for (const f of FLAG_ONLY) out.push(`| \`${f.flag}\` | ${f.configKey.startsWith('/') ? f.configKey.split(', ').map((k) => `\`${k}\``).join(', ') : f.configKey} |`);
  out.push('');
  out.push(
    'Keys with neither a flag nor a variable (`/limits/*`, `/routing/*` except `queuePrefix`, `/inboxExpiryDays`, ' +
    '`/maxClockSkewMinutes`, `/environment`, `/sharedKeyEnv`, ...) are set in the config file only. The `mesh` client ' +
    'CLI has its own variables (`MESH_URL`, `MESH_MAILBOX`, `MESH_PASSWORD`, `MESH_SHARED_KEY`, `MESH_PROFILE`, ...): see `mesh --help`.\n',
  );
  return out.join('\n');
}

function rank(file: string): number {
  const i = ORDER.indexOf(file);
  return i === -1 ? ORDER.length : i;
}

function title(f: SchemaFile): string {
  return typeof f.schema['title'] === 'string' ? f.schema['title'] : f.file;
}

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

/** Every schemas/*.json of the package. */
export function readSchemaFiles(dir = join(packageRoot(), 'schemas')): SchemaFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Schema }));
}

/** Where the generated file lives. */
export const OUTPUT = join(packageRoot(), 'docs', 'configuration.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderConfigReference(readSchemaFiles());
  mkdirSync(join(packageRoot(), 'docs'), { recursive: true });
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${OUTPUT}\n`);
}
