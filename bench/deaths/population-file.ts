/**
 * Streams a population to NDJSON in the importer's format: one person a line with exactly the
 * fields of `meshd pds import` (adapters/pds/person.ts), in that order.
 */
import type { Person } from '../../adapters/pds/person.js';
import { FileSink } from './file-sink.js';
import type { Population } from './population.js';

/** One NDJSON line for a person, fields in the documented order. */
export function personLine(p: Person): string {
  return `${JSON.stringify({
    nhsNumber: p.nhsNumber,
    givenNames: p.givenNames,
    familyName: p.familyName,
    previousFamilyNames: p.previousFamilyNames,
    dateOfBirth: p.dateOfBirth,
    gender: p.gender,
    addressLines: p.addressLines,
    postcode: p.postcode,
    gpPracticeOds: p.gpPracticeOds,
  })}\n`;
}

/** Writes every person of `population` to `path`; resolves with the line count and size. */
export async function writePopulationFile(population: Population, path: string): Promise<{ people: number; bytes: number }> {
  const sink = new FileSink(path);
  let people = 0;
  try {
    for (const person of population.people()) {
      await sink.write(personLine(person));
      people += 1;
    }
  } finally {
    await sink.close();
  }
  return { people, bytes: sink.bytes };
}
