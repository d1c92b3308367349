/**
 * The transport's expected failures, as values with codes, so callers (the outbox, health checks)
 * can tell "try again later" from a programming error without parsing messages.
 */

export type TransportErrorCode =
  /** No queue is bound for the envelope's adapter (start() was not given it). */
  | 'not_routable'
  /** Not connected, and no connection came back within the bounded wait. */
  | 'unavailable'
  /** Too many publishes already waiting; the caller's outbox keeps the work. */
  | 'backlog_full'
  /** The broker refused the message (nack) or the channel closed before confirming it. */
  | 'not_confirmed'
  /** The transport was closed. */
  | 'closed';

export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** Builds a TransportError; the one place transport code creates expected failures. */
export function transportError(code: TransportErrorCode, message: string, cause?: unknown): TransportError {
  return new TransportError(code, message, cause === undefined ? undefined : { cause });
}

/** Narrows an unknown rejection to a TransportError. */
export function isTransportError(err: unknown): err is TransportError {
  return err instanceof TransportError;
}
