/**
 * Cluster job leases on SQLite. Each statement runs as one WriteBatcher op, inside the batch's
 * BEGIN IMMEDIATE transaction, so it is atomic against this process's other writes and against
 * other processes sharing the database file.
 */

import type Database from 'better-sqlite3';

/** Insert the lease, or take over the existing row only if it has expired or is already ours. */
const ACQUIRE = `
  INSERT INTO job_leases (job, holder, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE job_leases.expires_at <= ? OR job_leases.holder = excluded.holder`;

/** Takes or renews `job`'s lease for `holder` until now + ttlMs; true if it now holds it. Run inside a batch op. */
export function acquireJobLease(stmt: (sql: string) => Database.Statement, job: string, holder: string, now: number, ttlMs: number): boolean {
  // An upsert whose WHERE refuses the update changes no row.
  return stmt(ACQUIRE).run(job, holder, Math.floor(now + ttlMs), Math.floor(now)).changes === 1;
}

/** Deletes `job`'s lease if `holder` holds it. Run inside a batch op. */
export function releaseJobLease(stmt: (sql: string) => Database.Statement, job: string, holder: string): void {
  stmt('DELETE FROM job_leases WHERE job = ? AND holder = ?').run(job, holder);
}
