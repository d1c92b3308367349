/**
 * The MESH `Authorization` token (`NHSMESH mailbox:nonce:count:timestamp:hmac`).
 *
 * `meshHmac` and `formatMeshTimestamp` are pure so the server can import them to
 * verify tokens with exactly the same arithmetic the client uses to make them.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** The authentication scheme name; the single trailing space is part of the format. */
export const MESH_AUTH_SCHEME = 'NHSMESH ';

/** Lower-case hex HMAC-SHA256 of `mailbox:nonce:count:password:timestamp`, keyed by the shared key. */
export function meshHmac(
  sharedKey: string | Buffer,
  mailboxId: string,
  nonce: string,
  nonceCount: number | string,
  password: string,
  timestamp: string,
): string {
  const message = `${mailboxId}:${nonce}:${nonceCount}:${password}:${timestamp}`;
  return createHmac('sha256', typeof sharedKey === 'string' ? Buffer.from(sharedKey, 'utf8') : sharedKey)
    .update(message, 'utf8')
    .digest('hex');
}

/** Formats a date as the 12-digit UTC `yyyyMMddHHmm` used in MESH tokens. */
export function formatMeshTimestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    String(date.getUTCFullYear()).padStart(4, '0') +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes())
  );
}

/** Builds the full header value from its parts (no clock or randomness involved). */
export function formatMeshAuthToken(
  sharedKey: string | Buffer,
  mailboxId: string,
  nonce: string,
  nonceCount: number,
  password: string,
  timestamp: string,
): string {
  const hmac = meshHmac(sharedKey, mailboxId, nonce, nonceCount, password, timestamp);
  return `${MESH_AUTH_SCHEME}${mailboxId}:${nonce}:${nonceCount}:${timestamp}:${hmac}`;
}

/** Options for {@link AuthTokenGenerator}; `now` and `nonce` exist so tests can pin the output. */
export interface AuthTokenGeneratorOptions {
  sharedKey: string | Buffer;
  mailboxId: string;
  password: string;
  /** Defaults to a random UUID, as the Python client does once per MeshClient. */
  nonce?: string;
  /** Defaults to the wall clock. */
  now?: () => Date;
}

/**
 * Makes a fresh token per request: one nonce per instance, count starting at 0.
 * Real MESH rejects a repeated (mailbox, nonce, count), so never share tokens between requests.
 */
export class AuthTokenGenerator {
  readonly mailboxId: string;
  readonly nonce: string;
  private readonly sharedKey: string | Buffer;
  private readonly password: string;
  private readonly now: () => Date;
  private count = 0;

  /** Creates a generator for one mailbox's credentials. */
  constructor(options: AuthTokenGeneratorOptions) {
    this.sharedKey = options.sharedKey;
    this.mailboxId = options.mailboxId;
    this.password = options.password;
    this.nonce = options.nonce ?? randomUUID();
    this.now = options.now ?? (() => new Date());
  }

  /** The nonce count the next token will carry. */
  get nextCount(): number {
    return this.count;
  }

  /** Returns the next `Authorization` header value and advances the nonce count. */
  next(): string {
    const count = this.count;
    this.count += 1;
    return formatMeshAuthToken(
      this.sharedKey,
      this.mailboxId,
      this.nonce,
      count,
      this.password,
      formatMeshTimestamp(this.now()),
    );
  }
}
