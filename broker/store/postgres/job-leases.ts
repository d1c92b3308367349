/**
 * Cluster job leases on PostgreSQL: one statement each, so every node's attempt is atomic on its
 * own and racing nodes need no lock of ours.
 */

import type { Queryable } from './queries.js';

/**
 * Insert the lease, or take over the existing row only if it has expired or is already ours.
 * Under READ COMMITTED a conflicting attempt waits for the other's row lock, then re-checks the
 * WHERE against the row that committed, so of nodes racing for one lease exactly one gets a row back.
 */
const ACQUIRE = `
  INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
  WHERE job_leases.expires_at <= $4 OR job_leases.holder = EXCLUDED.holder
  RETURNING holder`;

/** Takes or renews `job`'s lease for `holder` until now + ttlMs; true if it now holds it. */
export async function acquireJobLease(db: Queryable, job: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  // BIGINT parameters: a fractional clock reading would fail the cast.
  const r = await db.query(ACQUIRE, [job, holder, Math.floor(now + ttlMs), Math.floor(now)]);
  return r.rowCount === 1;
}

/** Deletes `job`'s lease if `holder` holds it. */
export async function releaseJobLease(db: Queryable, job: string, holder: string): Promise<void> {
  await db.query('DELETE FROM job_leases WHERE job = $1 AND holder = $2', [job, holder]);
}
