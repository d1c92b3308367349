import t from 'tap';
import { join } from 'node:path';
import { ConfigError } from '../../../broker/config/config-error.js';
import { loadDirectory } from '../../../broker/directory/load-directory.js';

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

const MB = 'mailboxes:\n  - { id: X1, name: One, password: p }\n  - { id: X2, name: Two, password: p }\n';

/**
 * Writes `files` to a fresh directory, loads the named mailbox and workflow files from it with
 * that directory as cwd (so messages show short relative paths), and expects exactly `message`.
 */
async function fails(
  t: Test, message: string, files: Record<string, string>,
  mailboxes: string[], workflows: string[] = [], env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const dir = t.testdir(files);
  const abs = (names: string[]) => names.map((n) => join(dir, n));
  const err = await loadDirectory(abs(mailboxes), abs(workflows), env, { cwd: dir }).then(() => undefined, (e: unknown) => e);
  t.type(err, ConfigError);
  t.equal((err as Error).message, message);
}

t.test('JSONL errors name the file and line', async (t) => {
  const good = '{"mailbox_id": "X1", "mailbox_name": "One", "password": "p"}\n';
  await fails(t, 'm.jsonl:3: invalid JSON: Unexpected end of JSON input', { 'm.jsonl': `${good}\n{"mailbox_id":\n` }, ['m.jsonl']);
  await fails(t, 'm.jsonl:2: /mailbox_id: must match pattern "^[A-Za-z0-9_-]{1,100}$"',
    { 'm.jsonl': good + good.replace('X1', 'X 2') }, ['m.jsonl']);
  await fails(t, 'm.jsonl:1: /mailbox_nam: unknown key',
    { 'm.jsonl': '{"mailbox_id": "X1", "mailbox_nam": "One", "mailbox_name": "One", "password": "p"}\n' }, ['m.jsonl']);
  await fails(t, 'm.jsonl:1: /password: is required', { 'm.jsonl': '{"mailbox_id": "X1", "mailbox_name": "One"}\n' }, ['m.jsonl']);
  await fails(t, 'm.jsonl:1: /ods_code: must be string or null', { 'm.jsonl': good.replace('}', ', "ods_code": 26}') }, ['m.jsonl']);
  await fails(t, 'm.jsonl:1: /: must be object', { 'm.jsonl': '["X1"]\n' }, ['m.jsonl']);
  await fails(t, 'w.jsonl:1: /receivers: must be array',
    { 'm.jsonl': good, 'w.jsonl': '{"workflow_id": "W", "senders": [], "receivers": "X1"}\n' }, ['m.jsonl'], ['w.jsonl']);
});

t.test('YAML errors name the file and JSON path', async (t) => {
  await fails(t, 'm.yaml: /mailboxes/1/id: must match pattern "^[A-Za-z0-9_-]{1,100}$"',
    { 'm.yaml': 'mailboxes:\n  - { id: X1, name: One, password: p }\n  - { id: "X/2", name: Two, password: p }\n' }, ['m.yaml']);
  await fails(t, 'm.yaml: /mailboxes/0/name: is required', { 'm.yaml': 'mailboxes:\n  - { id: X1, password: p }\n' }, ['m.yaml']);
  await fails(t, 'm.yaml: /mailboxes/0/ods_code: unknown key',
    { 'm.yaml': 'mailboxes:\n  - { id: X1, name: One, password: p, ods_code: A1 }\n' }, ['m.yaml']);
  await fails(t, 'm.yaml: /mailboxes: is required', { 'm.yaml': '' }, ['m.yaml']);
  await fails(t, 'm.yaml: /mailboxes/0/password: must NOT have more than 256 characters',
    { 'm.yaml': `mailboxes:\n  - { id: X1, name: One, password: ${'p'.repeat(257)} }\n` }, ['m.yaml']);
  await fails(t, 'w.yaml: /workflows/0/senders: must NOT have duplicate items (items ## 1 and 0 are identical)',
    { 'm.yaml': MB, 'w.yaml': 'workflows:\n  - { id: W, senders: [X1, X1], receivers: [] }\n' }, ['m.yaml'], ['w.yaml']);
  await fails(t, 'm.yaml:3: invalid YAML: Map keys must be unique',
    { 'm.yaml': 'mailboxes:\n  - id: X1\n    id: X2\n' }, ['m.yaml']);
});

t.test('passwords: exactly one of password and passwordEnv, and the variable must be set', async (t) => {
  await fails(t, 'm.yaml: /mailboxes/0/passwordEnv: environment variable X1_PW is not set',
    { 'm.yaml': 'mailboxes:\n  - { id: X1, name: One, passwordEnv: X1_PW }\n' }, ['m.yaml'], [], { X1_PW: '' });
  await fails(t, 'm.yaml: /mailboxes/0/passwordEnv: give password or passwordEnv, not both',
    { 'm.yaml': 'mailboxes:\n  - { id: X1, name: One, password: p, passwordEnv: X1_PW }\n' }, ['m.yaml'], [], { X1_PW: 'q' });
  await fails(t, 'm.yaml: /mailboxes/0/password: is required (or passwordEnv)',
    { 'm.yaml': 'mailboxes:\n  - { id: X1, name: One }\n' }, ['m.yaml']);
});

t.test('duplicate IDs name both places, whatever the case or format', async (t) => {
  await fails(t, 'b.jsonl:2: /mailbox_id: duplicate mailbox ID X2, first defined at a.yaml#/mailboxes/1', {
    'a.yaml': MB,
    'b.jsonl': '{"mailbox_id": "X3", "mailbox_name": "3", "password": "p"}\n{"mailbox_id": "x2", "mailbox_name": "2", "password": "p"}\n',
  }, ['a.yaml', 'b.jsonl']);
  await fails(t, 'a.yaml: /mailboxes/2/id: duplicate mailbox ID X1, first defined at a.yaml#/mailboxes/0',
    { 'a.yaml': `${MB}  - { id: x1, name: Again, password: p }\n` }, ['a.yaml']);
  await fails(t, 'w.jsonl:1: /workflow_id: duplicate workflow ID W, first defined at w.yaml#/workflows/0', {
    'm.yaml': MB,
    'w.yaml': 'workflows:\n  - { id: W, senders: [X1], receivers: [X2] }\n',
    'w.jsonl': '{"workflow_id": "W", "senders": [], "receivers": []}\n',
  }, ['m.yaml'], ['w.yaml', 'w.jsonl']);
});

t.test('a workflow naming an unknown mailbox fails start-up', async (t) => {
  await fails(t, 'w.yaml: /workflows/1/receivers/2: unknown mailbox X9', {
    'm.yaml': MB,
    'w.yaml': 'workflows:\n  - { id: A, senders: [X1], receivers: [X2] }\n  - { id: B, senders: [X1], receivers: [x1, X1, x9] }\n',
  }, ['m.yaml'], ['w.yaml']);
  await fails(t, 'w.jsonl:2: /senders/0: unknown mailbox NOPE', {
    'm.yaml': MB,
    'w.jsonl': '{"workflow_id": "A", "senders": ["X1"], "receivers": []}\n{"workflow_id": "B", "senders": ["nope"], "receivers": []}\n',
  }, ['m.yaml'], ['w.jsonl']);
});

t.test('unreadable and unsupported files', async (t) => {
  await fails(t, 'missing.yaml: cannot read: ENOENT', {}, ['missing.yaml']);
  await fails(t, 'missing.jsonl: cannot read: ENOENT', {}, ['missing.jsonl']);
  await fails(t, 'm.json: unsupported file type ".json": expected .yaml, .yml or .jsonl', { 'm.json': '{}' }, ['m.json']);
});
