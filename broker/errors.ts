/** The broker's expected failures, as values with codes; mailbox/ maps them to MESH errors. */

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
