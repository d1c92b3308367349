import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configErrorFromAjv, pointerSegment } from '../../../broker/config/config-error.js';
import { packageRoot, schemaValidator } from '../../../broker/config/package-root.js';

t.test('the message is one line: source, path, reason', async (t) => {
  const e = new ConfigError('conf/meshd.yaml', '/limits/maxRequestBytes', 'must be integer');
  t.equal(e.message, 'conf/meshd.yaml: /limits/maxRequestBytes: must be integer');
  t.equal(e.name, 'ConfigError');
  t.ok(e instanceof Error);
  t.same([e.source, e.path, e.reason], ['conf/meshd.yaml', '/limits/maxRequestBytes', 'must be integer']);
  t.equal(new ConfigError('m.jsonl:3', '', 'invalid JSON').message, 'm.jsonl:3: invalid JSON', 'no empty path segment');
});

t.test('JSON pointer segments are escaped', async (t) => {
  t.equal(pointerSegment('a/b~c'), 'a~1b~0c');
  t.equal(pointerSegment(3), '3');
});

t.test('ajv errors become messages that name the offending key', async (t) => {
  const validate = await schemaValidator('meshd-config.schema.json');
  const check = (data: unknown, message: string) => {
    t.equal(validate(data), false, message);
    t.equal(configErrorFromAjv('f.yaml', validate.errors).message, message);
  };
  check({ tls: { cert: 'c', key: 'k', 'x/y': 1 } }, 'f.yaml: /tls/x~1y: unknown key');
  check({ tls: { key: 'k' } }, 'f.yaml: /tls/cert: is required');
  check({ workflows: 3 }, 'f.yaml: /workflows: must be string or array');
  check({ workflows: ['a', 1] }, 'f.yaml: /workflows/1: must be string');
  check({ workflows: [''] }, 'f.yaml: /workflows/0: must NOT have fewer than 1 characters');
  check({ strictWorkflows: 'yes' }, 'f.yaml: /strictWorkflows: must be boolean');
  t.equal(configErrorFromAjv('f.yaml', null).message, 'f.yaml: /: is not valid');
});

t.test('packageRoot finds mesh-broker and its schemas', async (t) => {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string };
  t.equal(pkg.name, 'mesh-broker');
  for (const f of ['meshd-config', 'mailboxes', 'workflows']) t.ok(existsSync(join(root, 'schemas', `${f}.schema.json`)), f);
  t.equal(packageRoot(), root, 'cached answer is the same');
});

t.test('schemaValidator reaches definitions and rejects unknown ones', async (t) => {
  const sandbox = await schemaValidator('mailboxes.schema.json', 'sandboxMailbox');
  t.equal(sandbox({ mailbox_id: 'X1', mailbox_name: 'n', password: 'p' }), true);
  t.equal(sandbox({ id: 'X1', name: 'n', password: 'p' }), false, 'the YAML shape is not the sandbox shape');
  await t.rejects(schemaValidator('mailboxes.schema.json', 'nope'), { message: 'schema mailboxes.schema.json#/definitions/nope not found' });
});
