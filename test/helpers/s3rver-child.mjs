/**
 * s3rver as a child process for the tests (see s3-server.ts): its own process, so the test
 * process's memory figures leave the server out and a test can SIGKILL it to make an outage.
 *
 * Usage: node s3rver-child.mjs DIR PORT [BUCKET...]. Prints `{"port":N}` on stdout once listening;
 * exits when stdin closes, so a parent that dies does not leave a server holding the port.
 *
 * s3rver 3.7.1 lacks three things the S3 store's tests rely on; they are added below, to the
 * S3 API's behaviour:
 * - AbortMultipartUpload (DELETE ?uploadId) answered 405 MethodNotAllowed, so parts of a failed
 *   upload stayed on disk whatever the client did;
 * - ListMultipartUploads (GET ?uploads) answered 501 NotImplemented;
 * - `Range: bytes=N-0` was read as "to the end" (it tests `options.end || Infinity`), so a
 *   request for the first byte returned the whole object; and a range on an empty object got
 *   `206 bytes 0-0/0` with Content-Length 1 and no body, where S3 answers 416 InvalidRange.
 * UploadPart also recreated the directory of an aborted upload; it now fails with NoSuchUpload.
 */

import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem.js');
const S3Object = require('s3rver/lib/models/object.js');
const S3Error = require('s3rver/lib/models/error.js');

const [dir, portArg, ...buckets] = process.argv.slice(2);
if (!dir || portArg === undefined) {
  process.stderr.write('usage: s3rver-child.mjs DIR PORT [BUCKET...]\n');
  process.exit(2);
}

/** Where s3rver keeps a bucket's multipart uploads in progress, one directory per upload ID. */
function uploadsDir(store, bucket) {
  return store.getResourcePath(bucket, undefined, 'uploads');
}

/** getObject as in s3rver, except that an explicit end of 0 means byte 0. */
FilesystemStore.prototype.getObject = async function getObject(bucket, key, options) {
  try {
    const metadata = await this.getMetadata(bucket, key);
    const size = Number(metadata['content-length']);
    const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
    const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, Math.max(0, size - 1)) };
    // No range overlaps an empty object, so S3 (and MinIO) answer 416 for any range on one.
    const satisfiable = !ranged || (range.start >= 0 && range.start < size && range.end >= range.start);
    const content = satisfiable
      ? await new Promise((resolve, reject) => {
          const stream = createReadStream(this.getResourcePath(bucket, key, 'object'), range);
          stream.on('error', reject).on('open', () => resolve(stream));
        })
      : null;
    const object = new S3Object(bucket, key, content, metadata);
    if (ranged) object.range = range;
    return object;
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
};

const originalPutPart = FilesystemStore.prototype.putPart;
/** putPart as in s3rver, except that a part for an unknown (or aborted) upload is refused. */
FilesystemStore.prototype.putPart = async function putPart(bucket, uploadId, partNumber, content) {
  const known = await stat(join(uploadsDir(this, bucket), String(uploadId))).then(() => true, () => false);
  if (!known) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
  return originalPutPart.call(this, bucket, uploadId, partNumber, content);
};

/** The upload IDs (and keys) in progress in a bucket. */
async function listUploads(store, bucket) {
  const root = uploadsDir(store, bucket);
  const ids = await readdir(root).catch((err) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  const uploads = [];
  for (const id of ids.sort()) {
    const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => null);
    if (key !== null) uploads.push({ Key: key, UploadId: id });
  }
  return uploads;
}

/** Koa middleware answering the two multipart calls s3rver routes to errors. */
function multipartExtras() {
  return async (ctx, next) => {
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (ctx.method === 'DELETE' && bucket && key && typeof ctx.query.uploadId === 'string') {
      if (!(await ctx.app.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
      const uploadDir = join(uploadsDir(ctx.app.store, bucket), ctx.query.uploadId);
      const exists = await stat(uploadDir).then(() => true, () => false);
      if (!exists) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: ctx.query.uploadId });
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) {
      if (!(await ctx.app.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
      const uploads = await listUploads(ctx.app.store, bucket);
      ctx.body = {
        ListMultipartUploadsResult: {
          '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
          Bucket: bucket,
          IsTruncated: false,
          ...(uploads.length > 0 && { Upload: uploads }),
        },
      };
      return;
    }
    await next();
  };
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portArg),
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
// Just before the router (the last middleware), so s3rver's XML encoding and error rendering
// still wrap the answers; Koa composes the middleware list when the server starts.
server.middleware.splice(server.middleware.length - 1, 0, multipartExtras());

const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.stdin.on('end', () => process.exit(0)).resume();
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
