import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Test } from 'tap';
import { ObjectNotFoundError } from '../../../broker/objects/object-store.js';
import type { ObjectStore } from '../../../broker/objects/object-store.js';

const MiB = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Collects a small test object; never used for the large-object test. */
async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A source that delivers `data` in several chunks, so stores see a real stream, not one write. */
function sourceOf(data: Buffer, chunkSize = 4096): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) parts.push(data.subarray(i, i + chunkSize));
  return Readable.from(parts);
}

/** A source that sends `goodBytes` and then fails (or just stops, if `error` is undefined). */
function failingSource(goodBytes: number, error: Error | undefined): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(goodBytes));
        return;
      }
      // Later tick: the store has already started consuming before the failure arrives.
      setImmediate(() => this.destroy(error));
    },
  });
}

/**
 * Streams `blocks` pseudo-random 1 MiB blocks, hashing as it goes, so the expected digest is known
 * without ever holding the whole object.
 */
function bigSource(blocks: number): { stream: Readable; expected: () => { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (produced === blocks) {
        this.push(null);
        return;
      }
      const block = randomBytes(MiB);
      hash.update(block);
      produced++;
      this.push(block);
    },
  });
  return { stream, expected: () => ({ size: blocks * MiB, sha256: hash.digest('hex') }) };
}

/**
 * The behaviour every ObjectStore must show (DESIGN.md §4.5). Uses only the interface, so the same
 * suite runs against the filesystem and S3 stores. `makeStore` may return a shared or a fresh store:
 * each test uses its own random key prefix and calls close() on the store it was given, so a shared
 * store's close() must tolerate repeated calls.
 */
export function objectStoreContract(t: Test, makeStore: () => Promise<ObjectStore>): void {
  const run = (name: string, fn: (t: Test, store: ObjectStore, prefix: string) => Promise<void>): void => {
    t.test(name, async (t) => {
      const store = await makeStore();
      t.teardown(() => store.close());
      await fn(t, store, `contract-${randomUUID()}`);
    });
  };

  run('put then get round-trips bytes, size and sha256', async (t, store, p) => {
    const data = randomBytes(100_000);
    const result = await store.put(`${p}/a`, sourceOf(data));
    t.same(result, { size: data.length, sha256: sha256(data) });
    const back = await readAll(await store.get(`${p}/a`));
    t.ok(back.equals(data), 'bytes read back equal bytes written');
  });

  run('empty object', async (t, store, p) => {
    t.same(await store.put(`${p}/empty`, Readable.from([])), { size: 0, sha256: EMPTY_SHA256 });
    t.equal(await store.exists(`${p}/empty`), true);
    t.equal((await readAll(await store.get(`${p}/empty`))).length, 0);
  });

  run('ranges are inclusive and end is clamped', async (t, store, p) => {
    const data = randomBytes(200_000);
    const key = `${p}/ranged`;
    await store.put(key, sourceOf(data));
    const slice = async (start: number, end?: number) =>
      readAll(await store.get(key, end === undefined ? { start } : { start, end }));
    t.ok((await slice(150_000)).equals(data.subarray(150_000)), 'start only reads to the end');
    t.ok((await slice(70_000, 140_000)).equals(data.subarray(70_000, 140_001)), 'start+end inclusive');
    t.ok((await slice(data.length - 1)).equals(data.subarray(-1)), 'last byte by start');
    t.ok((await slice(data.length - 1, data.length - 1)).equals(data.subarray(-1)), 'last byte by start+end');
    t.ok((await slice(0, 0)).equals(data.subarray(0, 1)), 'first byte');
    t.ok((await slice(199_990, 10_000_000)).equals(data.subarray(199_990)), 'end past the object is clamped');
    await t.rejects(store.get(key, { start: data.length }), RangeError, 'start at size is unsatisfiable');
    await t.rejects(store.get(key, { start: 10, end: 9 }), RangeError, 'end before start');
    await t.rejects(store.get(key, { start: -1 }), RangeError, 'negative start');
  });

  run('overwriting a key replaces the object', async (t, store, p) => {
    const first = randomBytes(5000);
    const second = randomBytes(3000);
    await store.put(`${p}/k`, sourceOf(first));
    t.same(await store.put(`${p}/k`, sourceOf(second)), { size: second.length, sha256: sha256(second) });
    t.ok((await readAll(await store.get(`${p}/k`))).equals(second), 'reads the second version');
  });

  run('delete and exists', async (t, store, p) => {
    t.equal(await store.exists(`${p}/gone`), false, 'missing key does not exist');
    await store.put(`${p}/gone`, sourceOf(randomBytes(10)));
    t.equal(await store.exists(`${p}/gone`), true, 'exists after put');
    await store.delete(`${p}/gone`);
    t.equal(await store.exists(`${p}/gone`), false, 'gone after delete');
    await t.resolves(store.delete(`${p}/gone`), 'deleting a missing key is fine');
    await t.resolves(store.delete(`${p}/never/was`), 'deleting under a missing prefix is fine');
  });

  run('get of a missing key rejects ObjectNotFoundError', async (t, store, p) => {
    await t.rejects(store.get(`${p}/missing`), ObjectNotFoundError);
    await t.rejects(store.get(`${p}/missing`, { start: 0 }), { code: 'object_not_found', key: `${p}/missing` });
  });

  run('a key that is only a prefix of other keys is not an object', async (t, store, p) => {
    await store.put(`${p}/dir/child`, sourceOf(randomBytes(10)));
    t.equal(await store.exists(`${p}/dir`), false);
    await t.rejects(store.get(`${p}/dir`), ObjectNotFoundError);
  });

  run('a source that errors midway rejects put and leaves nothing', async (t, store, p) => {
    await t.rejects(store.put(`${p}/bad`, failingSource(64 * 1024, new Error('client went away'))), {
      message: 'client went away',
    });
    t.equal(await store.exists(`${p}/bad`), false);
    await t.rejects(store.get(`${p}/bad`), ObjectNotFoundError);
  });

  run('a source destroyed without an error still rejects put', async (t, store, p) => {
    await t.rejects(store.put(`${p}/aborted`, failingSource(1000, undefined)));
    t.equal(await store.exists(`${p}/aborted`), false);
  });

  run('a failed overwrite keeps the previous object', async (t, store, p) => {
    const good = randomBytes(2000);
    await store.put(`${p}/keep`, sourceOf(good));
    await t.rejects(store.put(`${p}/keep`, failingSource(500, new Error('boom'))));
    t.ok((await readAll(await store.get(`${p}/keep`))).equals(good), 'previous bytes intact');
  });

  run('50 concurrent puts each store their own bytes', async (t, store, p) => {
    const items = Array.from({ length: 50 }, (_, i) => ({ key: `${p}/many/${i}`, data: randomBytes(1000 + i * 997) }));
    const results = await Promise.all(items.map((it) => store.put(it.key, sourceOf(it.data, 1024))));
    results.forEach((r, i) => {
      const it = items[i]!;
      t.same(r, { size: it.data.length, sha256: sha256(it.data) }, `result ${i}`);
    });
    const backs = await Promise.all(items.map(async (it) => readAll(await store.get(it.key))));
    t.equal(backs.filter((b, i) => b.equals(items[i]!.data)).length, items.length, 'every object reads back');
  });

  run('a 256 MiB object streams through in bounded memory', async (t, store, p) => {
    const blocks = 256;
    const key = `${p}/big`;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    t.teardown(() => clearInterval(sampler));
    const started = process.hrtime.bigint();

    const source = bigSource(blocks);
    const result = await store.put(key, source.stream);
    const putMs = Number(process.hrtime.bigint() - started) / 1e6;
    t.same(result, source.expected(), 'put reports the size and digest of what was sent');

    const hash = createHash('sha256');
    let size = 0;
    for await (const part of await store.get(key)) {
      hash.update(part as Buffer);
      size += (part as Buffer).length;
    }
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    t.same({ size, sha256: hash.digest('hex') }, result, 'get streams back the same bytes');

    const growthMiB = (peak - baseline) / MiB;
    t.comment(
      `256 MiB: put ${putMs.toFixed(0)} ms, put+get ${totalMs.toFixed(0)} ms, ` +
        `RSS growth ${growthMiB.toFixed(1)} MiB (baseline ${(baseline / MiB).toFixed(0)} MiB)`,
    );
    t.ok(growthMiB < 100, `RSS grew ${growthMiB.toFixed(1)} MiB, under 100 MiB`);
    await store.delete(key);
  });
}
