/**
 * Parsing the object store setting: `file:DIR` or `s3://BUCKET?endpoint=URL&region=R&...`.
 * Every error is one line naming what is wrong, for a ConfigError to prefix with where it was set.
 * Specs are never echoed whole: an s3 spec with credentials in it would put them in a log.
 */

import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { assertSafeKey } from './object-keys.js';

export interface FileObjectStoreSpec {
  kind: 'file';
  dir: string;
}

export interface S3ObjectStoreSpec {
  kind: 's3';
  bucket: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  createBucket: boolean;
  keyPrefix?: string;
}

export type ObjectStoreSpec = FileObjectStoreSpec | S3ObjectStoreSpec;

const S3_PARAMS = ['endpoint', 'region', 'createBucket', 'forcePathStyle', 'prefix'] as const;
type S3Param = (typeof S3_PARAMS)[number];

/** Parses an object store spec; throws an Error with a one-line message if it is not valid. */
export function parseObjectStoreUrl(spec: string): ObjectStoreSpec {
  if (spec.startsWith('file:')) return parseFile(spec);
  if (spec.startsWith('s3:')) return parseS3(spec);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(spec)?.[1];
  throw new Error(
    `${scheme ? `unknown object store scheme "${scheme}:"` : 'unrecognised object store'}: expected file:DIR or s3://BUCKET?endpoint=URL`,
  );
}

function parseFile(spec: string): FileObjectStoreSpec {
  const rest = spec.slice('file:'.length);
  // file:///abs/path is the URL spelling; file://host/path would name another machine.
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///')) throw new Error('object store file: URL names a host; use file:/absolute/path or file:relative/path');
    return { kind: 'file', dir: fileURLToPath(spec) };
  }
  if (rest === '') throw new Error('object store file: needs a directory, e.g. file:/var/lib/mesh/objects');
  return { kind: 'file', dir: rest };
}

function parseS3(spec: string): S3ObjectStoreSpec {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new Error('object store s3 URL is malformed: expected s3://BUCKET?endpoint=URL');
  }
  if (url.username || url.password) {
    throw new Error('object store s3 URL must not contain credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  }
  if (!spec.startsWith('s3://')) throw new Error('object store s3 URL must start s3://BUCKET');
  if (url.port) throw new Error('object store s3 URL takes no port after the bucket: give the server as endpoint=http://HOST:PORT');
  if (url.pathname !== '' && url.pathname !== '/') {
    throw new Error('object store s3 URL takes no path after the bucket: use prefix=P for a prefix inside the bucket');
  }
  if (url.hash) throw new Error('object store s3 URL takes no #fragment');
  checkBucketName(url.hostname);

  const params = s3Params(url.searchParams);
  const endpoint = params.endpoint === undefined ? undefined : checkEndpoint(params.endpoint);
  const region = params.region ?? 'us-east-1';
  if (!/^[a-z0-9][a-z0-9-]*$/.test(region)) throw new Error(`object store s3 region is not a region name: "${region}"`);
  const keyPrefix = params.prefix === undefined ? undefined : checkPrefix(params.prefix);
  return {
    kind: 's3',
    bucket: url.hostname,
    ...(endpoint !== undefined && { endpoint }),
    region,
    forcePathStyle: params.forcePathStyle === undefined ? endpoint !== undefined : parseBoolean('forcePathStyle', params.forcePathStyle),
    createBucket: params.createBucket === undefined ? false : parseBoolean('createBucket', params.createBucket),
    ...(keyPrefix !== undefined && { keyPrefix }),
  };
}

/** The known query parameters, each at most once; anything else is refused, to catch typos. */
function s3Params(search: URLSearchParams): Partial<Record<S3Param, string>> {
  const out: Partial<Record<S3Param, string>> = {};
  for (const [name, value] of search) {
    if (!(S3_PARAMS as readonly string[]).includes(name)) {
      throw new Error(`object store s3 URL has unknown parameter "${name}" (known: ${S3_PARAMS.join(', ')})`);
    }
    if (out[name as S3Param] !== undefined) throw new Error(`object store s3 URL gives "${name}" more than once`);
    out[name as S3Param] = value;
  }
  return out;
}

/** S3's rules for new buckets (general purpose), so a typo fails at start-up, not at first upload. */
function checkBucketName(bucket: string): void {
  const bad = (why: string): never => {
    throw new Error(`object store s3 bucket name "${bucket}" is invalid: ${why}`);
  };
  if (bucket.length < 3 || bucket.length > 63) bad('it must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]+$/.test(bucket)) bad('only lowercase letters, digits, dots and hyphens are allowed');
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) bad('it must begin and end with a letter or digit');
  if (bucket.includes('..')) bad('it must not contain two adjacent dots');
  if (isIP(bucket)) bad('it must not look like an IP address');
}

function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error('object store s3 endpoint is not a URL: expected endpoint=http(s)://HOST[:PORT]');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`object store s3 endpoint must be http:// or https://, not ${url.protocol}//`);
  }
  if (url.username || url.password) {
    throw new Error('object store s3 endpoint must not contain credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  }
  if (url.search || url.hash) throw new Error('object store s3 endpoint takes no query or fragment');
  return endpoint;
}

function checkPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  try {
    assertSafeKey(trimmed);
  } catch {
    throw new Error(`object store s3 prefix "${prefix}" is invalid: it must be a relative path like mesh/prod`);
  }
  return trimmed;
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`object store s3 parameter ${name} must be true or false, not "${value}"`);
}
