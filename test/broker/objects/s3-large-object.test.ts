import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import t from 'tap';
import { S3ObjectStore } from '../../../broker/objects/s3-object-store.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../../helpers/s3-server.js';

const MiB = 1024 * 1024;
const TOTAL_BYTES = Number(process.env.MESH_TEST_S3_LARGE_BYTES ?? 2 * 1024 * MiB);
/** RSS the test process may grow by while the object streams through (the server is another process). */
const RSS_BUDGET_MiB = 200;

// Minutes rather than the runner's default: 2 GiB through s3rver takes about a minute on two cores.
t.setTimeout(10 * 60_000);

/**
 * Streams `total` bytes in 1 MiB blocks, hashing as it goes. Each block is one random block with
 * its index stamped in, so lost, repeated or reordered parts change the digest, and generating
 * costs a copy rather than a CSPRNG call per byte.
 */
function stampedSource(total: number): { stream: Readable; expected: () => { size: number; sha256: string } } {
  const base = randomBytes(MiB);
  const hash = createHash('sha256');
  let produced = 0;
  let index = 0;
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const block = Buffer.allocUnsafe(Math.min(MiB, total - produced));
      base.copy(block, 0, 0, block.length);
      if (block.length >= 8) block.writeDoubleBE(index++, 0);
      hash.update(block);
      produced += block.length;
      this.push(block);
    },
  });
  return { stream, expected: () => ({ size: total, sha256: hash.digest('hex') }) };
}

/** Tracks the largest RSS seen until stopped. */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

const mibPerSecond = (bytes: number, ms: number): string => (bytes / MiB / (ms / 1000)).toFixed(1);

t.test(`a ${(TOTAL_BYTES / MiB).toFixed(0)} MiB object streams through S3 in bounded memory`, async (t) => {
  const server = await startS3Server(t);
  const store = await S3ObjectStore.open({ bucket: 'mesh-large', endpoint: server.endpoint, createBucket: true, credentials: S3RVER_CREDENTIALS });
  t.teardown(() => store.close());
  const key = 'large/1';

  const baseline = process.memoryUsage().rss;
  const sampler = rssSampler();
  t.teardown(() => void sampler.stop());

  const source = stampedSource(TOTAL_BYTES);
  const putStarted = Date.now();
  const result = await store.put(key, source.stream);
  const putMs = Date.now() - putStarted;
  t.same(result, source.expected(), 'put reports the size and digest of what was sent');

  const hash = createHash('sha256');
  let size = 0;
  const getStarted = Date.now();
  for await (const part of await store.get(key)) {
    hash.update(part as Buffer);
    size += (part as Buffer).length;
  }
  const getMs = Date.now() - getStarted;
  const growthMiB = (sampler.stop() - baseline) / MiB;
  t.same({ size, sha256: hash.digest('hex') }, result, 'get streams back the same bytes');

  t.comment(
    `${(TOTAL_BYTES / MiB).toFixed(0)} MiB: put ${putMs} ms (${mibPerSecond(TOTAL_BYTES, putMs)} MiB/s), ` +
      `get ${getMs} ms (${mibPerSecond(TOTAL_BYTES, getMs)} MiB/s), ` +
      `peak RSS growth ${growthMiB.toFixed(1)} MiB over ${(baseline / MiB).toFixed(0)} MiB`,
  );
  t.ok(growthMiB < RSS_BUDGET_MiB, `RSS grew ${growthMiB.toFixed(1)} MiB, under ${RSS_BUDGET_MiB} MiB`);
  await store.delete(key);
});
