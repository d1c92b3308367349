/** Administrative gender as the index records it (PDS's four values). */
export type Gender = 'male' | 'female' | 'other' | 'unknown';

/** PDS death notification status: 0 none, 1 informal (local organisation), 2 formal (registrar). */
export type DeathStatus = 0 | 1 | 2;

/** One person as imported: exactly the fields of a `meshd pds import` line. */
export interface Person {
  /** 10 digits, Modulus 11 valid. */
  nhsNumber: string;
  /** At least one; the first is the usual given name. */
  givenNames: string[];
  familyName: string;
  previousFamilyNames: string[];
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  gender: Gender;
  addressLines: string[];
  /** Normalised UK postcode ("LS1 4AP"), or null for no fixed abode. */
  postcode: string | null;
  /** ODS code of the registered GP practice, or null when not registered. */
  gpPracticeOds: string | null;
}

/** A person as the index holds them: the imported fields plus death status, which imports never touch. */
export interface IndexedPerson extends Person {
  deathStatus: DeathStatus;
  /** YYYY-MM-DD when known; null when status is 0. */
  dateOfDeath: string | null;
  /** The GRO registration that set a formal death, if any. */
  deathRegistrationId: string | null;
}
