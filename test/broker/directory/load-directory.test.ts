import t from 'tap';
import { join } from 'node:path';
import { packageRoot } from '../../../broker/config/package-root.js';
import { loadDirectory } from '../../../broker/directory/load-directory.js';

const root = packageRoot();
const SANDBOX_MAILBOXES = join(root, 'test/fixtures/sandbox/mailboxes.jsonl');
const SANDBOX_WORKFLOWS = join(root, 'test/fixtures/sandbox/workflows.jsonl');

// The YAML spelling of the mesh-sandbox fixtures: loading either must give the same directory.
const EQUIVALENT_MAILBOXES = `
mailboxes:
  - { id: X26ABC1, name: TESTMB1, billingEntity: England, odsCode: X26, orgCode: X26, password: password }
  - { id: X26ABC2, name: TESTMB2, billingEntity: Wales, odsCode: X26, orgCode: X26, password: password }
  - { id: X26ABC3, name: TESTMB3, billingEntity: England, odsCode: X27, orgCode: X27, password: password }
`;
const EQUIVALENT_WORKFLOWS = `
workflows:
  - { id: TEST_WORKFLOW, senders: [X26ABC1], receivers: [X26ABC2] }
  - { id: TEST_WORKFLOW_ACK, senders: [X26ABC2], receivers: [X26ABC1, X26ABC3] }
  - { id: TEST_WORKFLOW2, senders: [X26ABC1], receivers: [X26ABC1, X26ABC2, X26ABC3] }
`;

t.test('mesh-sandbox JSONL loads into the same directory as its YAML equivalent', async (t) => {
  const dir = t.testdir({ 'mailboxes.yaml': EQUIVALENT_MAILBOXES, 'workflows.yml': EQUIVALENT_WORKFLOWS });
  const fromJsonl = await loadDirectory([SANDBOX_MAILBOXES], [SANDBOX_WORKFLOWS], {});
  const fromYaml = await loadDirectory([join(dir, 'mailboxes.yaml')], [join(dir, 'workflows.yml')], {});
  t.same(fromJsonl.listMailboxes(), fromYaml.listMailboxes());
  t.same(fromJsonl.listWorkflows(), fromYaml.listWorkflows());
  t.same(fromJsonl.getMailbox('x26abc2'), {
    mailboxId: 'X26ABC2', mailboxName: 'TESTMB2', odsCode: 'X26', orgCode: 'X26', orgName: '',
    billingEntity: 'Wales', password: 'password', active: true,
  });
  t.same(fromJsonl.getWorkflow('TEST_WORKFLOW_ACK'), {
    workflowId: 'TEST_WORKFLOW_ACK', senders: ['X26ABC2'], receivers: ['X26ABC1', 'X26ABC3'],
  });
  t.same(fromJsonl.lookupEndpoint('X27', 'TEST_WORKFLOW2').map((m) => m.mailboxId), ['X26ABC3']);
});

t.test('JSONL: blank lines, CRLF, a BOM, nulls and the active extension', async (t) => {
  const dir = t.testdir({
    'm.jsonl': '\uFEFF{"mailbox_id": "x1", "mailbox_name": "One", "password": "p", "billing_entity": null}\r\n\r\n' +
      '   \n{"mailbox_id": "X2", "mailbox_name": "Two", "password": "q", "ods_code": "A1", "active": false}\n',
    'w.jsonl': '{"workflow_id": "WF", "senders": ["x1"], "receivers": ["X2", "x2"]}\n',
  });
  const d = await loadDirectory([join(dir, 'm.jsonl')], [join(dir, 'w.jsonl')], {});
  t.same(d.listMailboxes(), [
    { mailboxId: 'X1', mailboxName: 'One', odsCode: '', orgCode: '', orgName: '', billingEntity: '', password: 'p', active: true },
    { mailboxId: 'X2', mailboxName: 'Two', odsCode: 'A1', orgCode: '', orgName: '', billingEntity: '', password: 'q', active: false },
  ]);
  t.same(d.getWorkflow('WF'), { workflowId: 'WF', senders: ['X1'], receivers: ['X2'] }, 'IDs upper-cased, then de-duplicated');
});

t.test('YAML: IDs upper-cased, defaults filled, passwordEnv read from the environment', async (t) => {
  const dir = t.testdir({
    'm.yaml': `mailboxes:
  - { id: lab1, name: Lab, odsCode: L1, orgName: The Lab, passwordEnv: LAB1_PASSWORD }
  - { id: GP1, name: GP, odsCode: G1, password: secret, active: false }
  - { id: GP2, name: GP two, odsCode: G1, password: secret2 }
`,
    'w.yaml': 'workflows:\n  - { id: PATH, senders: [Lab1], receivers: [gp1, GP2] }\n',
  });
  const d = await loadDirectory([join(dir, 'm.yaml')], [join(dir, 'w.yaml')], { LAB1_PASSWORD: 'from-env' });
  t.same(d.getMailbox('LAB1'), {
    mailboxId: 'LAB1', mailboxName: 'Lab', odsCode: 'L1', orgCode: '', orgName: 'The Lab', billingEntity: '',
    password: 'from-env', active: true,
  });
  t.equal(d.getMailbox('gp1')?.active, false);
  t.same(d.getWorkflow('PATH'), { workflowId: 'PATH', senders: ['LAB1'], receivers: ['GP1', 'GP2'] });
  t.same(d.lookupEndpoint('g1', 'PATH').map((m) => m.mailboxId), ['GP2'], 'the inactive GP1 is not an endpoint');
});

t.test('several files of both formats merge into one directory', async (t) => {
  const dir = t.testdir({ 'extra.yaml': 'mailboxes:\n  - { id: X26NEW1, name: New, password: p }\n' });
  const d = await loadDirectory([SANDBOX_MAILBOXES, join(dir, 'extra.yaml')], [SANDBOX_WORKFLOWS], {});
  t.same(d.listMailboxes().map((m) => m.mailboxId), ['X26ABC1', 'X26ABC2', 'X26ABC3', 'X26NEW1']);
  t.equal(d.listWorkflows().length, 3);
});

t.test('no files give an empty directory', async (t) => {
  const d = await loadDirectory([], [], {});
  t.same(d.listMailboxes(), []);
  t.same(d.listWorkflows(), []);
});

t.test("the repository's conf/ demo directory loads and answers endpoint lookups", async (t) => {
  const d = await loadDirectory([join(root, 'conf/mailboxes.yaml')], [join(root, 'conf/workflows.yaml')], {});
  for (const id of ['X26ABC1', 'X26ABC2', 'X26ABC3']) t.equal(d.getMailbox(id)?.password, 'password', id);
  t.same(d.lookupEndpoint('X26GP1', 'PATH_MEDRPT_V3').map((m) => m.mailboxId), ['X26GP01']);
  t.same(d.getWorkflow('PATH_MEDRPT_V3')?.senders, ['X26LAB1']);
  t.same(d.workflowReceivers('TEST_WORKFLOW2').map((m) => m.mailboxId), ['X26ABC1', 'X26ABC2', 'X26ABC3']);
  t.equal(d.getMailbox('X26OLD1')?.active, false);
});
