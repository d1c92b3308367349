/**
 * `meshd pds import FILE`: loads people into the demographic index in meshd's metadata store,
 * found the way `meshd parked` finds it. Safe beside a running meshd: each batch is one short
 * transaction. Invalid lines are reported on stderr by line number and skipped; one summary line
 * goes to stdout.
 */

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../../broker/config/config-error.js';
import { locateMetadataStore, type ParkedCommandIo } from '../../../mailbox/server/parked-command.js';
import type { DemographicIndex } from '../demographic-index.js';
import { CsvHeaderError } from '../import/csv-lines.js';
import { ImportFailedError, importPeople, type ImportFormat, type ImportSummary } from '../import/import-people.js';
import { importBatchSizeFor, openDemographicIndex } from '../store/open-demographic-index.js';

/** Where the command reads and writes, and the process context it would otherwise take from globals. */
export interface PdsCommandIo extends ParkedCommandIo {
  /** Read for FILE `-` (default process.stdin). */
  stdin?: Readable;
}

/** Exit codes: 1 some lines were invalid (the rest imported); 2 nothing done (arguments, configuration, file); 3 the index failed. */
export const PDS_EXIT = { ok: 0, invalidLines: 1, usage: 2, failed: 3 } as const;

/** The text of `meshd pds --help`. */
export const PDS_HELP = `Usage: meshd pds import FILE [--format ndjson|csv] [options]

Imports people into the demographic index (the PDS-like store the death-registration
adapter traces against), kept in meshd's metadata store (<data dir>/meshd.sqlite, or the
PostgreSQL database of --metadata / MESH_DATABASE_URL); safe while meshd runs.

FILE holds one person a line, NDJSON with exactly these fields:
  {"nhsNumber","givenNames":[..],"familyName","previousFamilyNames":[..],
   "dateOfBirth":"YYYY-MM-DD","gender","addressLines":[..],"postcode","gpPracticeOds"}
or CSV with a header row of the same names (list cells |-separated). FILE - reads
standard input. A person already in the index is updated (their death status is kept);
the same NHS number twice in a file: the later line wins. Invalid lines are reported on
stderr as "line N: reason" and skipped; the rest are imported.

Options:
  --format F         ndjson or csv (default from the extension: .ndjson, .jsonl, .csv;
                     ndjson for standard input)
  --config FILE      meshd's configuration file, for its dataDir and metadata
  --data-dir DIR     meshd's data directory (default ./data; env MESH_DATA_DIR)
  --metadata M       meshd's metadata store: sqlite:PATH or postgres://... (env
                     MESH_DATABASE_URL); default SQLite in the data directory
  --help             show this help and exit

Exit status: 0 every line imported; 1 some lines invalid (the rest imported); 2 bad
arguments, configuration or an unreadable file (nothing imported); 3 the index failed
(batches before the failure stay imported; running the import again is safe).
`;

const OPTIONS = {
  format: { type: 'string' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  metadata: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const FORMAT_BY_EXTENSION: Record<string, ImportFormat> = { '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.csv': 'csv' };
/** Read size for the file: large reads keep the line splitter's per-chunk work small. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** A command-line mistake: reported with the usage hint and exit status 2. */
class UsageError extends Error {}

interface ImportCommand {
  file: string;
  format: ImportFormat;
  config: string | undefined;
  dataDir: string | undefined;
  metadata: string | undefined;
}

/** Runs `meshd pds ...` (argv after `pds`) and resolves to the exit status. */
export async function runPdsCommand(args: string[], io: PdsCommandIo): Promise<number> {
  let command: ImportCommand | 'help';
  try {
    command = parsePdsArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`meshd pds: ${err.message} (see meshd pds --help)\n`);
    return PDS_EXIT.usage;
  }
  if (command === 'help') {
    io.stdout.write(PDS_HELP);
    return PDS_EXIT.ok;
  }

  let location;
  try {
    location = await locateMetadataStore(command, io);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`meshd pds: ${err.message}\n`);
    return PDS_EXIT.usage;
  }
  if ('missingDatabase' in location) {
    // Importing into a new file at a mistyped path would look like success, and meshd would never read it.
    io.stderr.write(`meshd pds: no meshd database at ${location.missingDatabase} (start meshd once to create it, or check --data-dir, --metadata, --config or MESH_DATA_DIR)\n`);
    return PDS_EXIT.usage;
  }

  let handle: FileHandle | undefined;
  if (command.file !== '-') {
    try {
      handle = await open(resolve(io.cwd, command.file), 'r');
      const info = await handle.stat();
      // A FIFO too, for process substitution (<(zcat people.ndjson.gz)).
      if (!info.isFile() && !info.isFIFO()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    } catch (err) {
      await handle?.close();
      io.stderr.write(`meshd pds: cannot read ${safe(command.file)}: ${describeFileError(err)}\n`);
      return PDS_EXIT.usage;
    }
  }

  let index: DemographicIndex | undefined;
  try {
    try {
      index = await openDemographicIndex(location.metadata, location.dataDir);
    } catch (err) {
      io.stderr.write(`meshd pds: cannot open the demographic index: ${safe(errorText(err))}\n`);
      return PDS_EXIT.failed;
    }
    const input = handle ? handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }) : (io.stdin ?? process.stdin);
    return await runImport(command, input, index, importBatchSizeFor(location.metadata), io);
  } finally {
    await index?.close();
    await handle?.close().catch(() => undefined);
  }
}

async function runImport(command: ImportCommand, input: Readable, index: DemographicIndex, batchSize: number, io: PdsCommandIo): Promise<number> {
  const name = command.file === '-' ? 'standard input' : safe(command.file);
  let summary: ImportSummary;
  try {
    summary = await importPeople(input, command.format, index, {
      batchSize,
      maxReportedErrors: 0,
      onInvalid: (line, message) => io.stderr.write(`line ${line}: ${safe(message)}\n`),
    });
  } catch (err) {
    if (err instanceof ImportFailedError) {
      io.stderr.write(`meshd pds: ${safe(err.message)}; ${counts(err.summary)} before it\n`);
      return PDS_EXIT.failed;
    }
    if (err instanceof CsvHeaderError) {
      io.stderr.write(`meshd pds: ${name}: ${safe(err.message)}\n`);
      return PDS_EXIT.usage;
    }
    // Anything else came from reading the input (EIO, EISDIR and the like).
    io.stderr.write(`meshd pds: cannot read ${name}: ${describeFileError(err)}\n`);
    return PDS_EXIT.usage;
  }
  const skipped = `${summary.invalid} invalid line${summary.invalid === 1 ? '' : 's'} skipped`;
  io.stdout.write(`${counts(summary)}; ${skipped}\n`);
  return summary.invalid === 0 ? PDS_EXIT.ok : PDS_EXIT.invalidLines;
}

function parsePdsArgs(argv: string[]): ImportCommand | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    // node's messages are several sentences; the first names the problem and the flag.
    throw new UsageError((err as Error).message.split('. ')[0] ?? String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [action, file, ...rest] = positionals;
  if (action === undefined) throw new UsageError('say import FILE');
  if (action !== 'import') throw new UsageError(`unknown command "${safe(action)}"`);
  if (file === undefined || file === '') throw new UsageError('import needs a FILE (- for standard input)');
  if (rest.length > 0) throw new UsageError('import takes one FILE');
  for (const [flag, value] of [['--config', values.config], ['--data-dir', values['data-dir']], ['--metadata', values.metadata]] as const) {
    if (value === '') throw new UsageError(`${flag} must not be empty`);
  }
  let format: ImportFormat;
  if (values.format !== undefined) {
    if (values.format !== 'ndjson' && values.format !== 'csv') throw new UsageError(`--format must be ndjson or csv, got "${safe(values.format)}"`);
    format = values.format;
  } else if (file === '-') {
    format = 'ndjson';
  } else {
    const byExtension = FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
    if (byExtension === undefined) throw new UsageError(`cannot tell the format of ${safe(file)} from its extension; say --format ndjson or --format csv`);
    format = byExtension;
  }
  return { file, format, config: values.config, dataDir: values['data-dir'], metadata: values.metadata };
}

/** "imported 998 people (990 new, 8 updated)". */
function counts(summary: ImportSummary): string {
  return `imported ${summary.imported} ${summary.imported === 1 ? 'person' : 'people'} (${summary.inserted} new, ${summary.updated} updated)`;
}

function describeFileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR' || code === 'ENOTFILE') return 'not a regular file';
  return safe(errorText(err));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One line of inert text: file names and messages quoting the input come from outside, and a
 * terminal would act on escape sequences or break lines on newlines.
 */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}
