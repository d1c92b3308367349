import type { DeathStatus, IndexedPerson, Person } from './person.js';

/**
 * What to fetch as trace candidates for one subject. A person is a candidate if any clause holds:
 * the NHS number is theirs, their date of birth is in `datesOfBirth`, or one of their family or
 * previous family name keys is in `nameKeys` and their birth year is in `birthYears`.
 */
export interface CandidateQuery {
  nhsNumber: string | null;
  /** Full dates (YYYY-MM-DD): the stated one and its day/month transposition, for example. */
  datesOfBirth: string[];
  /** Phonetic keys from names/name-keys.ts familyNameKeys(). */
  nameKeys: string[];
  birthYears: number[];
}

/** What the index remembers of one GRO registration, so amendments and replays find it again. */
export interface RegistrationState {
  registrationId: string;
  /** The person it was applied to, or null if it went to manual resolution. */
  nhsNumber: string | null;
  /** RecordLockedDateTime or RecordUpdateDateTime of the version last applied. */
  recordVersion: string;
  /** 1..5 for an update, null for the original record. */
  updateReason: number | null;
  cancelled: boolean;
  dateOfDeath: string | null;
  /** The person's death status before this registration set it, restored if it is cancelled. */
  priorDeathStatus: DeathStatus;
  priorDateOfDeath: string | null;
  /** The MESH message (GRO file) whose processing applied this version. */
  sourceMessageId: string;
  /**
   * The adapter's decision for this version (its own JSON), so a replay after a crash between the
   * index write and the commit of the outputs sends the same thing again.
   */
  outcome?: string | null;
  updatedAt: number;
}

/** A death status to set on a person, as one registration's outcome. */
export interface DeathChange {
  nhsNumber: string;
  status: DeathStatus;
  dateOfDeath: string | null;
  /** Registration that set it; null when a cancellation reverts it. */
  registrationId: string | null;
}

/** Counts from one upsertPeople() call. */
export interface UpsertResult {
  inserted: number;
  updated: number;
}

/**
 * A PDS-like demographic index kept in the metadata store (SQLite or PostgreSQL), with the same
 * contract on both (test/adapters/pds/demographic-index-contract.ts).
 */
export interface DemographicIndex {
  /** Inserts or updates people by NHS number in one transaction; death status is left as it was. */
  upsertPeople(people: readonly Person[]): Promise<UpsertResult>;
  getPerson(nhsNumber: string): Promise<IndexedPerson | null>;
  /** Candidates per query, in query order; at most `limitPerQuery` each (closest clauses first). */
  findCandidates(queries: readonly CandidateQuery[], limitPerQuery: number): Promise<IndexedPerson[][]>;
  /** Known registrations among `registrationIds`. */
  getRegistrations(registrationIds: readonly string[]): Promise<Map<string, RegistrationState>>;
  /** Records registration states and applies death changes, all in one transaction. Idempotent. */
  applyRegistrations(states: readonly RegistrationState[], deaths: readonly DeathChange[]): Promise<void>;
  /** Number of people in the index. */
  countPeople(): Promise<number>;
  /** Throws if the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
