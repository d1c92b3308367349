import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import t from 'tap';
import type { Test } from 'tap';
import { ObjectNotFoundError } from '../../../broker/objects/object-store.js';
import { S3ObjectStore } from '../../../broker/objects/s3-object-store.js';
import type { S3ObjectStoreConfig } from '../../../broker/objects/s3-object-store.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../../helpers/s3-server.js';
import type { S3TestServer } from '../../helpers/s3-server.js';
import { objectStoreContract } from './object-store-contract.js';

const MiB = 1024 * 1024;
const BUCKET = 'mesh-objects';

/** Opens a store on `server`'s BUCKET (created if missing), closed at `t`'s teardown. */
async function openStore(t: Test, server: S3TestServer, extra: Partial<S3ObjectStoreConfig> = {}): Promise<S3ObjectStore> {
  const store = await S3ObjectStore.open({
    bucket: BUCKET,
    endpoint: server.endpoint,
    createBucket: true,
    credentials: S3RVER_CREDENTIALS,
    ...extra,
  });
  t.teardown(() => store.close());
  return store;
}

/** A plain SDK client, to look at the bucket from outside the store. */
function rawClient(t: Test, server: S3TestServer): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  t.teardown(() => client.destroy());
  return client;
}

/** Keys of the multipart uploads the server still holds for BUCKET. */
async function uploadsInProgress(client: S3Client): Promise<string[]> {
  const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
  return (listed.Uploads ?? []).map((u) => u.Key ?? '?');
}

/** Collects a small object. */
async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** How long `promise` takes to settle, and whether it rejected with `code`. */
async function timedRejection(promise: Promise<unknown>): Promise<{ ms: number; code: unknown; message: string }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, code: 'resolved', message: '' };
  } catch (err) {
    return { ms: Date.now() - started, code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
}

t.test('contract, fresh store per test', async (t) => {
  const server = await startS3Server(t);
  // Fresh per test: close() destroys the SDK client, so a shared store would be dead after test 1.
  objectStoreContract(t, () =>
    S3ObjectStore.open({ bucket: BUCKET, endpoint: server.endpoint, createBucket: true, credentials: S3RVER_CREDENTIALS }),
  );
});

t.test('a source failing mid multipart upload leaves no object and no upload in progress', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server, { partSizeBytes: 5 * MiB });
  const raw = rawClient(t, server);
  const key = `failing/${randomUUID()}`;
  let sent = 0;
  let sawUpload = false;
  const source = new Readable({
    highWaterMark: MiB,
    read() {
      if (sent < 20 * MiB) {
        sent += MiB;
        this.push(randomBytes(MiB));
        return;
      }
      // Fail only once the server holds an upload with parts, so the abort has something to undo.
      void (async () => {
        for (let i = 0; i < 200 && !sawUpload; i++) {
          sawUpload = (await uploadsInProgress(raw)).includes(key);
          if (!sawUpload) await new Promise((r) => setTimeout(r, 25));
        }
        this.destroy(new Error('client went away'));
      })();
    },
  });
  await t.rejects(store.put(key, source), { message: 'client went away' }, 'put rejects with the source error');
  t.ok(sawUpload, 'a multipart upload was in progress before the source failed');
  t.equal(await store.exists(key), false, 'nothing under the key');
  t.same(await uploadsInProgress(raw), [], 'ListMultipartUploads is empty');
  // Also straight from s3rver's directory, in case its listing (added in s3rver-child.mjs) is wrong.
  const onDisk = await readdir(join(server.dir, BUCKET, '._S3rver_uploads')).catch(() => []);
  t.same(onDisk, [], 'no upload directory (and so no parts) left on disk');
});

t.test('a multipart put round-trips and leaves no upload behind', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server, { partSizeBytes: 5 * MiB });
  const data = randomBytes(17 * MiB + 12345);
  const parts = Array.from({ length: Math.ceil(data.length / (256 * 1024)) }, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024));
  const result = await store.put('multi/1', Readable.from(parts));
  t.equal(result.size, data.length);
  t.ok((await readAll(await store.get('multi/1'))).equals(data), 'bytes read back');
  t.ok((await readAll(await store.get('multi/1', { start: 5 * MiB - 1, end: 5 * MiB }))).equals(data.subarray(5 * MiB - 1, 5 * MiB + 1)), 'a range across a part boundary');
  t.same(await uploadsInProgress(rawClient(t, server)), [], 'completed upload is not listed');
});

t.test('ranges that S3 itself would refuse or misread are RangeErrors', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server);
  await store.put('r/empty', Readable.from([]));
  await store.put('r/ten', Readable.from([Buffer.from('0123456789')]));
  await t.rejects(store.get('r/empty', { start: 0 }), RangeError, 'any range of an empty object');
  await t.rejects(store.get('r/empty', { start: 0, end: 0 }), RangeError, 'even byte 0 of an empty object');
  await t.rejects(store.get('r/ten', { start: 1.5 }), RangeError, 'non-integer start');
  await t.rejects(store.get('r/ten', { start: 1, end: 2.5 }), RangeError, 'non-integer end');
  await t.rejects(store.get('r/ten', { start: 11 }), RangeError, 'start past the end');
  await t.rejects(store.get('r/missing', { start: 11 }), ObjectNotFoundError, 'a missing key is not found, whatever the range');
  t.equal((await readAll(await store.get('r/ten', { start: 0, end: 0 }))).toString(), '0', 'byte 0 is one byte');
});

t.test('keyPrefix keeps stores sharing a bucket apart', async (t) => {
  const server = await startS3Server(t);
  const a = await openStore(t, server, { keyPrefix: 'broker-a' });
  const b = await openStore(t, server, { keyPrefix: 'broker-b/' });
  await a.put('m/1', Readable.from([Buffer.from('from a')]));
  t.equal(await b.exists('m/1'), false, 'b does not see a’s object');
  await t.resolves(rawClient(t, server).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'broker-a/m/1' })), 'stored under the prefix');
  t.equal((await readAll(await a.get('m/1'))).toString(), 'from a');
});

t.test('unsafe keys are refused before any request', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server);
  for (const key of ['../x', '/abs', 'a//b', '']) {
    await t.rejects(store.put(key, Readable.from([Buffer.from('x')])), { code: 'invalid_key' }, `put ${JSON.stringify(key)}`);
    await t.rejects(store.get(key), { code: 'invalid_key' }, `get ${JSON.stringify(key)}`);
    await t.rejects(store.exists(key), { code: 'invalid_key' }, `exists ${JSON.stringify(key)}`);
    await t.rejects(store.delete(key), { code: 'invalid_key' }, `delete ${JSON.stringify(key)}`);
  }
});

t.test('an outage makes every call fail fast as object_store_unavailable, and the store recovers', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server);
  await store.put('outage/before', Readable.from([Buffer.from('kept')]));
  await server.kill();

  // Endless: put must give up on it (and destroy it) rather than wait for its end.
  const endless = new Readable({
    read() {
      this.push(randomBytes(64 * 1024));
    },
  });
  const calls = {
    put: timedRejection(store.put('outage/during', Readable.from([randomBytes(1000)]))),
    'multipart put': timedRejection(store.put('outage/during-big', endless)),
    get: timedRejection(store.get('outage/before')),
    exists: timedRejection(store.exists('outage/before')),
    delete: timedRejection(store.delete('outage/before')),
  };
  for (const [op, call] of Object.entries(calls)) {
    const { ms, code, message } = await call;
    t.equal(code, 'object_store_unavailable', `${op} rejects as unavailable (${message})`);
    t.ok(ms < 5000, `${op} failed in ${ms} ms`);
  }
  t.ok(endless.destroyed, 'the source of the failed put is destroyed, not left paused');
  const reopen = await timedRejection(S3ObjectStore.open({ bucket: BUCKET, endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS }));
  t.equal(reopen.code, 'object_store_unavailable', 'open() of a down store is unavailable too');
  t.match(reopen.message, `bucket "${BUCKET}" at ${server.endpoint}`, 'and names the bucket and endpoint');

  await server.restart();
  t.equal((await readAll(await store.get('outage/before'))).toString(), 'kept', 'the same store reads again');
  t.same(await store.put('outage/after', Readable.from([Buffer.from('new')])), {
    size: 3,
    sha256: '11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437',
  });
  t.equal(await store.exists('outage/after'), true, 'and writes');
});

t.test('the server dying mid multipart upload fails the put as unavailable', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server, { partSizeBytes: 5 * MiB });
  let sent = 0;
  let killedAt = 0;
  const source = new Readable({
    read() {
      sent += 256 * 1024;
      // Once parts are on their way, pull the plug; the source itself never fails.
      if (sent === 12 * MiB) void server.kill().then(() => (killedAt = Date.now()));
      this.push(randomBytes(256 * 1024));
    },
  });
  const { code, message } = await timedRejection(store.put('dying/1', source));
  t.equal(code, 'object_store_unavailable', `put rejects as unavailable (${message})`);
  t.ok(killedAt > 0 && Date.now() - killedAt < 5000, `and within seconds of the kill (${Date.now() - killedAt} ms)`);
  t.ok(source.destroyed, 'the source is destroyed');
});

t.test('open() of a missing bucket without createBucket fails naming bucket and endpoint', async (t) => {
  const server = await startS3Server(t);
  const missing = `missing-${randomBytes(4).toString('hex')}`;
  await t.rejects(
    S3ObjectStore.open({ bucket: missing, endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS }),
    { message: `S3 bucket "${missing}" at ${server.endpoint} does not exist (create it, or set createBucket=true)` },
  );
});

t.test('open() of an existing bucket with createBucket keeps its objects', async (t) => {
  const server = await startS3Server(t);
  const first = await openStore(t, server);
  await first.put('keep/1', Readable.from([Buffer.from('x')]));
  const second = await openStore(t, server);
  t.equal(await second.exists('keep/1'), true);
});

t.test('wrong credentials fail open() with a hint about the environment', async (t) => {
  const server = await startS3Server(t, { buckets: [BUCKET] });
  await t.rejects(
    S3ObjectStore.open({ bucket: BUCKET, endpoint: server.endpoint, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'x' } }),
    { message: /access denied or no credentials \(check AWS_ACCESS_KEY_ID/ },
  );
});

t.test('close() may be called twice; later calls reject', async (t) => {
  const server = await startS3Server(t);
  const store = await openStore(t, server);
  await store.close();
  await t.resolves(store.close(), 'second close is fine');
  await t.rejects(store.exists('a'), { message: /closed/ });
});
