import t from 'tap';
import { ConfigError } from '../../../broker/config/config-error.js';
import { loadRoutes } from '../../../broker/routing/load-routes.js';

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

const KNOWN = new Set(['fanout', 'nems']);

/** Loads `text` as routes.yaml from a fresh directory (the cwd, for short paths) and expects exactly `message`. */
async function fails(t: Test, message: string, text: string, known: ReadonlySet<string> = KNOWN): Promise<void> {
  const dir = t.testdir({ 'routes.yaml': text });
  const err = await loadRoutes('routes.yaml', known, { cwd: dir }).then(() => undefined, (e: unknown) => e);
  t.type(err, ConfigError);
  t.equal((err as Error).message, message);
}

const GOOD = '  - match: { workflow: A }\n    target: deliver\n';

t.test('schema errors name the file, the line of the offending key or rule, and the path', async (t) => {
  await fails(t, 'routes.yaml:6: /routes/1/match/sendr: unknown key',
    `routes:\n${GOOD}  - match:\n      workflow: B\n      sendr: X1\n    target: deliver\n`);
  await fails(t, 'routes.yaml:5: /routes/1/match/workflow: is required',
    `routes:\n${GOOD}  - target: deliver\n    match: { sender: X1 }\n`);
  await fails(t, 'routes.yaml:4: /routes/1/target: is required', `routes:\n${GOOD}  - match: { workflow: B }\n`);
  await fails(t, 'routes.yaml:2: /routes/0/match/workflow: must match pattern "^[A-Za-z0-9_.*?-]{1,100}$"',
    'routes:\n  - match: { workflow: "NEMS EVENT" }\n    target: deliver\n');
  await fails(t, 'routes.yaml:2: /routes/0/match/sender: must match pattern "^[A-Za-z0-9_*?-]{1,100}$"',
    'routes:\n  - match: { workflow: A, sender: X.1 }\n    target: deliver\n');
  await fails(t, `routes.yaml:2: /routes/0/match/workflow: must match pattern "^[A-Za-z0-9_.*?-]{1,100}$"`,
    `routes:\n  - match: { workflow: ${'W'.repeat(101)} }\n    target: deliver\n`);
  await fails(t, 'routes.yaml:3: /routes/0/target/settings: must be object',
    'routes:\n  - match: { workflow: A }\n    target: { adapter: fanout, settings: [X26ABC2] }\n');
  await fails(t, 'routes.yaml:3: /routes/0/target/adaptor: unknown key',
    'routes:\n  - match: { workflow: A }\n    target: { adapter: fanout, adaptor: nems }\n');
  await fails(t, 'routes.yaml:1: /rules: unknown key', 'rules: []\nroutes: []\n');
  await fails(t, 'routes.yaml: /routes: is required', '');
  await fails(t, 'routes.yaml:1: /routes: must be array', 'routes:\n');
});

t.test('a target that is neither "deliver" nor an adapter says what it may be', async (t) => {
  const shapes = 'must be "deliver" or an adapter ({ adapter: NAME, settings: {...} })';
  await fails(t, `routes.yaml:3: /routes/0/target: ${shapes}`, 'routes:\n  - match: { workflow: A }\n    target: fanout\n');
  await fails(t, `routes.yaml:3: /routes/0/target: ${shapes}`, 'routes:\n  - match: { workflow: A }\n    target: 5\n');
  await fails(t, 'routes.yaml:3: /routes/0/target/adapter: is required',
    'routes:\n  - match: { workflow: A }\n    target: { settings: {} }\n');
});

t.test('more than 1000 rules is refused', async (t) => {
  await fails(t, 'routes.yaml:1: /routes: must NOT have more than 1000 items', `routes:\n${GOOD.repeat(1001)}`);
});

t.test('an adapter meshd does not have fails start-up, naming file and line', async (t) => {
  await fails(t, 'routes.yaml:10: /routes/3/target/adapter: unknown adapter "fanot" (known: fanout, nems)',
    `routes:\n${GOOD.repeat(3)}  - match: { workflow: B }\n    target:\n      adapter: fanot\n`);
  await fails(t, 'routes.yaml:3: /routes/0/target/adapter: unknown adapter "fanout" (known: none)',
    'routes:\n  - match: { workflow: A }\n    target: { adapter: fanout }\n', new Set());
  await fails(t, 'routes.yaml:3: /routes/0/target/adapter: unknown adapter "Fanout" (known: fanout, nems)',
    'routes:\n  - match: { workflow: A }\n    target: { adapter: Fanout }\n');
});

t.test('two rules with the same name fail, naming both', async (t) => {
  await fails(t, 'routes.yaml:4: /routes/1/name: duplicate route name "x", first used at routes.yaml:2',
    'routes:\n  - { name: x, match: { workflow: A }, target: deliver }\n  - match: { workflow: B }\n    name: x\n    target: deliver\n');
});

t.test('YAML syntax errors name the line', async (t) => {
  await fails(t, 'routes.yaml:3: invalid YAML: Map keys must be unique',
    'routes:\n  - match: { workflow: A }\n    match: { workflow: B }\n    target: deliver\n');
  // An unquoted leading `*` is a YAML alias: the mistake the comment in conf/routes.yaml warns of.
  await fails(t, 'routes.yaml:4: invalid YAML: alias *_ACK has no anchor (quote a value that starts with "*")',
    `routes:\n${GOOD}  - match: { workflow: *_ACK }\n    target: deliver\n`);
  await fails(t, 'routes.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack',
    `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nroutes: []\n`);
});

t.test('a routes file given but missing is a ConfigError', async (t) => {
  const dir = t.testdir({});
  const err = await loadRoutes('conf/routes.yaml', KNOWN, { cwd: dir }).then(() => undefined, (e: unknown) => e);
  t.type(err, ConfigError);
  t.equal((err as Error).message, 'conf/routes.yaml: file not found');
});
