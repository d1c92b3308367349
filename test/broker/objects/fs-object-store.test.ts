import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import type { Test } from 'tap';
import { FsObjectStore } from '../../../broker/objects/fs-object-store.js';
import { chunkObjectKey, newUploadId } from '../../../broker/objects/object-keys.js';
import { objectStoreContract } from './object-store-contract.js';

/** A fresh temporary directory, removed when `t` ends. */
async function tempRoot(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mesh-fs-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A source that sends some bytes, then errors, as an aborted upload does. */
function brokenSource(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return void setImmediate(() => this.destroy(new Error('connection reset')));
      sent = true;
      this.push(randomBytes(100_000));
    },
  });
}

t.test('contract', async (t) => {
  const root = await tempRoot(t);
  // One shared store, as in production: exercises concurrent use of the same root.
  const shared = await FsObjectStore.open(root);
  objectStoreContract(t, async () => shared);
});

t.test('contract, fresh store per test', async (t) => {
  objectStoreContract(t, async () => FsObjectStore.open(await tempRoot(t)));
});

t.test('objects live at <root>/objects/<key>', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(root);
  const key = chunkObjectKey('20240101120000000000_ABCDEF', 1, newUploadId());
  await store.put(key, Readable.from([Buffer.from('hello')]));
  t.equal(await readFile(join(root, 'objects', ...key.split('/')), 'utf8'), 'hello');
  t.same(await readdir(join(root, 'tmp')), [], 'nothing left in tmp/ after a good put');
});

t.test('a failed put leaves no file in tmp/ or under the key', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(root);
  await t.rejects(store.put('m/1', brokenSource()), { message: 'connection reset' });
  t.same(await readdir(join(root, 'tmp')), [], 'tmp/ is empty');
  await t.rejects(stat(join(root, 'objects', 'm', '1')), { code: 'ENOENT' });
});

t.test('open() removes leftovers of a crashed put', async (t) => {
  const root = await tempRoot(t);
  await (await FsObjectStore.open(root)).close();
  await writeFile(join(root, 'tmp', 'half-written'), randomBytes(1000));
  await mkdir(join(root, 'tmp', 'odd-dir'));
  await writeFile(join(root, 'tmp', 'odd-dir', 'x'), 'x');
  const store = await FsObjectStore.open(root);
  t.same(await readdir(join(root, 'tmp')), [], 'tmp/ emptied');
  t.equal(await store.exists('half-written'), false, 'leftover did not become an object');
});

t.test('open() keeps existing objects', async (t) => {
  const root = await tempRoot(t);
  const first = await FsObjectStore.open(root);
  await first.put('kept/1', Readable.from([Buffer.from('still here')]));
  const second = await FsObjectStore.open(root);
  t.equal(await second.exists('kept/1'), true);
});

t.test('unsafe keys are rejected by every method and touch nothing', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(join(root, 'store'));
  const bad = ['../escaped', 'a/../../escaped', '/tmp/escaped', join(root, 'escaped'), 'a\\..\\b', '', 'a//b'];
  for (const key of bad) {
    const label = JSON.stringify(key);
    await t.rejects(store.put(key, Readable.from([Buffer.from('x')])), { code: 'invalid_key' }, `put ${label}`);
    await t.rejects(store.get(key), { code: 'invalid_key' }, `get ${label}`);
    await t.rejects(store.exists(key), { code: 'invalid_key' }, `exists ${label}`);
    await t.rejects(store.delete(key), { code: 'invalid_key' }, `delete ${label}`);
  }
  t.same((await readdir(root)).sort(), ['store'], 'nothing written beside the store');
  t.same(await readdir(join(root, 'store', 'objects')), [], 'nothing written inside it either');
});

t.test('delete prunes directories it leaves empty, but not objects/', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(root);
  const id = '20240101120000000000_PRUNE1';
  const k1 = chunkObjectKey(id, 1, newUploadId());
  const k2 = chunkObjectKey(id, 2, newUploadId());
  await store.put(k1, Readable.from([Buffer.from('one')]));
  await store.put(k2, Readable.from([Buffer.from('two')]));
  await store.delete(k1);
  t.equal(await store.exists(k2), true, 'sibling chunk survives');
  await store.delete(k2);
  t.same(await readdir(join(root, 'objects')), [], 'message and prefix directories removed');
  await store.put(k1, Readable.from([Buffer.from('again')]));
  t.equal(await store.exists(k1), true, 'directories are recreated on the next put');
});

t.test('puts racing deletes that prune the same directory lose nothing', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(root);
  const id = '20240101120000000000_RACE01';
  // Each worker repeatedly adds and removes its own chunk, so the message directory keeps becoming
  // empty (and pruned) while another worker sits between its mkdir and its rename.
  let failures = 0;
  const worker = async (chunkNo: number): Promise<void> => {
    for (let i = 0; i < 150; i++) {
      const key = chunkObjectKey(id, chunkNo, newUploadId());
      try {
        await store.put(key, Readable.from([Buffer.from('x')]));
        if (!(await store.exists(key))) failures++;
        await store.delete(key);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all([1, 2, 3, 4].map(worker));
  t.equal(failures, 0, 'every put succeeded and was visible');
});

t.test('a read stream keeps working if the object is deleted meanwhile', async (t) => {
  const root = await tempRoot(t);
  const store = await FsObjectStore.open(root);
  const data = randomBytes(300_000);
  await store.put('x/1', Readable.from([data]));
  const stream = await store.get('x/1');
  await store.delete('x/1');
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  t.ok(Buffer.concat(parts).equals(data), 'full content read after unlink');
});
