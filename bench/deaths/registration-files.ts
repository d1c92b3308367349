/**
 * Streams generated registrations to disk: the GRO XML file (and a second one for later
 * amendments, when asked for) and the truth file, NDJSON with one TruthEntry a line in file order.
 */
import { FileSink } from './file-sink.js';
import { deathRegistrationXml, groFileFooter, groFileHeader, type PartialDateStyle } from './gro-xml.js';
import type { Population } from './population.js';
import { generateRegistrations, type RegistrationOptions } from './registrations.js';

export interface RegistrationFilePaths {
  xmlPath: string;
  truthPath: string;
  /** Where amendments placed in a later file go; required when amendments.placement is 'later-file'. */
  amendmentsXmlPath?: string;
  partialDateStyle?: PartialDateStyle;
}

/** What was written. */
export interface RegistrationFilesSummary {
  /** DeathRegistration elements per XML file (the RecordCount written). */
  records: number;
  amendmentRecords: number;
  firstRegistrations: number;
  /** First registrations of people the index holds. */
  inIndex: number;
  xmlBytes: number;
  amendmentsXmlBytes: number;
  truthBytes: number;
}

/** Generates `count` first registrations (and any amendments) for `population` into the given files. */
export async function writeRegistrationFiles(seed: number, population: Population, count: number, paths: RegistrationFilePaths, options: RegistrationOptions = {}): Promise<RegistrationFilesSummary> {
  const later = options.amendments?.placement === 'later-file';
  if (later && !paths.amendmentsXmlPath) throw new RangeError('amendmentsXmlPath is required for amendments in a later file');
  const xml = new FileSink(paths.xmlPath);
  const truth = new FileSink(paths.truthPath);
  const amendments = later ? new FileSink(paths.amendmentsXmlPath!) : null;
  const summary: RegistrationFilesSummary = { records: 0, amendmentRecords: 0, firstRegistrations: 0, inIndex: 0, xmlBytes: 0, amendmentsXmlBytes: 0, truthBytes: 0 };
  try {
    await xml.write(groFileHeader());
    if (amendments) await amendments.write(groFileHeader());
    for (const { record, truth: t } of generateRegistrations(seed, population, count, options)) {
      const target = t.file === 2 && amendments ? amendments : xml;
      await target.write(deathRegistrationXml(record, paths.partialDateStyle));
      await truth.write(`${JSON.stringify(t)}\n`);
      if (target === xml) summary.records += 1;
      else summary.amendmentRecords += 1;
      if (t.kind === 'first') {
        summary.firstRegistrations += 1;
        if (t.nhsNumber !== null) summary.inIndex += 1;
      }
    }
    await xml.write(groFileFooter(summary.records));
    if (amendments) await amendments.write(groFileFooter(summary.amendmentRecords));
  } finally {
    summary.xmlBytes = await xml.close();
    summary.truthBytes = await truth.close();
    if (amendments) summary.amendmentsXmlBytes = await amendments.close();
  }
  return summary;
}
