/**
 * Raised when the object store cannot be reached or answers with a server-side failure, as
 * opposed to "no such object" or a bad request. The HTTP layer recognises the code and answers
 * 503 with Retry-After, since the store is expected to come back by itself.
 */
export class ObjectStoreUnavailableError extends Error {
  readonly code = 'object_store_unavailable';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ObjectStoreUnavailableError';
  }
}
