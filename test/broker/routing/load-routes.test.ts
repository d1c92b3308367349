import { join } from 'node:path';
import t from 'tap';
import { parseGroDeathsSettings } from '../../../adapters/gro-deaths/gro-deaths-settings.js';
import { packageRoot } from '../../../broker/config/package-root.js';
import { emptyRoutes, loadRoutes } from '../../../broker/routing/load-routes.js';

const KNOWN = new Set(['fanout', 'nems']);

t.test('rules load in order, with patterns, targets, names and file:line sources', async (t) => {
  const dir = t.testdir({
    'routes.yaml': [
      '# comment lines count too',
      'routes:',
      '  - name: nems-fanout',
      '    match:',
      '      workflow: NEMS_*',
      '      sender: x26abc1',
      '    target:',
      '      adapter: fanout',
      '      settings: { recipients: [ { mailbox: X26ABC2, workflow: NEMS_COPY }, { mailbox: X26ABC3 } ] }',
      '  - match: { workflow: "*_ACK", recipient: X26GP01 }',
      '    target: deliver',
      '  - match: { workflow: NEMS_EVENT }',
      '    target: { adapter: nems }',
      '',
    ].join('\n'),
  });
  const routes = await loadRoutes('routes.yaml', KNOWN, { cwd: dir });
  t.same(routes.rules.map((r) => [r.name, r.source, r.workflow.text, r.workflow.kind]), [
    ['nems-fanout', 'routes.yaml:3', 'NEMS_*', 'prefix'],
    ['/routes/1', 'routes.yaml:10', '*_ACK', 'glob'],
    ['/routes/2', 'routes.yaml:12', 'NEMS_EVENT', 'exact'],
  ]);
  const [first, second, third] = routes.rules;
  t.same(first?.target, {
    kind: 'adapter', adapter: 'fanout',
    settings: { recipients: [{ mailbox: 'X26ABC2', workflow: 'NEMS_COPY' }, { mailbox: 'X26ABC3' }] },
  });
  t.equal(first?.sender?.text, 'x26abc1');
  t.equal(first?.recipient, undefined, 'an absent filter stays absent');
  t.equal(second?.recipient?.text, 'X26GP01');
  t.same(third?.target, { kind: 'adapter', adapter: 'nems', settings: {} }, 'settings default to {}');
  t.same(routes.adapters(), ['fanout', 'nems']);

  // The loaded rules route as written: the sender filter is case-insensitive, and the first
  // rule shadows the third for NEMS_EVENT from X26ABC1.
  t.equal(routes.match({ workflowId: 'NEMS_EVENT', sender: 'X26ABC1', recipient: 'X' }).rule?.name, 'nems-fanout');
  t.equal(routes.match({ workflowId: 'NEMS_EVENT', sender: 'X26ABC9', recipient: 'X' }).rule?.name, '/routes/2');
  t.same(routes.match({ workflowId: 'A_ACK', sender: 'S', recipient: 'x26gp01' }).target, { kind: 'deliver' });
  t.equal(routes.match({ workflowId: 'A_ACK', sender: 'S', recipient: 'X26GP02' }).rule, null);
});

t.test('an empty routes list is valid and delivers everything', async (t) => {
  const dir = t.testdir({ 'routes.yaml': 'routes: []\n' });
  const routes = await loadRoutes(join(dir, 'routes.yaml'), new Set(), { cwd: dir });
  t.equal(routes.rules.length, 0);
  t.same(routes.adapters(), []);
  t.same(routes.match({ workflowId: 'W', sender: 'A', recipient: 'B' }), { rule: null, target: { kind: 'deliver' } });
});

t.test('emptyRoutes() delivers everything and names no adapter', async (t) => {
  const routes = emptyRoutes();
  t.same(routes.match({ workflowId: 'MESH_FANOUT_DEMO', sender: 'X26ABC1', recipient: 'X26ABC2' }),
    { rule: null, target: { kind: 'deliver' } });
  t.same(routes.adapters(), []);
});

t.test('a relative path resolves against cwd and an absolute one is used as given', async (t) => {
  const dir = t.testdir({ conf: { 'r.yaml': 'routes:\n  - { match: { workflow: W }, target: { adapter: fanout } }\n' } });
  const rel = await loadRoutes('conf/r.yaml', KNOWN, { cwd: dir });
  t.equal(rel.rules[0]?.source, join('conf', 'r.yaml') + ':2');
  const abs = await loadRoutes(join(dir, 'conf', 'r.yaml'), KNOWN, { cwd: join(dir, 'conf') });
  t.equal(abs.rules[0]?.source, 'r.yaml:2', 'shown relative to cwd');
});

t.test("the repository's conf/routes.yaml loads with the built-in adapters", async (t) => {
  const root = packageRoot();
  const routes = await loadRoutes(join(root, 'conf', 'routes.yaml'), new Set(['fanout', 'gro-deaths']), { cwd: root });
  t.same(routes.adapters().sort(), ['fanout', 'gro-deaths']);
  const gro = routes.match({ workflowId: 'GRO_DEATH_REGISTRATION', sender: 'X26GRO1', recipient: 'X26NBO1' });
  t.same(gro.target.kind === 'adapter' && parseGroDeathsSettings(gro.target.settings), parseGroDeathsSettings({ manualResolutionMailbox: 'X26NBO1' }), 'GRO files go to gro-deaths, its settings valid');
  const demo = routes.match({ workflowId: 'MESH_FANOUT_DEMO', sender: 'X26ABC1', recipient: 'X26ABC2' });
  t.equal(demo.rule?.source.startsWith('conf/routes.yaml:'), true);
  t.equal(demo.target.kind, 'adapter');
  const settings = demo.target.kind === 'adapter' ? demo.target.settings : {};
  const recipients = (settings['recipients'] as Array<{ mailbox: string }>).map((r) => r.mailbox);
  t.same(recipients, ['X26ABC2', 'X26ABC3'], 'the demo fans out to mailboxes conf/mailboxes.yaml defines');
  t.same(routes.match({ workflowId: 'TEST_WORKFLOW', sender: 'X26ABC1', recipient: 'X26ABC2' }).target,
    { kind: 'deliver' }, 'everything else delivers');
  t.equal(routes.match({ workflowId: 'MESH_FANOUT_DEMO_COPY', sender: 'X26ABC1', recipient: 'X26ABC3' }).rule, null,
    'the copies the adapter emits are delivered, not fanned out again');
});
