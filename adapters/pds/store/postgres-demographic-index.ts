/**
 * The demographic index in meshd's PostgreSQL schema, on a small pool of its own. Batches are
 * single statements over unnest()ed arrays: an import batch is one upsert round trip, and a
 * batch of trace queries (the death adapter sends hundreds at once) is one query.
 */

import pg from 'pg';
import { openSchemaPool } from '../../../broker/store/postgres/schema-pool.js';
import type { CandidateQuery, DeathChange, DemographicIndex, RegistrationState, UpsertResult } from '../demographic-index.js';
import { familyNameKeys } from '../names/name-keys.js';
import type { DeathStatus, Gender, IndexedPerson, Person } from '../person.js';
import { applyPdsMigrationsPostgres } from './pds-migrations.js';

export interface PostgresDemographicIndexOptions {
  /** Schema holding the tables (created if missing); default the server's search_path. */
  schema?: string;
  /** Most pooled connections (default 4: the message store has its own pool). */
  poolMax?: number;
  /** Longest wait for a new connection before a call fails (default 5 s). */
  connectTimeoutMs?: number;
  /** Clock for updated_at (default Date.now). */
  now?: () => number;
}

interface PersonRow {
  nhs_number: string;
  given_names: string[];
  family_name: string;
  previous_family_names: string[];
  date_of_birth: string;
  gender: string;
  address_lines: string[];
  postcode: string | null;
  gp_practice_ods: string | null;
  death_status: number;
  date_of_death: string | null;
  death_registration_id: string | null;
}

interface RegistrationRow {
  registration_id: string;
  nhs_number: string | null;
  record_version: string;
  update_reason: number | null;
  cancelled: boolean;
  date_of_death: string | null;
  prior_death_status: number;
  prior_date_of_death: string | null;
  source_message_id: string;
  outcome: string | null;
  updated_at: number;
}

const PERSON_COLUMNS = `p.nhs_number, p.given_names, p.family_name, p.previous_family_names, p.date_of_birth, p.gender, p.address_lines,
  p.postcode, p.gp_practice_ods, p.death_status, p.date_of_death, p.death_registration_id`;

/**
 * Upserts a batch and replaces the name keys of the people it updated, in one statement. The
 * sub-statements share one snapshot, so `dropped` sees only keys from before this statement and
 * never the ones `keyed` adds. xmax = 0 marks a row the statement inserted rather than updated.
 */
const UPSERT_PEOPLE = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[])
      AS t(nhs_number, given_names, family_name, previous_family_names, date_of_birth, birth_year, gender, address_lines, postcode, gp_practice_ods)
  ), upserted AS (
    INSERT INTO pds_people AS p (nhs_number, given_names, family_name, previous_family_names, date_of_birth, birth_year, gender,
      address_lines, postcode, gp_practice_ods, updated_at)
    SELECT nhs_number, given_names::jsonb, family_name, previous_family_names::jsonb, date_of_birth, birth_year, gender,
      address_lines::jsonb, postcode, gp_practice_ods, $11::bigint
    FROM input
    ON CONFLICT (nhs_number) DO UPDATE SET given_names = excluded.given_names, family_name = excluded.family_name,
      previous_family_names = excluded.previous_family_names, date_of_birth = excluded.date_of_birth, birth_year = excluded.birth_year,
      gender = excluded.gender, address_lines = excluded.address_lines, postcode = excluded.postcode,
      gp_practice_ods = excluded.gp_practice_ods, updated_at = excluded.updated_at
    RETURNING p.nhs_number, (p.xmax = 0) AS inserted
  ), dropped AS (
    -- = ANY(ARRAY(...)) keeps this to index lookups per updated person; a join lets the planner,
    -- without statistics on a freshly loaded table, pick a merge join over the whole index.
    DELETE FROM pds_name_keys k WHERE k.nhs_number = ANY(ARRAY(SELECT nhs_number FROM upserted WHERE NOT inserted))
  ), keyed AS (
    INSERT INTO pds_name_keys (name_key, birth_year, nhs_number) SELECT * FROM unnest($12::text[], $13::int[], $14::text[])
  )
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted FROM upserted`;

/**
 * Candidates for a batch of queries (numbered by `ord`) in one round trip. Every lookup (an NHS
 * number, a date of birth, a name key in a birth year) carries a rank, the place of its clause in
 * the query; each lateral lookup takes at most $10 in NHS number order, which is enough, since a
 * lookup cut short fills the list by itself. A person keeps their best rank; each query keeps $10.
 */
const FIND_CANDIDATES = `
  WITH hits AS (
    SELECT q.ord, 0 AS rank, p.nhs_number
      FROM unnest($1::int[], $2::text[]) AS q(ord, nhs_number) JOIN pds_people p ON p.nhs_number = q.nhs_number
    UNION ALL
    SELECT d.ord, d.rank, m.nhs_number
      FROM unnest($3::int[], $4::int[], $5::text[]) AS d(ord, rank, dob)
      CROSS JOIN LATERAL (SELECT nhs_number FROM pds_people WHERE date_of_birth = d.dob ORDER BY nhs_number LIMIT $10::int) m
    UNION ALL
    SELECT k.ord, k.rank, m.nhs_number
      FROM unnest($6::int[], $7::int[], $8::text[], $9::int[]) AS k(ord, rank, name_key, birth_year)
      CROSS JOIN LATERAL (SELECT nhs_number FROM pds_name_keys
                          WHERE name_key = k.name_key AND birth_year = k.birth_year ORDER BY nhs_number LIMIT $10::int) m
  ), best AS (
    SELECT ord, nhs_number, min(rank) AS rank FROM hits GROUP BY ord, nhs_number
  ), ranked AS (
    SELECT ord, nhs_number, row_number() OVER (PARTITION BY ord ORDER BY rank, nhs_number) AS n FROM best
  )
  SELECT r.ord, ${PERSON_COLUMNS}
  FROM ranked r JOIN pds_people p ON p.nhs_number = r.nhs_number
  WHERE r.n <= $10::int
  ORDER BY r.ord, r.n`;

const UPSERT_REGISTRATIONS = `
  INSERT INTO pds_registrations AS r (registration_id, nhs_number, record_version, update_reason, cancelled, date_of_death,
    prior_death_status, prior_date_of_death, source_message_id, outcome, updated_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::boolean[], $6::text[], $7::smallint[], $8::text[],
    $9::text[], $10::text[], $11::bigint[])
  ON CONFLICT (registration_id) DO UPDATE SET nhs_number = excluded.nhs_number, record_version = excluded.record_version,
    update_reason = excluded.update_reason, cancelled = excluded.cancelled, date_of_death = excluded.date_of_death,
    prior_death_status = excluded.prior_death_status, prior_date_of_death = excluded.prior_date_of_death,
    source_message_id = excluded.source_message_id, outcome = excluded.outcome, updated_at = excluded.updated_at
  WHERE (r.nhs_number, r.record_version, r.update_reason, r.cancelled, r.date_of_death, r.prior_death_status,
         r.prior_date_of_death, r.source_message_id, r.outcome, r.updated_at)
    IS DISTINCT FROM (excluded.nhs_number, excluded.record_version, excluded.update_reason, excluded.cancelled,
         excluded.date_of_death, excluded.prior_death_status, excluded.prior_date_of_death, excluded.source_message_id,
         excluded.outcome, excluded.updated_at)`;

/** Sets death statuses that differ (so a replay writes nothing) and returns the NHS numbers not in the index. */
const APPLY_DEATHS = `
  WITH d AS (
    SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[]) AS d(nhs_number, status, date_of_death, registration_id)
  ), changed AS (
    UPDATE pds_people p SET death_status = d.status, date_of_death = d.date_of_death, death_registration_id = d.registration_id,
      updated_at = $5::bigint
    FROM d
    WHERE p.nhs_number = d.nhs_number
      AND (p.death_status, p.date_of_death, p.death_registration_id) IS DISTINCT FROM (d.status, d.date_of_death, d.registration_id)
    RETURNING p.nhs_number
  )
  SELECT d.nhs_number FROM d WHERE NOT EXISTS (SELECT 1 FROM pds_people p WHERE p.nhs_number = d.nhs_number)`;

const REGISTRATION_COLUMNS = `registration_id, nhs_number, record_version, update_reason, cancelled, date_of_death, prior_death_status,
  prior_date_of_death, source_message_id, outcome, updated_at`;


/** Bound on a readiness probe's query, so a probe against a dead link frees its pooled client. */
const PING_TIMEOUT_MS = 5_000;

/** DemographicIndex on PostgreSQL through a pg Pool of its own. */
export class PostgresDemographicIndex implements DemographicIndex {
  private readonly pool: pg.Pool;
  private readonly now: () => number;
  private closed = false;

  private constructor(pool: pg.Pool, now: () => number) {
    this.pool = pool;
    this.now = now;
  }

  /** Connects to `url`, creates `opts.schema` if it is missing, and migrates the index's tables. */
  static async open(url: string, opts: PostgresDemographicIndexOptions = {}): Promise<PostgresDemographicIndex> {
    // JIT off: these are short statements whose cost estimates (over unnest()ed arrays) often cross
    // the JIT threshold, and compiling them costs more than running them.
    const pool = await openSchemaPool(url, {
      poolMax: opts.poolMax ?? 4,
      settings: ['jit=off'],
      ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    });
    try {
      const client = await pool.connect();
      try {
        await applyPdsMigrationsPostgres(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresDemographicIndex(pool, opts.now ?? Date.now);
  }

  async upsertPeople(people: readonly Person[]): Promise<UpsertResult> {
    if (people.length === 0) return { inserted: 0, updated: 0 };
    // One statement cannot update a row twice, so a number repeated in the batch keeps its last
    // version; the earlier ones count as updates, as they would one at a time.
    const latest = new Map<string, Person>();
    for (const p of people) latest.set(p.nhsNumber, p);
    const cols: [string[], string[], string[], string[], string[], number[], string[], string[], Array<string | null>, Array<string | null>] =
      [[], [], [], [], [], [], [], [], [], []];
    const keyCols: [string[], number[], string[]] = [[], [], []];
    for (const p of latest.values()) {
      const birthYear = Number(p.dateOfBirth.slice(0, 4));
      cols[0].push(p.nhsNumber);
      cols[1].push(JSON.stringify(p.givenNames));
      cols[2].push(p.familyName);
      cols[3].push(JSON.stringify(p.previousFamilyNames));
      cols[4].push(p.dateOfBirth);
      cols[5].push(birthYear);
      cols[6].push(p.gender);
      cols[7].push(JSON.stringify(p.addressLines));
      cols[8].push(p.postcode);
      cols[9].push(p.gpPracticeOds);
      for (const key of familyNameKeys([p.familyName, ...p.previousFamilyNames])) {
        keyCols[0].push(key);
        keyCols[1].push(birthYear);
        keyCols[2].push(p.nhsNumber);
      }
    }
    const { rows } = await this.pool.query<{ inserted: number }>(UPSERT_PEOPLE, [...cols, this.now(), ...keyCols]);
    const inserted = rows[0]?.inserted ?? 0;
    return { inserted, updated: people.length - inserted };
  }

  async getPerson(nhsNumber: string): Promise<IndexedPerson | null> {
    const { rows } = await this.pool.query<PersonRow>(`SELECT ${PERSON_COLUMNS} FROM pds_people p WHERE p.nhs_number = $1`, [nhsNumber]);
    return rows[0] ? rowToPerson(rows[0]) : null;
  }

  async findCandidates(queries: readonly CandidateQuery[], limitPerQuery: number): Promise<IndexedPerson[][]> {
    if (!Number.isInteger(limitPerQuery) || limitPerQuery < 0) throw new RangeError(`limitPerQuery must be a non-negative integer, got ${limitPerQuery}`);
    const result: IndexedPerson[][] = queries.map(() => []);
    if (queries.length === 0 || limitPerQuery === 0) return result;
    const nq: [number[], string[]] = [[], []];
    const dq: [number[], number[], string[]] = [[], [], []];
    const kq: [number[], number[], string[], number[]] = [[], [], [], []];
    queries.forEach((q, ord) => {
      if (q.nhsNumber !== null) {
        nq[0].push(ord);
        nq[1].push(q.nhsNumber);
      }
      const dates = [...new Set(q.datesOfBirth)];
      dates.forEach((dob, i) => {
        dq[0].push(ord);
        dq[1].push(1 + i);
        dq[2].push(dob);
      });
      const years = [...new Set(q.birthYears)];
      [...new Set(q.nameKeys)].forEach((key, i) => {
        for (const year of years) {
          kq[0].push(ord);
          kq[1].push(1 + dates.length + i);
          kq[2].push(key);
          kq[3].push(year);
        }
      });
    });
    const { rows } = await this.pool.query<PersonRow & { ord: number }>(FIND_CANDIDATES, [...nq, ...dq, ...kq, limitPerQuery]);
    for (const row of rows) result[row.ord]!.push(rowToPerson(row));
    return result;
  }

  async getRegistrations(registrationIds: readonly string[]): Promise<Map<string, RegistrationState>> {
    const found = new Map<string, RegistrationState>();
    if (registrationIds.length === 0) return found;
    const { rows } = await this.pool.query<RegistrationRow>(
      `SELECT ${REGISTRATION_COLUMNS} FROM pds_registrations WHERE registration_id = ANY($1::text[])`,
      [[...new Set(registrationIds)]],
    );
    for (const row of rows) found.set(row.registration_id, rowToRegistration(row));
    return found;
  }

  async applyRegistrations(states: readonly RegistrationState[], deaths: readonly DeathChange[]): Promise<void> {
    if (states.length === 0 && deaths.length === 0) return;
    // Later entries win, as they would applied one by one; a single statement takes each row once.
    const lastStates = [...new Map(states.map((s) => [s.registrationId, s])).values()];
    const lastDeaths = [...new Map(deaths.map((d) => [d.nhsNumber, d])).values()];
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        if (lastStates.length > 0) {
          await client.query(UPSERT_REGISTRATIONS, [
            lastStates.map((s) => s.registrationId), lastStates.map((s) => s.nhsNumber), lastStates.map((s) => s.recordVersion),
            lastStates.map((s) => s.updateReason), lastStates.map((s) => s.cancelled), lastStates.map((s) => s.dateOfDeath),
            lastStates.map((s) => s.priorDeathStatus), lastStates.map((s) => s.priorDateOfDeath),
            lastStates.map((s) => s.sourceMessageId), lastStates.map((s) => s.outcome ?? null), lastStates.map((s) => s.updatedAt),
          ]);
        }
        if (lastDeaths.length > 0) {
          const { rows } = await client.query<{ nhs_number: string }>(APPLY_DEATHS, [
            lastDeaths.map((d) => d.nhsNumber), lastDeaths.map((d) => d.status), lastDeaths.map((d) => d.dateOfDeath),
            lastDeaths.map((d) => d.registrationId), this.now(),
          ]);
          // Rolling back: nothing of a batch is half-applied.
          if (rows.length > 0) throw new Error(`death change for NHS number ${rows[0]!.nhs_number}, who is not in the demographic index`);
        }
        await client.query('COMMIT');
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable: drop it rather than return it to the pool.
          broken = rollbackErr as Error;
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  async countPeople(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM pds_people');
    return rows[0]?.n ?? 0;
  }

  async ping(): Promise<void> {
    await this.pool.query({ text: 'SELECT 1', query_timeout: PING_TIMEOUT_MS } as pg.QueryConfig);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * CREATE SCHEMA IF NOT EXISTS, tolerating a process that creates it at the same moment (meshd
 * and `meshd pds import` starting together): IF NOT EXISTS alone still fails that race with a
 * unique violation on the schema's name.
 */
function rowToPerson(row: PersonRow): IndexedPerson {
  return {
    nhsNumber: row.nhs_number,
    givenNames: row.given_names,
    familyName: row.family_name,
    previousFamilyNames: row.previous_family_names,
    dateOfBirth: row.date_of_birth,
    gender: row.gender as Gender,
    addressLines: row.address_lines,
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
    cancelled: row.cancelled,
    dateOfDeath: row.date_of_death,
    priorDeathStatus: row.prior_death_status as DeathStatus,
    priorDateOfDeath: row.prior_date_of_death,
    sourceMessageId: row.source_message_id,
    outcome: row.outcome,
    updatedAt: row.updated_at,
  };
}
