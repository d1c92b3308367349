import type { Gender } from '../person.js';

/** A date that may be known only in part: year always, month and day when stated. */
export interface PartialDate {
  year: number;
  month: number | null;
  day: number | null;
}

/** What a trace knows of the person sought, from whatever source (a GRO record, an address). */
export interface TraceSubject {
  /** Stated NHS number, already Modulus 11 checked; null when absent. */
  nhsNumber: string | null;
  /** Given names as stated, first the usual one (aliases' given names may follow). */
  givenNames: string[];
  /** Family name first, then maiden and alias family names: any may be the index's current or previous name. */
  familyNames: string[];
  /** Null when only free text was given. */
  dateOfBirth: PartialDate | null;
  gender: Gender;
  postcode: string | null;
  addressLines: string[];
}
