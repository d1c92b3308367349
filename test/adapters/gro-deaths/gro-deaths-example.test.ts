/**
 * The walk-through of adapters/gro-deaths/README.md, as a new user runs it: meshd from
 * conf/meshd.yaml, `meshd pds import` of the example people, the example GRO file sent as X26GRO1.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runPdsCommand } from '../../../adapters/pds/cli/pds-command.js';
import { MeshClient } from '../../../mailbox/client/index.js';
import { eventually } from '../../broker/routing/routing-suite.js';
import { MeshdProcess, ROOT, tempDir } from '../../helpers/meshd-process.js';
import { readAll } from '../../helpers/meshd.js';

t.test('the example GRO file: one notification to X26GP01, two for manual resolution, a summary', async (t) => {
  const dataDir = await tempDir(t, 'gro-example-');
  const meshd = await MeshdProcess.start(t, ['--config', 'conf/meshd.yaml', '--port', '0', '--data-dir', dataDir]);
  let out = '';
  let err = '';
  const code = await runPdsCommand(['import', 'conf/examples/pds-people.ndjson', '--config', 'conf/meshd.yaml', '--data-dir', dataDir], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    cwd: ROOT,
  });
  t.equal(code, 0, `imported while meshd runs on the same file ${err}`);
  t.match(out, /imported 3 people/);

  const client = (mailboxId: string) => new MeshClient({ baseUrl: meshd.url, mailboxId, password: 'password', sharedKey: 'TestKey' });
  const xml = await readFile(join(ROOT, 'conf/examples/gro-deaths.xml'));
  await client('X26GRO1').sendMessage({ to: 'X26NBO1', workflowId: 'GRO_DEATH_REGISTRATION', body: xml, localId: 'example' });
  const inbox = async (mb: string, n: number) => eventually(async () => {
    const ids = (await client(mb).listInbox()).messages;
    return ids.length >= n ? ids : null;
  }, `${n} message(s) in ${mb}`);

  const [notification] = await inbox('X26GP01', 1);
  const got = await client('X26GP01').downloadMessage(notification!);
  t.equal(got.headers['mex-localid'], 'GRO-31989013', 'Bill Hartley, registered with a transposed birth date, is William Hartley');
  t.match((await readAll(got.body)).toString(), /"value":"9434765919"/);
  const manual = await inbox('X26NBO1', 2);
  const reasons = [];
  for (const id of manual) reasons.push(JSON.parse((await readAll((await client('X26NBO1').downloadMessage(id)).body)).toString()).reason);
  t.same(reasons.sort(), ['invalid', 'no-match']);
  const [summary] = await inbox('X26GRO1', 1);
  t.match(JSON.parse((await readAll((await client('X26GRO1').downloadMessage(summary!)).body)).toString()), { records: 3, matched: 1, manual: 2, invalid: 1 });
});
