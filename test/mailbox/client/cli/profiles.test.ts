import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { resolveConnection } from '../../../../mailbox/client/cli/connection.js';

async function profilesFile(t: Test, yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-profiles-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'profiles.yaml');
  await writeFile(file, yaml);
  return file;
}

const YAML_TEXT = `
profiles:
  int:
    url: https://msg.intspineservices.nhs.uk
    mailbox: X26ABC1
    passwordEnv: INT_PW
    sharedKey: IntKey
    tlsCert: certs/client.crt
    tlsKey: certs/client.key
  local:
    url: http://127.0.0.1:8700
    mailbox: X26ABC2
    password: password
    sharedKey: TestKey
`;

t.test('a profile supplies settings; environment and flags override it, in that order', async (t) => {
  const file = await profilesFile(t, YAML_TEXT);
  const env = { MESH_PROFILES: file, INT_PW: 'secret' };
  const s = resolveConnection({ profile: 'int' }, env);
  t.equal(s.url, 'https://msg.intspineservices.nhs.uk');
  t.equal(s.mailbox, 'X26ABC1');
  t.equal(s.password, 'secret', 'passwordEnv read from the environment');
  t.equal(s.tlsCert, join(file, '..', 'certs/client.crt'), 'paths resolve against the profile file');
  t.equal(resolveConnection({ profile: 'int' }, { ...env, MESH_MAILBOX: 'X26ENV' }).mailbox, 'X26ENV', 'environment beats profile');
  t.equal(resolveConnection({ profile: 'int', mailbox: 'X26FLAG' }, { ...env, MESH_MAILBOX: 'X26ENV' }).mailbox, 'X26FLAG', 'flag beats environment');
  t.equal(resolveConnection({}, { ...env, MESH_PROFILE: 'local' }).mailbox, 'X26ABC2', 'MESH_PROFILE picks a profile too');
});

t.test('profile errors are one-line usage errors naming the file and entry', async (t) => {
  const file = await profilesFile(t, YAML_TEXT);
  t.throws(() => resolveConnection({ profile: 'nope' }, { MESH_PROFILES: file }), { name: 'UsageError', message: /no profile named "nope" \(have: int, local\)/ });
  t.throws(() => resolveConnection({ profile: 'int' }, { MESH_PROFILES: file }), { message: /profiles\.int\.passwordEnv: environment variable INT_PW is not set/ });
  t.throws(() => resolveConnection({ profile: 'int' }, { MESH_PROFILES: join(file, '..', 'missing.yaml') }), { message: /cannot read .*missing\.yaml \(ENOENT\)/ });
  const bad = await profilesFile(t, 'profiles:\n  x:\n    url: http://h\n    colour: blue\n');
  t.throws(() => resolveConnection({ profile: 'x' }, { MESH_PROFILES: bad }), { message: /profiles\.x: unknown key colour/ });
  const both = await profilesFile(t, 'profiles:\n  x:\n    password: a\n    passwordEnv: B\n');
  t.throws(() => resolveConnection({ profile: 'x' }, { MESH_PROFILES: both, B: 'b' }), { message: /give password or passwordEnv, not both/ });
});
