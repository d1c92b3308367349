import { join } from 'node:path';
import t from 'tap';
import { loadMeshdConfig } from '../../../broker/config/load-config.js';

const cwd = '/srv/mesh';
const load = (argv: Record<string, string>, env: Record<string, string> = {}) => loadMeshdConfig({ argv: { sharedKey: 'k', ...argv }, env, cwd });

t.test('--metadata: sqlite path, postgres URL, environment, default and bad values', async (t) => {
  t.equal((await load({})).metadata, null, 'default: SQLite in the data dir');
  t.equal((await load({ metadata: 'sqlite:db/meta.sqlite' })).metadata, `sqlite:${join(cwd, 'db/meta.sqlite')}`, 'relative sqlite path resolves against cwd');
  t.equal((await load({ metadata: 'postgres://mesh@db/mesh' })).metadata, 'postgres://mesh@db/mesh');
  t.equal((await load({}, { MESH_DATABASE_URL: 'postgresql://u:secret@db/m' })).metadata, 'postgresql://u:secret@db/m', 'from MESH_DATABASE_URL');
  t.equal((await load({ metadata: 'sqlite:/x.db' }, { MESH_DATABASE_URL: 'postgres://db/m' })).metadata, 'sqlite:/x.db', 'the flag beats the environment');
  await t.rejects(load({ metadata: 'mysql://u:secret@db/m' }), { message: /^command line: --metadata: must be sqlite:PATH or a postgres:\/\/ URL/ });
  await t.rejects(load({}, { MESH_DATABASE_URL: 'mysql://u:hunter2@db/m' }), { message: /^environment: MESH_DATABASE_URL: (?!.*hunter2)/ }, 'the value (and its password) is not echoed');
  await t.rejects(load({ metadata: 'sqlite:' }), { message: /needs a file path/ });
});
