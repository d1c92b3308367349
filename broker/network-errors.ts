/**
 * Socket-level errno codes that mean a backing service could not be reached or went away, as
 * opposed to refusing a request. Shared by the metadata store's and the object store's outage
 * classification, so "unreachable" means the same for both.
 */
const NETWORK_ERRNOS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** True when `code` is an errno of a connection that failed or dropped. */
export function isNetworkErrno(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_ERRNOS.has(code);
}
