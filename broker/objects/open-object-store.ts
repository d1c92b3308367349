import { join } from 'node:path';
import { FsObjectStore } from './fs-object-store.js';
import { parseObjectStoreUrl } from './object-store-url.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * Opens the object store named by configuration: `file:DIR`, `s3://BUCKET?...` (credentials from
 * the AWS SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles), or,
 * when null, the filesystem under `<dataDir>/objects`.
 */
export async function openObjectStore(spec: string | null, dataDir: string): Promise<ObjectStore> {
  if (spec === null) return FsObjectStore.open(join(dataDir, 'objects'));
  const parsed = parseObjectStoreUrl(spec);
  if (parsed.kind === 'file') return FsObjectStore.open(parsed.dir);
  const { kind: _kind, ...config } = parsed;
  return S3ObjectStore.open(config);
}
