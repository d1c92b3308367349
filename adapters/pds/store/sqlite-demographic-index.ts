/**
 * The demographic index in meshd's SQLite file, on a connection of its own. meshd writes to the
 * same file meanwhile, so every write is one short BEGIN IMMEDIATE transaction (one import batch,
 * one set of registrations) and waits up to the busy timeout for meshd's writer to finish; a
 * batch of trace queries reads one snapshot. Statements are prepared once per connection.
 */

import Database from 'better-sqlite3';
import type { CandidateQuery, DeathChange, DemographicIndex, RegistrationState, UpsertResult } from '../demographic-index.js';
import { familyNameKeys } from '../names/name-keys.js';
import type { DeathStatus, Gender, IndexedPerson, Person } from '../person.js';
import { applyPdsMigrationsSqlite } from './pds-migrations.js';

export interface SqliteDemographicIndexOptions {
  /** How long a write waits for another connection's lock before failing (default 30 s). */
  busyTimeoutMs?: number;
  /** Page cache of this connection in MiB (default 64): an import touches the whole people table. */
  cacheMiB?: number;
  /** Clock for updated_at (default Date.now). */
  now?: () => number;
}

interface PersonRow {
  nhs_number: string;
  given_names: string;
  family_name: string;
  previous_family_names: string;
  date_of_birth: string;
  gender: string;
  address_lines: string;
  postcode: string | null;
  gp_practice_ods: string | null;
  death_status: number;
  date_of_death: string | null;
  death_registration_id: string | null;
}

/** A lookup's row in raw mode: [nhs_number, person_id]. */
type LookupRow = [string, number];

interface IdRow {
  person_id: number;
}

interface RegistrationRow {
  registration_id: string;
  nhs_number: string | null;
  record_version: string;
  update_reason: number | null;
  cancelled: number;
  date_of_death: string | null;
  prior_death_status: number;
  prior_date_of_death: string | null;
  source_message_id: string;
  outcome: string | null;
  updated_at: number;
}

const PERSON_SELECT = `SELECT nhs_number, given_names, family_name, previous_family_names, date_of_birth, gender, address_lines,
  postcode, gp_practice_ods, death_status, date_of_death, death_registration_id FROM pds_people`;

const SQL = {
  insertPerson: `INSERT INTO pds_people (nhs_number, given_names, family_name, previous_family_names, date_of_birth, birth_year,
      gender, address_lines, postcode, gp_practice_ods, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (nhs_number) DO NOTHING RETURNING person_id`,
  // Death status is not in the list: imports never touch it.
  updatePerson: `UPDATE pds_people SET given_names = ?, family_name = ?, previous_family_names = ?, date_of_birth = ?, birth_year = ?,
      gender = ?, address_lines = ?, postcode = ?, gp_practice_ods = ?, updated_at = ?
    WHERE nhs_number = ? RETURNING person_id`,
  deleteKeys: 'DELETE FROM pds_name_keys WHERE person_id = ?',
  insertKey: 'INSERT OR IGNORE INTO pds_name_keys (person_id, name_key, birth_year) VALUES (?, ?, ?)',
  getPerson: `${PERSON_SELECT} WHERE nhs_number = ?`,
  getPersonById: `${PERSON_SELECT} WHERE person_id = ?`,
  personExists: 'SELECT 1 FROM pds_people WHERE nhs_number = ?',
  // Lookups give [nhs_number, person_id]: the number orders candidates, the rowid fetches them.
  byNhsNumber: 'SELECT nhs_number, person_id FROM pds_people WHERE nhs_number = ?',
  byDateOfBirth: 'SELECT nhs_number, person_id FROM pds_people WHERE date_of_birth = ? ORDER BY nhs_number LIMIT ?',
  byNameKey: `SELECT p.nhs_number, p.person_id FROM pds_name_keys k JOIN pds_people p ON p.person_id = k.person_id
    WHERE k.name_key = ? AND k.birth_year = ? ORDER BY p.nhs_number LIMIT ?`,
  // Only a real change is written, so replaying the same registrations leaves every row as it was.
  setDeath: `UPDATE pds_people SET death_status = ?, date_of_death = ?, death_registration_id = ?, updated_at = ?
    WHERE nhs_number = ? AND (death_status IS NOT ? OR date_of_death IS NOT ? OR death_registration_id IS NOT ?)`,
  upsertRegistration: `INSERT INTO pds_registrations (registration_id, nhs_number, record_version, update_reason, cancelled, date_of_death,
      prior_death_status, prior_date_of_death, source_message_id, outcome, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (registration_id) DO UPDATE SET nhs_number = excluded.nhs_number, record_version = excluded.record_version,
      update_reason = excluded.update_reason, cancelled = excluded.cancelled, date_of_death = excluded.date_of_death,
      prior_death_status = excluded.prior_death_status, prior_date_of_death = excluded.prior_date_of_death,
      source_message_id = excluded.source_message_id, outcome = excluded.outcome, updated_at = excluded.updated_at`,
  getRegistration: `SELECT registration_id, nhs_number, record_version, update_reason, cancelled, date_of_death, prior_death_status,
      prior_date_of_death, source_message_id, outcome, updated_at FROM pds_registrations WHERE registration_id = ?`,
  countPeople: 'SELECT count(*) AS n FROM pds_people',
} as const;

type Statements = { [K in keyof typeof SQL]: Database.Statement };

/** A person's row values and name keys, worked out before the transaction so it holds the lock only to write. */
interface PreparedPerson {
  nhsNumber: string;
  values: [string, string, string, string, number, string, string, string | null, string | null];
  birthYear: number;
  keys: string[];
}

/** DemographicIndex on SQLite (better-sqlite3, WAL). */
export class SqliteDemographicIndex implements DemographicIndex {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly sql: Statements;

  private constructor(db: Database.Database, now: () => number) {
    this.db = db;
    this.now = now;
    this.sql = Object.fromEntries(Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)])) as Statements;
    for (const lookup of [this.sql.byNhsNumber, this.sql.byDateOfBirth, this.sql.byNameKey]) lookup.raw();
  }

  /** Opens the database at `path` (creating it if needed) and migrates the index's tables. */
  static async open(path: string, opts: SqliteDemographicIndexOptions = {}): Promise<SqliteDemographicIndex> {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      // FULL, as the message store: a recorded death must survive a power cut once the GP is told.
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 30_000))}`);
      db.pragma(`cache_size = ${-1024 * Math.max(2, Math.floor(opts.cacheMiB ?? 64))}`);
      applyPdsMigrationsSqlite(db);
      return new SqliteDemographicIndex(db, opts.now ?? Date.now);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async upsertPeople(people: readonly Person[]): Promise<UpsertResult> {
    const prepared = people.map(preparePerson);
    const now = this.now();
    const write = this.db.transaction((): UpsertResult => {
      let inserted = 0;
      for (const p of prepared) {
        const [given, family, previous, dob, year, gender, address, postcode, ods] = p.values;
        const added = this.sql.insertPerson.get(p.nhsNumber, given, family, previous, dob, year, gender, address, postcode, ods, now) as IdRow | undefined;
        let personId: number;
        if (added !== undefined) {
          inserted++;
          personId = added.person_id;
        } else {
          personId = (this.sql.updatePerson.get(given, family, previous, dob, year, gender, address, postcode, ods, now, p.nhsNumber) as IdRow).person_id;
          this.sql.deleteKeys.run(personId);
        }
        for (const key of p.keys) this.sql.insertKey.run(personId, key, p.birthYear);
      }
      return { inserted, updated: prepared.length - inserted };
    });
    return write.immediate();
  }

  async getPerson(nhsNumber: string): Promise<IndexedPerson | null> {
    const row = this.sql.getPerson.get(nhsNumber) as PersonRow | undefined;
    return row ? rowToPerson(row) : null;
  }

  async findCandidates(queries: readonly CandidateQuery[], limitPerQuery: number): Promise<IndexedPerson[][]> {
    checkLimit(limitPerQuery);
    // One read transaction: every query of the batch sees the same snapshot.
    const read = this.db.transaction((): IndexedPerson[][] => queries.map((q) => this.candidatesFor(q, limitPerQuery)));
    return read.deferred();
  }

  async getRegistrations(registrationIds: readonly string[]): Promise<Map<string, RegistrationState>> {
    const read = this.db.transaction((): Map<string, RegistrationState> => {
      const found = new Map<string, RegistrationState>();
      for (const id of new Set(registrationIds)) {
        const row = this.sql.getRegistration.get(id) as RegistrationRow | undefined;
        if (row) found.set(id, rowToRegistration(row));
      }
      return found;
    });
    return read.deferred();
  }

  async applyRegistrations(states: readonly RegistrationState[], deaths: readonly DeathChange[]): Promise<void> {
    const now = this.now();
    const write = this.db.transaction((): void => {
      for (const s of states) {
        this.sql.upsertRegistration.run(
          s.registrationId, s.nhsNumber, s.recordVersion, s.updateReason, s.cancelled ? 1 : 0, s.dateOfDeath,
          s.priorDeathStatus, s.priorDateOfDeath, s.sourceMessageId, s.outcome ?? null, s.updatedAt,
        );
      }
      for (const d of deaths) {
        const changed = this.sql.setDeath.run(d.status, d.dateOfDeath, d.registrationId, now, d.nhsNumber, d.status, d.dateOfDeath, d.registrationId);
        // Throwing rolls back the whole call: nothing of a batch is half-applied.
        if (changed.changes === 0 && this.sql.personExists.get(d.nhsNumber) === undefined) {
          throw new Error(`death change for NHS number ${d.nhsNumber}, who is not in the demographic index`);
        }
      }
    });
    write.immediate();
  }

  async countPeople(): Promise<number> {
    return (this.sql.countPeople.get() as { n: number }).n;
  }

  async ping(): Promise<void> {
    // Throws once the database is closed or its file is unreadable.
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** The connection's settings in force, for diagnostics and tests. */
  settings(): { journalMode: string; synchronous: number; busyTimeoutMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  /**
   * One query's candidates: its NHS number's person, then people born on each date in the order
   * given, then people under each name key (in order) born in one of the years; each person once,
   * at their first place, the rest of a place by NHS number. Each lookup fetches at most `limit`
   * (in NHS number order), which is enough: a lookup cut short already fills the list on its own.
   */
  private candidatesFor(q: CandidateQuery, limit: number): IndexedPerson[] {
    if (limit === 0) return [];
    /** Best rank and rowid per NHS number. */
    const found = new Map<string, { rank: number; personId: number }>();
    const note = (hits: unknown[], rank: number): void => {
      for (const [nhsNumber, personId] of hits as LookupRow[]) {
        const best = found.get(nhsNumber);
        if (best === undefined || rank < best.rank) found.set(nhsNumber, { rank, personId });
      }
    };
    if (q.nhsNumber !== null) note(this.sql.byNhsNumber.all(q.nhsNumber), 0);
    const dates = [...new Set(q.datesOfBirth)];
    dates.forEach((dob, i) => note(this.sql.byDateOfBirth.all(dob, limit), 1 + i));
    const years = [...new Set(q.birthYears)];
    [...new Set(q.nameKeys)].forEach((key, i) => {
      for (const year of years) note(this.sql.byNameKey.all(key, year, limit), 1 + dates.length + i);
    });
    const chosen = [...found].sort((a, b) => a[1].rank - b[1].rank || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, limit);
    return chosen.map(([, hit]) => rowToPerson(this.sql.getPersonById.get(hit.personId) as PersonRow));
  }
}

function preparePerson(p: Person): PreparedPerson {
  const birthYear = Number(p.dateOfBirth.slice(0, 4));
  return {
    nhsNumber: p.nhsNumber,
    values: [
      JSON.stringify(p.givenNames), p.familyName, JSON.stringify(p.previousFamilyNames), p.dateOfBirth, birthYear, p.gender,
      JSON.stringify(p.addressLines), p.postcode, p.gpPracticeOds,
    ],
    birthYear,
    keys: familyNameKeys([p.familyName, ...p.previousFamilyNames]),
  };
}

function rowToPerson(row: PersonRow): IndexedPerson {
  return {
    nhsNumber: row.nhs_number,
    givenNames: JSON.parse(row.given_names) as string[],
    familyName: row.family_name,
    previousFamilyNames: JSON.parse(row.previous_family_names) as string[],
    dateOfBirth: row.date_of_birth,
    gender: row.gender as Gender,
    addressLines: JSON.parse(row.address_lines) as string[],
    postcode: row.postcode,
    gpPracticeOds: row.gp_practice_ods,
    deathStatus: row.death_status as DeathStatus,
    dateOfDeath: row.date_of_death,
    deathRegistrationId: row.death_registration_id,
  };
}

function rowToRegistration(row: RegistrationRow): RegistrationState {
  return {
    registrationId: row.registration_id,
    nhsNumber: row.nhs_number,
    recordVersion: row.record_version,
    updateReason: row.update_reason,
    cancelled: row.cancelled === 1,
    dateOfDeath: row.date_of_death,
    priorDeathStatus: row.prior_death_status as DeathStatus,
    priorDateOfDeath: row.prior_date_of_death,
    sourceMessageId: row.source_message_id,
    outcome: row.outcome,
    updatedAt: row.updated_at,
  };
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limitPerQuery must be a non-negative integer, got ${limit}`);
}
