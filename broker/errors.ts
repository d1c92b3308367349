/** The broker's expected failures, as values with codes; mailbox/ maps them to MESH errors. */

import { isStoreConnectionFailure } from './store/connection-failure.js';

export type BrokerErrorCode =
  | 'unknown_recipient'
  | 'inactive_recipient'
  | 'address_unresolved'
  | 'sender_not_permitted'
  | 'recipient_not_permitted'
  | 'unregistered_workflow'
  | 'message_not_found'
  | 'chunk_not_found'
  | 'not_sender'
  | 'not_recipient'
  | 'not_available'
  | 'not_uploading'
  | 'chunk_out_of_range'
  | 'encoding_changed'
  | 'payload_too_large'
  | 'payload_empty';

export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly messageId: string | null = null,
    /** The MESH code to report, where the failure carries its own (EPL-150..154). */
    readonly meshCode: string | null = null,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** Builds a BrokerError; the one place broker code creates expected failures. */
export function brokerError(code: BrokerErrorCode, message: string, messageId: string | null = null, meshCode: string | null = null): BrokerError {
  return new BrokerError(code, message, messageId, meshCode);
}

export function isBrokerError(err: unknown): err is BrokerError {
  return err instanceof BrokerError;
}

/** Which backing service a failure says is unreachable, if any: the caller should retry later. */
export type UnavailableDependency = 'metadata store' | 'object store';

/**
 * Classifies a failure as an outage of a backing service (503, retry) rather than a bug (500).
 * The object stores raise code 'object_store_unavailable'; the metadata store's driver errors are
 * recognised by isStoreConnectionFailure.
 */
export function unavailableDependency(err: unknown): UnavailableDependency | null {
  if ((err as { code?: unknown } | null)?.code === 'object_store_unavailable') return 'object store';
  if (isStoreConnectionFailure(err)) return 'metadata store';
  // SQLite still locked by another process after its busy timeout: contention that passes, so the
  // client should retry (503), not a fault in the request (500).
  if ((err as { code?: unknown } | null)?.code === 'SQLITE_BUSY') return 'metadata store';
  return null;
}
