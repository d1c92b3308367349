import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import type { Test } from 'tap';
import { FsObjectStore } from '../../../broker/objects/fs-object-store.js';
import { openObjectStore } from '../../../broker/objects/open-object-store.js';
import { parseObjectStoreUrl } from '../../../broker/objects/object-store-url.js';
import { S3ObjectStore } from '../../../broker/objects/s3-object-store.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../../helpers/s3-server.js';

/** A fresh temporary directory, removed when `t` ends. */
async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-objects-url-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `spec` is refused with a one-line message matching `pattern`. */
function refuses(t: Test, spec: string, pattern: RegExp): void {
  let message = '';
  try {
    parseObjectStoreUrl(spec);
  } catch (err) {
    message = (err as Error).message;
  }
  t.match(message, pattern, `${spec} is refused: ${message}`);
  t.notOk(message.includes('\n'), 'in one line');
}

t.test('file: specs', async (t) => {
  t.same(parseObjectStoreUrl('file:/var/lib/mesh/objects'), { kind: 'file', dir: '/var/lib/mesh/objects' });
  t.same(parseObjectStoreUrl('file:relative/dir'), { kind: 'file', dir: 'relative/dir' });
  t.same(parseObjectStoreUrl('file:///var/lib/with%20space'), { kind: 'file', dir: '/var/lib/with space' }, 'file:/// URL form');
  refuses(t, 'file:', /needs a directory/);
  refuses(t, 'file://host/share', /names a host/);
});

t.test('s3: defaults', async (t) => {
  t.same(parseObjectStoreUrl('s3://mesh-objects'), {
    kind: 's3',
    bucket: 'mesh-objects',
    region: 'us-east-1',
    forcePathStyle: false,
    createBucket: false,
  });
  t.same(parseObjectStoreUrl('s3://mesh-objects/?endpoint=http://127.0.0.1:9000'), {
    kind: 's3',
    bucket: 'mesh-objects',
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    forcePathStyle: true,
    createBucket: false,
  }, 'an endpoint implies path-style addressing');
});

t.test('s3: every parameter', async (t) => {
  const spec = 's3://a.b-c?endpoint=https://minio.internal:9000&region=eu-west-2&createBucket=true&forcePathStyle=false&prefix=mesh/prod/';
  t.same(parseObjectStoreUrl(spec), {
    kind: 's3',
    bucket: 'a.b-c',
    endpoint: 'https://minio.internal:9000',
    region: 'eu-west-2',
    forcePathStyle: false,
    createBucket: true,
    keyPrefix: 'mesh/prod',
  });
});

t.test('s3: refusals', async (t) => {
  refuses(t, 's3://mesh?bucket=x', /unknown parameter "bucket" \(known: endpoint, region, createBucket, forcePathStyle, prefix\)/);
  refuses(t, 's3://mesh?region=a&region=b', /"region" more than once/);
  refuses(t, 's3://ab', /bucket name "ab" is invalid: it must be 3 to 63 characters/);
  refuses(t, `s3://${'a'.repeat(64)}`, /3 to 63 characters/);
  refuses(t, 's3://Mesh-Objects', /only lowercase letters, digits, dots and hyphens/);
  refuses(t, 's3://mesh_objects', /only lowercase letters/);
  refuses(t, 's3://-mesh', /begin and end with a letter or digit/);
  refuses(t, 's3://mesh.', /begin and end with a letter or digit/);
  refuses(t, 's3://me..sh', /two adjacent dots/);
  refuses(t, 's3://192.168.1.10', /IP address/);
  refuses(t, 's3://mesh?endpoint=ftp://host', /endpoint must be http:\/\/ or https:\/\/, not ftp:\/\//);
  refuses(t, 's3://mesh?endpoint=not a url', /endpoint is not a URL/);
  refuses(t, 's3://mesh?createBucket=yes', /createBucket must be true or false, not "yes"/);
  refuses(t, 's3://mesh?forcePathStyle=1', /forcePathStyle must be true or false/);
  refuses(t, 's3://mesh?prefix=../up', /prefix "..\/up" is invalid/);
  refuses(t, 's3://mesh?prefix=/abs', /prefix "\/abs" is invalid/);
  refuses(t, 's3://mesh?region=EU%20West', /region is not a region name/);
  refuses(t, 's3://mesh/some/path', /no path after the bucket: use prefix=P/);
  refuses(t, 's3://mesh:9000', /no port after the bucket/);
  refuses(t, 's3:mesh', /must start s3:\/\/BUCKET/);
  refuses(t, 'minio://mesh', /unknown object store scheme "minio:": expected file:DIR or s3:\/\/BUCKET/);
  refuses(t, '/just/a/path', /unrecognised object store: expected file:DIR/);
});

t.test('s3: credentials in the URL are refused without being echoed', async (t) => {
  for (const spec of ['s3://AKIAEXAMPLE:s3cr3t@mesh', 's3://mesh?endpoint=http://AKIAEXAMPLE:s3cr3t@127.0.0.1:9000']) {
    let message = '';
    try {
      parseObjectStoreUrl(spec);
    } catch (err) {
      message = (err as Error).message;
    }
    t.match(message, /must not contain credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    t.notOk(message.includes('s3cr3t'), 'the secret is not in the message');
  }
});

t.test('openObjectStore(null) is the filesystem under <dataDir>/objects, as before', async (t) => {
  const dataDir = await tempDir(t);
  const store = await openObjectStore(null, dataDir);
  t.teardown(() => store.close());
  t.type(store, FsObjectStore);
  await store.put('k/1', Readable.from([Buffer.from('default')]));
  // FsObjectStore keeps objects in <root>/objects/, and the root is <dataDir>/objects.
  t.equal(await readFile(join(dataDir, 'objects', 'objects', 'k', '1'), 'utf8'), 'default');
});

t.test('openObjectStore(file:DIR) roots the filesystem store at DIR', async (t) => {
  const dir = await tempDir(t);
  const store = await openObjectStore(`file:${dir}`, '/nonexistent-data-dir');
  t.teardown(() => store.close());
  t.type(store, FsObjectStore);
  await store.put('k/1', Readable.from([Buffer.from('file')]));
  t.equal(await readFile(join(dir, 'objects', 'k', '1'), 'utf8'), 'file');
});

t.test('openObjectStore(s3://...) opens an S3 store with credentials from the environment', async (t) => {
  const server = await startS3Server(t);
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const store = await openObjectStore(`s3://mesh-url-test?endpoint=${server.endpoint}&createBucket=true&prefix=p`, '/nonexistent-data-dir');
  t.teardown(() => store.close());
  t.type(store, S3ObjectStore);
  t.same(await store.put('k/1', Readable.from([Buffer.from('s3')])), {
    size: 2,
    sha256: createHash('sha256').update('s3').digest('hex'),
  });
  t.equal(await store.exists('k/1'), true);
});
