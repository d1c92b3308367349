/**
 * `meshd parked`: the parking lot from the command line, for operators without the admin API
 * (no MESH_ADMIN_TOKEN, or no HTTP access to meshd). It opens the metadata store meshd uses; WAL
 * mode lets it do so beside a running meshd. It never publishes anything itself: `replay` only
 * makes the outbox row pending again, and the running meshd's sweeper publishes it.
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../broker/config/config-error.js';
import { loadDataDir } from '../../broker/config/load-config.js';
import type { EventInput } from '../../broker/message/model.js';
import type { MessageStore, ParkedRecord } from '../../broker/store/message-store.js';
import { openMessageStore } from '../../broker/store/open-store.js';

/** Where the command writes, and the process context it would otherwise take from globals. */
export interface ParkedCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Exit codes: 2 for a bad command line or configuration, 4 when some IDs were not parked. */
export const PARKED_EXIT = { ok: 0, failed: 1, usage: 2, notParked: 4 } as const;

export const PARKED_HELP = `Usage: meshd parked list [--limit N] [--json] [options]
       meshd parked replay ID... [--json] [options]
       meshd parked discard ID... [--json] [options]

Works on the parking lot: routed messages whose adapter failed every attempt.
Opens meshd's metadata store directly (<data dir>/meshd.sqlite, or the PostgreSQL
database of --metadata / MESH_DATABASE_URL); safe while meshd runs.

  list      the parked messages, oldest first (--json for every field in full)
  replay    takes each message out of the lot; the running meshd publishes it to its
            adapter again at its next outbox sweep (or on its next start)
  discard   gives up on each message: it leaves the lot and its status becomes error

Options:
  --config FILE      meshd's configuration file, for its dataDir
  --data-dir DIR     meshd's data directory (default ./data; env MESH_DATA_DIR)
  --metadata M       meshd's metadata store: sqlite:PATH or postgres://... (env
                     MESH_DATABASE_URL); default SQLite in the data directory
  --limit N          list at most N messages, 1..100000 (default 1000)
  --json             print JSON instead of text
  --help             show this help and exit

Exit status: 0 done; 2 bad arguments or configuration; 4 some IDs were unknown or not parked
(every other ID was still processed).
`;

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  metadata: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 100_000;
/** Longest reason shown in the table; --json shows it whole. */
const TABLE_REASON_CHARS = 160;

const DISCARD_EVENT: EventInput = {
  status: 'error',
  event: 'DISCARDED',
  code: '16',
  description: 'Discarded by an operator from the parking lot',
  linkedMessageId: null,
};

/** A command-line mistake: reported with the usage hint and exit status 2. */
class UsageError extends Error {}

interface ParsedCommand {
  action: 'list' | 'replay' | 'discard';
  ids: string[];
  config: string | undefined;
  dataDir: string | undefined;
  metadata: string | undefined;
  limit: number;
  json: boolean;
}

/** Runs `meshd parked ...` (argv after `parked`) and resolves to the exit status. */
export async function runParkedCommand(argv: string[], io: ParkedCommandIo): Promise<number> {
  let command: ParsedCommand | 'help';
  try {
    command = parseParkedArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`meshd parked: ${err.message} (see meshd parked --help)\n`);
    return PARKED_EXIT.usage;
  }
  if (command === 'help') {
    io.stdout.write(PARKED_HELP);
    return PARKED_EXIT.ok;
  }

  let store: MessageStore | undefined;
  try {
    const location = await locateMetadataStore(command, io);
    if ('missingDatabase' in location) {
      // Opening SQLite would create an empty database at a mistyped path and then
      // report "no parked messages", which reads as good news; refuse instead.
      io.stderr.write(`meshd parked: no meshd database at ${location.missingDatabase} (check --data-dir, --metadata, --config or MESH_DATA_DIR)\n`);
      return PARKED_EXIT.usage;
    }
    const { dataDir, metadata } = location;
    store = await openMessageStore(metadata, dataDir);
    const action = { list, replay, discard }[command.action];
    return await action(store, command, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`meshd parked: ${err.message}\n`);
      return PARKED_EXIT.usage;
    }
    io.stderr.write(`meshd parked: ${err instanceof Error ? err.message : String(err)}\n`);
    return PARKED_EXIT.failed;
  } finally {
    await store?.close();
  }
}

/** Where meshd keeps its metadata, or the SQLite file that should hold it but does not exist. */
export type MetadataLocation = { dataDir: string; metadata: string | null } | { missingDatabase: string };

/**
 * Finds meshd's metadata store as meshd itself would: --metadata, MESH_DATABASE_URL, the config
 * file's `metadata`, else SQLite in the data directory (--data-dir, MESH_DATA_DIR, the config
 * file's `dataDir`, ./data). Throws ConfigError for a bad config file. A SQLite file that does not
 * exist is reported, not created: a command run against a mistyped path must not quietly work on
 * an empty database that meshd never reads.
 */
export async function locateMetadataStore(
  flags: { config?: string | undefined; dataDir?: string | undefined; metadata?: string | undefined },
  io: Pick<ParkedCommandIo, 'env' | 'cwd'>,
): Promise<MetadataLocation> {
  const argv = { config: flags.config, dataDir: flags.dataDir, ...(flags.metadata !== undefined ? { metadata: flags.metadata } : {}) };
  const { dataDir, metadata } = await loadDataDir({ argv, env: io.env, cwd: io.cwd });
  if (metadata === null || metadata.startsWith('sqlite:')) {
    const dbFile = metadata === null ? join(dataDir, 'meshd.sqlite') : metadata.slice('sqlite:'.length);
    if (!(await stat(dbFile).catch(() => undefined))?.isFile()) return { missingDatabase: dbFile };
  }
  return { dataDir, metadata };
}

function parseParkedArgs(argv: string[]): ParsedCommand | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (err) {
    // node's messages are several sentences; the first names the problem and the flag.
    throw new UsageError((err as Error).message.split('. ')[0] ?? String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [action, ...rest] = positionals;
  if (action === undefined) throw new UsageError('say list, replay ID... or discard ID...');
  if (action !== 'list' && action !== 'replay' && action !== 'discard') throw new UsageError(`unknown command "${action}"`);
  if (action === 'list' && rest.length > 0) throw new UsageError('list takes no message IDs');
  if (action !== 'list' && rest.length === 0) throw new UsageError(`${action} needs at least one message ID`);
  if (action !== 'list' && values.limit !== undefined) throw new UsageError('--limit is for list only');
  for (const [flag, value] of [['--config', values.config], ['--data-dir', values['data-dir']], ['--metadata', values.metadata]] as const) {
    if (value === '') throw new UsageError(`${flag} must not be empty`);
  }
  let limit = DEFAULT_LIMIT;
  if (values.limit !== undefined) {
    limit = /^\d{1,6}$/.test(values.limit) ? Number(values.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new UsageError(`--limit must be an integer from 1 to ${MAX_LIMIT}, got "${values.limit}"`);
  }
  return {
    action,
    // A repeated ID would only report "not parked" the second time round, which is noise.
    ids: [...new Set(rest)],
    config: values.config,
    dataDir: values['data-dir'],
    metadata: values.metadata,
    limit,
    json: values.json === true,
  };
}

async function list(store: MessageStore, command: ParsedCommand, io: ParkedCommandIo): Promise<number> {
  const parked = await store.listParked(command.limit);
  if (command.json) {
    io.stdout.write(`${JSON.stringify({ parked: parked.map(parkedJson) }, null, 2)}\n`);
  } else if (parked.length === 0) {
    io.stdout.write('No parked messages.\n');
  } else {
    io.stdout.write(table(
      ['MESSAGE ID', 'ADAPTER', 'WORKFLOW', 'SENDER', 'ATTEMPTS', 'PARKED AT', 'REASON'],
      parked.map((p) => [
        p.messageId, p.adapter, p.workflowId, p.sender, String(p.attempts), new Date(p.parkedAt).toISOString(),
        truncate(p.reason, TABLE_REASON_CHARS),
      ]),
    ));
  }
  // Saying so on stderr keeps --json output parseable while still warning a human.
  if (parked.length === command.limit) io.stderr.write(`meshd parked: showing the first ${command.limit}; there may be more (--limit)\n`);
  return PARKED_EXIT.ok;
}

async function replay(store: MessageStore, command: ParsedCommand, io: ParkedCommandIo): Promise<number> {
  const results: Array<{ message_id: string; outcome: string; adapter?: string; status?: string }> = [];
  for (const id of command.ids) {
    const entry = await store.unpark(id);
    if (entry) {
      results.push({ message_id: id, outcome: 'replayed', adapter: entry.adapter });
      if (!command.json) {
        io.stdout.write(`${safe(id)}: replayed; meshd publishes it to adapter ${safe(entry.adapter)} at its next outbox sweep\n`);
      }
    } else {
      results.push(await notParked(store, id, command.json, io));
    }
  }
  return finish(results, command.json, io);
}

async function discard(store: MessageStore, command: ParsedCommand, io: ParkedCommandIo): Promise<number> {
  const results: Array<{ message_id: string; outcome: string; status?: string }> = [];
  for (const id of command.ids) {
    const message = await store.discardParked(id, DISCARD_EVENT);
    if (message) {
      results.push({ message_id: id, outcome: 'discarded', status: message.status });
      if (!command.json) io.stdout.write(`${safe(id)}: discarded; status ${message.status}\n`);
    } else {
      results.push(await notParked(store, id, command.json, io));
    }
  }
  return finish(results, command.json, io);
}

/** Why an ID could not be replayed or discarded: no such message, or a message not in the lot. */
async function notParked(
  store: MessageStore, id: string, json: boolean, io: ParkedCommandIo,
): Promise<{ message_id: string; outcome: string; status?: string }> {
  const message = await store.getMessage(id);
  if (!json) io.stderr.write(message ? `${safe(id)}: not parked (status ${message.status})\n` : `${safe(id)}: unknown message\n`);
  return message ? { message_id: id, outcome: 'not_parked', status: message.status } : { message_id: id, outcome: 'unknown' };
}

function finish(results: Array<{ outcome: string }>, json: boolean, io: ParkedCommandIo): number {
  if (json) io.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
  return results.every((r) => r.outcome === 'replayed' || r.outcome === 'discarded') ? PARKED_EXIT.ok : PARKED_EXIT.notParked;
}

/** The list's JSON shape: the admin API's field names, with the full ISO parking time. */
function parkedJson(p: ParkedRecord): Record<string, unknown> {
  return {
    message_id: p.messageId,
    adapter: p.adapter,
    workflow_id: p.workflowId,
    sender: p.sender,
    recipient: p.recipient,
    attempts: p.attempts,
    parked_at: new Date(p.parkedAt).toISOString(),
    reason: p.reason,
  };
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows.map((r) => r.map(safe))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n') + '\n';
}

/**
 * One line of inert text. Workflow IDs, senders and adapter error reasons come from outside
 * (a reason may quote a payload), and a terminal would act on escape sequences or break the
 * table on newlines, so control characters become spaces.
 */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

function truncate(text: string, max: number): string {
  const flat = safe(text).replace(/ {2,}/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
