/**
 * Telling "the database is unreachable" apart from "this query is wrong". The first is a 503 the
 * client should retry (and the store recovers by itself as the pool reconnects); the second is a
 * bug, a 500. Only failures of the connection itself count: a constraint violation is never one.
 */

import { isNetworkErrno } from '../network-errors.js';

/**
 * PostgreSQL SQLSTATEs of a server that is down, starting, stopping or full: class 08
 * (connection exception), 57P01..57P03 (admin/crash shutdown, cannot connect now), 53300
 * (too many connections).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** node-postgres's own messages for a connection lost or never made (it gives them no code). */
const PG_CONNECTION_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/, /^Connection ended unexpectedly/];

/** True when `err` says the metadata database could not be reached, not that a query failed. */
export function isStoreConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (isNetworkErrno(code) || (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)))) return true;
  if (PG_CONNECTION_MESSAGES.some((re) => re.test(err.message))) return true;
  // AggregateError: net.connect tried several addresses (IPv4 and IPv6 for "localhost").
  if (err instanceof AggregateError) return err.errors.some(isStoreConnectionFailure);
  return false;
}
