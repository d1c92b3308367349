/**
 * Public API of the MESH client library. Import from here, not from the
 * individual modules, so internals can move without breaking callers.
 *
 * ```ts
 * const mesh = new MeshClient({ baseUrl, mailboxId: 'X26ABC1', password, sharedKey });
 * try {
 *   const id = await mesh.sendMessage({ to: 'X26ABC2', workflowId: 'WF', body: { filePath }, compress: true });
 *   for await (const inboxId of mesh.iterateInbox()) {
 *     const { headers, body } = await mesh.downloadMessage(inboxId);
 *     await pipeline(body, createWriteStream(`${inboxId}.dat`));
 *     await mesh.acknowledge(inboxId);
 *   }
 * } finally {
 *   mesh.close();
 * }
 * ```
 * Non-2xx responses reject with `MeshApiError`; a failure after chunk 1 of an
 * upload rejects with `MeshUploadError` (resume it with `sendChunk`).
 */
export { MeshClient, parseInboxPage } from './mesh-client.js';
export {
  AuthTokenGenerator,
  MESH_AUTH_SCHEME,
  formatMeshAuthToken,
  formatMeshTimestamp,
  meshHmac,
  type AuthTokenGeneratorOptions,
} from './auth-token.js';
export {
  MeshApiError,
  MeshError,
  MeshUploadError,
  bodyLooksLikeMeshError,
  extractMeshErrorDetails,
  meshApiErrorFromBody,
  type MeshApiErrorInit,
  type MeshErrorDetails,
} from './errors.js';
export { firstChunkHeaders, laterChunkHeaders } from './send.js';
export { parseChunkRange, totalChunksFrom } from './download.js';
export { DEFAULT_MAX_CHUNK_SIZE, chunkCount, chunkRange } from './payload.js';
export { CLIENT_NAME, CLIENT_VERSION, defaultUserAgent, type MeshRequest, type MeshResponse } from './http.js';
export type * from './types.js';
