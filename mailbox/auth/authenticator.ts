import { timingSafeEqual } from 'node:crypto';
import type { Directory, Mailbox } from '../../broker/directory/directory.js';
import type { MessageStore } from '../../broker/store/message-store.js';
import { meshHmac } from '../client/auth-token.js';
import { meshErrors } from '../errors/mesh-errors.js';

const TOKEN = /^NHSMESH ([^:\s]{1,100}):([^:\s]{1,100}):(\d{1,12}):(\d{12}):([0-9a-fA-F]{64})$/;

/** A verified token: who it is and which nonce it used (so a retryable failure can give the nonce back). */
export interface Authenticated {
  mailbox: Mailbox;
  nonce: { mailboxId: string; nonce: string; nonceCount: string };
}

export interface AuthenticatorOptions {
  directory: Directory;
  store: MessageStore;
  sharedKey: string;
  maxClockSkewMinutes: number;
  now?: () => number;
}

/**
 * Verifies `Authorization: NHSMESH mailbox:nonce:count:timestamp:hmac` (HMAC-SHA256 with the shared
 * key over mailbox:nonce:count:password:timestamp). Every failure is a 403.
 * A token is single-use: its (mailbox, nonce, count) is recorded durably before the request proceeds.
 */
export class Authenticator {
  private readonly now: () => number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Verifies the header for a request on `pathMailboxId`; throws a 403 MeshHttpError. */
  async authenticate(header: string | undefined, pathMailboxId: string): Promise<Authenticated> {
    if (!header) throw meshErrors.forbidden('missing Authorization header');
    const m = TOKEN.exec(header.trim());
    if (!m) throw meshErrors.forbidden('unparsable Authorization header');
    const [, tokenMailbox, nonce, nonceCount, timestamp, hmac] = m as unknown as [string, string, string, string, string, string];
    const mailbox = this.opts.directory.getMailbox(tokenMailbox);
    if (!mailbox) throw meshErrors.noMailboxMatched(tokenMailbox);
    if (!mailbox.active) throw meshErrors.forbidden(`mailbox ${mailbox.mailboxId} is not active`);
    if (mailbox.mailboxId !== pathMailboxId.toUpperCase()) throw meshErrors.forbidden(`token mailbox ${tokenMailbox} does not match path mailbox ${pathMailboxId}`);
    const expected = meshHmac(this.opts.sharedKey, tokenMailbox, nonce, nonceCount, mailbox.password, timestamp);
    if (!sameHex(expected, hmac)) throw meshErrors.forbidden(`bad HMAC for ${mailbox.mailboxId}`);
    const issuedAt = parseMeshTimestamp(timestamp);
    const skewMs = this.opts.maxClockSkewMinutes * 60_000;
    if (issuedAt === null || Math.abs(this.now() - issuedAt) > skewMs) throw meshErrors.forbidden(`token timestamp ${timestamp} outside the allowed clock skew`);
    // Tokens older than the skew window are refused anyway, so the nonce need only be kept that long.
    const fresh = await this.opts.store.recordNonce(mailbox.mailboxId, nonce, nonceCount, issuedAt + skewMs + 60_000);
    if (!fresh) throw meshErrors.forbidden(`replayed token ${mailbox.mailboxId}:${nonce}:${nonceCount}`);
    return { mailbox, nonce: { mailboxId: mailbox.mailboxId, nonce, nonceCount } };
  }

  /**
   * Frees a token whose request failed in a way clients retry (429, 5xx): python mesh_client's urllib3
   * retries resend the very same token, which must not then be refused as a replay.
   */
  async release(auth: Authenticated): Promise<void> {
    await this.opts.store.releaseNonce(auth.nonce.mailboxId, auth.nonce.nonce, auth.nonce.nonceCount);
  }
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses MESH's UTC `yyyyMMddHHmm`; null if it is not a real time. */
export function parseMeshTimestamp(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return null;
  return t;
}
