/**
 * The demographic index's schema, for SQLite and PostgreSQL, versioned in its own table
 * (pds_schema_migrations) so it evolves independently of the message store it shares a database
 * with. Versions only ever grow; a released migration is never edited, only followed.
 */

import type Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import type { MigrationLedger } from '../../../broker/store/migration-ledger.js';
import { applyMigrations as applyPostgres } from '../../../broker/store/postgres/migrations.js';
import { applyMigrations as applySqlite } from '../../../broker/store/sqlite/migrations.js';

/** One schema step in both dialects. */
export interface PdsMigration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/*
 * pds_people holds one row per person; lists are JSON. death_status and its two companions are
 * written only by applyRegistrations, never by an import.
 * pds_name_keys holds each person's family-name phonetic keys with their birth year, the
 * alphanumeric trace's way in; the rows are replaced whenever the person is. SQLite refers to the
 * person by rowid, PostgreSQL by NHS number (see each dialect's comments for why).
 * Dates are YYYY-MM-DD text in both dialects (they order as dates do); times are epoch ms.
 */
export const pdsMigrations: readonly PdsMigration[] = [
  {
    version: 1,
    name: 'people, name keys, registrations',
    sqlite: `
      -- A rowid table, so new people are appended rather than scattered through a table
      -- clustered on random NHS numbers: an import batch then dirties few table pages, and the
      -- pages it writes per transaction (to the WAL, then the file) are mostly index pages.
      CREATE TABLE pds_people (
        person_id             INTEGER PRIMARY KEY,
        nhs_number            TEXT NOT NULL UNIQUE,
        given_names           TEXT NOT NULL,
        family_name           TEXT NOT NULL,
        previous_family_names TEXT NOT NULL,
        date_of_birth         TEXT NOT NULL,
        birth_year            INTEGER NOT NULL,
        gender                TEXT NOT NULL,
        address_lines         TEXT NOT NULL,
        postcode              TEXT,
        gp_practice_ods       TEXT,
        death_status          INTEGER NOT NULL DEFAULT 0,
        date_of_death         TEXT,
        death_registration_id TEXT,
        updated_at            INTEGER NOT NULL
      );
      CREATE INDEX pds_people_dob ON pds_people (date_of_birth);

      -- Keyed by the person's rowid, not their NHS number: new people's keys append, and each
      -- lookup entry is a few bytes smaller, which is what an import of a million people pays for.
      CREATE TABLE pds_name_keys (
        person_id  INTEGER NOT NULL,
        name_key   TEXT NOT NULL,
        birth_year INTEGER NOT NULL,
        PRIMARY KEY (person_id, name_key)
      ) WITHOUT ROWID;
      -- Ends in the primary key, so it covers a lookup: (name_key, birth_year, person_id).
      CREATE INDEX pds_name_keys_lookup ON pds_name_keys (name_key, birth_year);

      CREATE TABLE pds_registrations (
        registration_id     TEXT PRIMARY KEY,
        nhs_number          TEXT,
        record_version      TEXT NOT NULL,
        update_reason       INTEGER,
        cancelled           INTEGER NOT NULL,
        date_of_death       TEXT,
        prior_death_status  INTEGER NOT NULL,
        prior_date_of_death TEXT,
        source_message_id   TEXT NOT NULL,
        -- The adapter's own JSON record of its decision, replayed after a crash.
        outcome             TEXT,
        updated_at          INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
    postgres: `
      CREATE TABLE pds_people (
        nhs_number            TEXT COLLATE "C" PRIMARY KEY,
        given_names           JSONB NOT NULL,
        family_name           TEXT NOT NULL,
        previous_family_names JSONB NOT NULL,
        date_of_birth         TEXT COLLATE "C" NOT NULL,
        birth_year            INTEGER NOT NULL,
        gender                TEXT NOT NULL,
        address_lines         JSONB NOT NULL,
        postcode              TEXT,
        gp_practice_ods       TEXT,
        death_status          SMALLINT NOT NULL DEFAULT 0,
        date_of_death         TEXT,
        death_registration_id TEXT,
        updated_at            BIGINT NOT NULL
      );
      -- Keys and dates compare byte by byte ("C"), so an ORDER BY nhs_number is the same order
      -- SQLite and JavaScript use, whatever the database's locale.
      -- nhs_number in the key lets a trace take the first N of a birthday straight from the index.
      CREATE INDEX pds_people_dob ON pds_people (date_of_birth, nhs_number);

      -- No primary key: an update deletes a person's old keys and inserts the new ones in one
      -- statement, which a unique index on (nhs_number, name_key) would trip over.
      CREATE TABLE pds_name_keys (
        name_key   TEXT COLLATE "C" NOT NULL,
        birth_year INTEGER NOT NULL,
        nhs_number TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX pds_name_keys_lookup ON pds_name_keys (name_key, birth_year, nhs_number);
      CREATE INDEX pds_name_keys_person ON pds_name_keys (nhs_number);

      CREATE TABLE pds_registrations (
        registration_id     TEXT PRIMARY KEY,
        nhs_number          TEXT,
        record_version      TEXT NOT NULL,
        update_reason       SMALLINT,
        cancelled           BOOLEAN NOT NULL,
        date_of_death       TEXT,
        prior_death_status  SMALLINT NOT NULL,
        prior_date_of_death TEXT,
        source_message_id   TEXT NOT NULL,
        -- The adapter's own JSON record of its decision, replayed after a crash.
        outcome             TEXT,
        updated_at          BIGINT NOT NULL
      );
    `,
  },
];

/** The index's own ledger, so its versions never collide with the message store's. */
const PDS_LEDGER: MigrationLedger = { table: 'pds_schema_migrations', label: 'demographic index', lockPrefix: 'mesh-broker.pds-migrate.' };

/** Applies the SQLite migrations not yet applied, in one immediate transaction; returns the versions applied. */
export function applyPdsMigrationsSqlite(db: Database.Database, list: readonly PdsMigration[] = pdsMigrations): number[] {
  return applySqlite(db, list.map((m) => ({ version: m.version, name: m.name, sql: m.sqlite })), PDS_LEDGER);
}

/**
 * Applies the PostgreSQL migrations not yet applied, in one transaction under an advisory lock
 * per schema (so two processes starting at once do not both migrate); returns the versions applied.
 */
export function applyPdsMigrationsPostgres(client: PoolClient, list: readonly PdsMigration[] = pdsMigrations): Promise<number[]> {
  return applyPostgres(client, list.map((m) => ({ version: m.version, name: m.name, sql: m.postgres })), PDS_LEDGER);
}
