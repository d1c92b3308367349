/** Where a family of migrations records itself: the message store's, or another's in the same database. */
export interface MigrationLedger {
  /** Table of applied versions (letters and underscores). */
  table: string;
  /** Names the family in errors, e.g. "database" or "demographic index". */
  label: string;
  /** PostgreSQL: advisory-lock name before the schema's, so two processes never migrate one family at once. */
  lockPrefix: string;
}

/** The message store's ledger (its table and lock name predate other families: unchanged). */
export const MESSAGE_STORE_LEDGER: MigrationLedger = { table: 'schema_migrations', label: 'database', lockPrefix: 'mesh-broker.migrate.' };

/** Ledger names are interpolated into SQL: plain names only. */
export function checkLedger(ledger: MigrationLedger): void {
  if (!/^[a-z_]+$/.test(ledger.table) || !/^[a-z.-]+$/.test(ledger.lockPrefix)) throw new Error(`migration ledger ${JSON.stringify(ledger)} has a name that is not plain`);
}
