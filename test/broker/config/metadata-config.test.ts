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

t.test('--objects: file path, s3 URL, environment, config file, default and bad values', async (t) => {
  t.equal((await load({})).objects, null, 'default: the filesystem under the data dir');
  t.equal((await load({ objects: 'file:payloads' })).objects, `file:${join(cwd, 'payloads')}`, 'relative file path resolves against cwd');
  const s3 = 's3://mesh-payloads?endpoint=http://minio:9000&region=eu-west-2';
  t.equal((await load({ objects: s3 })).objects, s3, 'an s3 URL is kept as given');
  t.equal((await load({}, { MESH_OBJECTS_URL: s3 })).objects, s3, 'from MESH_OBJECTS_URL');
  t.equal((await load({ objects: 'file:/x' }, { MESH_OBJECTS_URL: s3 })).objects, 'file:/x', 'the flag beats the environment');
  const dir = t.testdir({ conf: { 'meshd.yaml': 'sharedKey: k\nobjects: file:../blobs\n' } });
  const fromFile = await loadMeshdConfig({ argv: { config: join(dir, 'conf', 'meshd.yaml') }, env: {}, cwd });
  t.equal(fromFile.objects, `file:${join(dir, 'blobs')}`, 'a path in the config file resolves against its directory');
  await t.rejects(load({ objects: 'ftp://host/dir' }), { message: /^command line: --objects: unknown object store scheme "ftp:"/ });
  await t.rejects(load({ objects: 's3://Bad_Bucket' }), { message: /^command line: --objects: .*bucket/ });
  await t.rejects(load({}, { MESH_OBJECTS_URL: 's3://bucket?endpoint=http://m:9000&colour=blue' }), { message: /^environment: MESH_OBJECTS_URL: .*colour/ }, 'unknown parameters are refused');
  await t.rejects(load({ objects: 's3://AKIA:hunter2@bucket' }), { message: /^command line: --objects: (?!.*hunter2).*AWS_ACCESS_KEY_ID/ }, 'credentials in the URL are refused without echoing them');
});
