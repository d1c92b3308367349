/**
 * Progress records that let an interrupted `mesh send` or `mesh download` carry on
 * where it stopped: small JSON files, replaced atomically (write a temp file, fsync,
 * rename) after each chunk the server acknowledged or the disk holds, so a crash at
 * any instant leaves either the old record or the new one, never half of either.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where `mesh send` keeps its records: `$MESH_STATE_DIR`, else `~/.mesh-client/state`. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['MESH_STATE_DIR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.mesh-client', 'state');
}

/** A stable hex key for anything JSON can describe (key order as given). */
export function stateKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Reads a JSON record; undefined when it is missing, unreadable or fails `check`. */
export async function readState<T>(file: string, check: (value: unknown) => value is T): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return check(value) ? value : undefined;
  } catch {
    // A torn or hand-edited record is no record: starting afresh is always safe.
    return undefined;
  }
}

/** Replaces `file` with `value` as JSON, atomically and durably (mode 0600: it names messages). */
export async function writeState(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** Deletes a record; a missing one is fine. */
export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** What `mesh send` remembers about a chunked upload in progress. */
export interface SendState {
  messageId: string;
  totalChunks: number;
  chunkSize: number;
  /** Chunk numbers the server has acknowledged, ascending. */
  sentChunks: number[];
  /** For people reading the file: what is being sent. */
  file: string;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** Type guard for a {@link SendState} read back from disk. */
export function isSendState(value: unknown): value is SendState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['messageId'] === 'string' &&
    v['messageId'] !== '' &&
    isPositiveInt(v['totalChunks']) &&
    isPositiveInt(v['chunkSize']) &&
    Array.isArray(v['sentChunks']) &&
    v['sentChunks'].every((n) => isPositiveInt(n) && n <= (v['totalChunks'] as number)) &&
    typeof v['file'] === 'string'
  );
}

/** What `mesh download -o FILE` keeps beside FILE.part (as FILE.part.json). */
export interface DownloadState {
  messageId: string;
  totalChunks: number;
  /** Chunks 1..completeChunks are fully written to FILE.part. */
  completeChunks: number;
  /** FILE.part's length after those chunks; anything past it is a torn chunk. */
  bytes: number;
}

/** Type guard for a {@link DownloadState} read back from disk. */
export function isDownloadState(value: unknown): value is DownloadState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const complete = v['completeChunks'];
  const bytes = v['bytes'];
  return (
    typeof v['messageId'] === 'string' &&
    isPositiveInt(v['totalChunks']) &&
    typeof complete === 'number' &&
    Number.isSafeInteger(complete) &&
    complete >= 0 &&
    complete <= (v['totalChunks'] as number) &&
    typeof bytes === 'number' &&
    Number.isSafeInteger(bytes) &&
    bytes >= 0
  );
}

/**
 * FOR TESTS ONLY: `MESH_CLI_TEST_CHUNK_DELAY_MS` makes send and download pause after
 * each chunk, so a test can kill the process part-way through a transfer.
 */
export async function testChunkDelay(env: NodeJS.ProcessEnv): Promise<void> {
  const ms = Number(env['MESH_CLI_TEST_CHUNK_DELAY_MS'] ?? 0);
  if (Number.isFinite(ms) && ms > 0) await sleep(ms);
}
