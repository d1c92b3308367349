/**
 * docs/configuration.md is generated from schemas/*.json by scripts/config-reference.ts. These
 * tests fail when the committed file is stale (a schema changed without `npm run docs:config`),
 * when a schema property is missing from it, when the generator's built-in defaults or
 * environment-variable table drift from broker/config/load-config.ts, and when the schema walk
 * mishandles a shape (nested objects, arrays, $ref, oneOf/anyOf/allOf, free-form keys).
 */

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../broker/config/package-root.js';
import { loadMeshdConfig } from '../../broker/config/load-config.js';
import type { MeshdConfig } from '../../broker/config/config.js';
import { CODE_DEFAULTS, ENV_VARS, OUTPUT, collectRows, readSchemaFiles, renderConfigReference } from '../../scripts/config-reference.js';

const ROOT = packageRoot();
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

t.test('docs/configuration.md is up to date with schemas/', async (t) => {
  const expected = renderConfigReference(readSchemaFiles());
  let committed = '';
  try {
    committed = readFileSync(OUTPUT, 'utf8');
  } catch {
    t.fail('docs/configuration.md is missing: run `npm run docs:config`');
    return;
  }
  // One assertion with a plain message rather than a 300-line diff in the CI log.
  t.ok(committed === expected, 'docs/configuration.md is stale: run `npm run docs:config` and commit the result');
});

/** Every property name anywhere in a schema (definitions included). */
function propertyNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => propertyNames(n, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' && typeof v === 'object' && v !== null) for (const name of Object.keys(v)) out.add(name);
      propertyNames(v, out);
    }
  }
  return out;
}

t.test('every property of every schema is documented', async (t) => {
  const doc = renderConfigReference(readSchemaFiles());
  for (const { file, schema } of readSchemaFiles()) {
    const title = String(schema['title'] ?? file);
    const start = doc.indexOf(`\n## ${title}\n`);
    t.ok(start >= 0, `${file} has a section`);
    const end = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    for (const name of propertyNames(schema)) {
      const documented = new RegExp('\\| `[^`]*/' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '` \\|').test(section);
      t.ok(documented, `${file}: property ${name} is in the table`);
    }
  }
});

t.test('the meshd schema: every path, nested ones included, has a row', async (t) => {
  const meshd = readSchemaFiles().find((f) => f.file === 'meshd-config.schema.json');
  if (!meshd) throw new Error('no meshd-config.schema.json');
  const paths = collectRows(meshd.schema, meshd.schema, '', {}).map((r) => r.path);
  // Spot checks of shapes: top level, nested object, array of scalars, $ref, oneOf.
  for (const p of ['/host', '/tls/cert', '/limits/maxRequestBytes', '/routing/retryDelaysMs', '/dataDir', '/mailboxes', '/roles', '/logLevel']) {
    t.ok(paths.includes(p), `${p} has a row`);
  }
  t.equal(new Set(paths).size, paths.length, 'no path is listed twice');
});

t.test('built-in defaults in the generator match loadMeshdConfig', async (t) => {
  const cwd = t.testdir({});
  const config = await loadMeshdConfig({ env: { MESH_SHARED_KEY: 'k' }, cwd });
  const routing = config.routing as unknown as Record<string, unknown>;
  const limits = config.limits as unknown as Record<string, unknown>;
  const actual: Record<string, (c: MeshdConfig) => unknown> = {
    '/host': (c) => c.host,
    '/port': (c) => c.port,
    '/dataDir': (c) => (c.dataDir === resolve(cwd, 'data') ? './data (against the working directory)' : c.dataDir),
    '/tls/requireClientCert': () => false, // no TLS without a certificate; checked by load-config tests
    '/strictWorkflows': (c) => c.strictWorkflows,
    '/sandboxAdmin': (c) => c.sandboxAdmin,
    '/sandboxAdminForce': (c) => c.sandboxAdminForce,
    '/inboxExpiryDays': (c) => c.inboxExpiryDays,
    '/environment': (c) => c.environment,
    '/logLevel': (c) => c.logLevel,
    '/maxClockSkewMinutes': (c) => c.auth.maxClockSkewMinutes,
    '/roles': (c) => (['api', 'workers'] as const).filter((r) => c.roles[r]),
    '/transport': (c) => c.routing.transport,
  };
  const defaults = CODE_DEFAULTS['meshd-config.schema.json'] ?? {};
  const meshd = readSchemaFiles().find((f) => f.file === 'meshd-config.schema.json');
  if (!meshd) throw new Error('no meshd-config.schema.json');
  const schemaPaths = new Set(collectRows(meshd.schema, meshd.schema, '', {}).map((r) => r.path));
  for (const [path, value] of Object.entries(defaults)) {
    t.ok(schemaPaths.has(path), `${path} (a CODE_DEFAULTS entry) is in the schema`);
    const limit = /^\/limits\/(\w+)$/.exec(path)?.[1];
    const route = /^\/routing\/(\w+)$/.exec(path)?.[1];
    const got = limit ? limits[limit] : route ? routing[route] : actual[path]?.(config);
    if (!limit && !route && !actual[path]) {
      t.fail(`${path}: add a check of this default to test/docs/config-reference.test.ts`);
      continue;
    }
    t.same(got, value, `${path} defaults to ${JSON.stringify(value)}`);
  }
});

t.test('the environment-variable table lists exactly the MESH_* variables meshd reads', async (t) => {
  const sources = ['broker/config/load-config.ts', 'mailbox/server/options.ts'].map(read).join('\n');
  const read_ = new Set(sources.match(/\bMESH_[A-Z][A-Z0-9_]*[A-Z0-9]\b/g) ?? []);
  const listed = new Set(ENV_VARS.map((v) => v.name));
  for (const name of read_) t.ok(listed.has(name), `${name} is in ENV_VARS of scripts/config-reference.ts`);
  for (const name of listed) t.ok(read_.has(name), `${name} (in ENV_VARS) is read by meshd`);
});

t.test('the schema walk handles nested objects, arrays, $ref, unions and free-form keys', async (t) => {
  const schema = {
    type: 'object',
    required: ['a'],
    properties: {
      a: { description: 'Via a ref. Default: seven.', $ref: '#/definitions/num' },
      list: { type: 'array', items: { $ref: '#/definitions/item' } },
      either: { oneOf: [{ type: 'string', maxLength: 3 }, { type: 'object', properties: { x: { type: 'boolean', default: true } } }] },
      any: { anyOf: [{ $ref: '#/definitions/num' }, { type: 'null' }] },
      merged: { allOf: [{ properties: { p: { type: 'string' } } }, { properties: { q: { enum: ['u', 'v'] } }, required: ['q'] }] },
      map: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'integer' } } } },
      tree: { $ref: '#/definitions/tree' },
      maxBytes: { type: 'integer', maximum: 1048576 },
    },
    definitions: {
      num: { type: 'integer', minimum: 1, maximum: 9 },
      item: { type: 'object', properties: { id: { type: 'string', pattern: '^[a|b]$' } } },
      tree: { type: 'object', properties: { child: { $ref: '#/definitions/tree' }, label: { type: 'string' } } },
    },
  };
  const rows = collectRows(schema, schema, '', {});
  const by = new Map(rows.map((r) => [r.path, r]));
  t.same(rows.map((r) => r.path), [
    '/a', '/list', '/list[]/id', '/either', '/either/x', '/any', '/merged', '/merged/p', '/merged/q',
    '/map', '/map/*', '/map/*/v', '/tree', '/tree/child', '/tree/label', '/maxBytes',
  ]);
  t.match(by.get('/a'), { type: 'integer', required: true, defaultText: 'seven', limits: ['1..9'] });
  t.equal(by.get('/list')?.type, 'array of object');
  t.same(by.get('/list[]/id')?.limits, ['pattern `^[a\\|b]$`'], 'a | in a pattern is escaped for the table');
  t.equal(by.get('/either')?.type, 'string \\| object');
  t.equal(by.get('/either/x')?.defaultText, '`true`');
  t.equal(by.get('/any')?.type, 'integer \\| null');
  t.match(by.get('/merged/q'), { type: 'string', required: true, limits: ['one of `u`, `v`'] });
  t.same(by.get('/maxBytes')?.limits, ['≤ 1048576 (1 MiB)']);
});
