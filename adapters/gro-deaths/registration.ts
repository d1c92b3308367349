import type { PartialDate } from '../pds/trace/trace-subject.js';

/** GRO gender codes: 1 male, 2 female, 9 indeterminate. */
export type GroGender = '1' | '2' | '9';

/** RecordUpdateReason: 1 formal correction, 2 quality assurance, 3 typographical, 4 cancelled, 5 cancellation removed. */
export type UpdateReason = 1 | 2 | 3 | 4 | 5;

/** A GRO date: full with its VerificationLevel, partial month/year, or free text only. */
export type GroDate =
  | { kind: 'full'; date: PartialDate & { month: number; day: number }; verificationLevel: string }
  | { kind: 'partial'; date: PartialDate & { day: null } }
  | { kind: 'free'; text: string };

/** A person's name as GRO gives it. */
export interface GroName {
  title: string | null;
  givenNames: string[];
  familyName: string | null;
  suffix: string | null;
}

/** One DeathRegistration, parsed and validated (validate-registration.ts). */
export interface GroRegistration {
  registrationId: string;
  /** 1-based position in the file. */
  ordinal: number;
  /** Exactly one of lockedAt and updatedAt is set (ISO date-time as given). */
  lockedAt: string | null;
  updatedAt: string | null;
  updateReason: UpdateReason | null;
  name: GroName;
  aliases: Array<{ name: GroName; type: string | null }>;
  maidenName: string | null;
  gender: GroGender;
  deathDate: GroDate;
  birthDate: GroDate;
  address: { flat: string | null; building: string | null; lines: string[]; postcode: string | null };
  /** From the optional DeceasedNHSNumber element; Modulus 11 checked. */
  nhsNumber: string | null;
}

/** A DeathRegistration that failed validation: its errors, and what could be read of it. */
export interface InvalidRegistration {
  /** Null when the RegistrationID itself is missing or not an integer. */
  registrationId: string | null;
  ordinal: number;
  errors: string[];
  /** The element's text content by path (e.g. "DeceasedName/PersonFamilyName"), bounded in size. */
  fields: Record<string, string>;
}
