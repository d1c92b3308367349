/**
 * `mesh watch`: the folder-polling mode of the MESH client. Every message that
 * arrives is written into a folder with its MESH headers beside it as JSON, both
 * through `.tmp/` + fsync + rename, and acknowledged (with --ack) only once the
 * folder entry itself has been fsynced. Survives the server going away.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MeshApiError, MeshError } from '../errors.js';
import type { MeshClient } from '../index.js';
import { UsageError, optFlag, optString, requireString } from './args.js';
import { writeOut, type CliCommand, type CommandContext } from './command.js';
import { EXIT, errorLine, exitCodeFor } from './exit-codes.js';

const DEFAULT_INTERVAL_S = 60;
const MIN_INTERVAL_S = 0.1;
/** Longest sanitised file-name part kept after `<id>_`, so names stay under common 255-byte limits. */
const MAX_NAME_CHARS = 150;

/** Parses --interval seconds (fractions allowed, at least 0.1). */
export function parseInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_INTERVAL_S * 1000;
  const seconds = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds) || seconds < MIN_INTERVAL_S) {
    throw new UsageError(`invalid --interval ${JSON.stringify(text)}: seconds, at least ${MIN_INTERVAL_S}`);
  }
  return Math.round(seconds * 1000);
}

/** A message ID safe to use as a file-name prefix as-is; anything else is refused rather than rewritten. */
function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/.test(id);
}

/**
 * The last path segment of a sender-chosen mex-FileName, reduced to `[A-Za-z0-9._-]`
 * with no leading dots; undefined when nothing usable is left.
 */
export function safeBaseName(fileName: string | undefined): string | undefined {
  if (fileName === undefined) return undefined;
  const last = fileName.split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, MAX_NAME_CHARS);
  return cleaned === '' || /^[._]*$/.test(cleaned) ? undefined : cleaned;
}

/** The data file name for a message: `<id>_<basename>` when a usable mex-FileName came, else `<id>.dat`. */
export function dataFileName(messageId: string, fileName: string | undefined): string {
  const base = safeBaseName(fileName);
  // MESH names an unnamed message `<id>.dat` itself; that needs no second copy of the ID.
  if (base === undefined || base === `${messageId}.dat`) return `${messageId}.dat`;
  return `${messageId}_${base}`;
}

const NETWORK_CODES = /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|ECONNABORTED|ERR_STREAM_PREMATURE_CLOSE|UND_ERR_SOCKET)$/;

/** True for failures meaning "the server is not there right now" rather than "this message is bad". */
function isOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && NETWORK_CODES.test(code)) return true;
    if (e.message === 'socket hang up' || e.message === 'aborted') return true;
    if (e instanceof MeshError && /timed out/.test(e.message)) return true;
    // A server that is up but failing (502/503 behind a proxy during a restart) counts as an outage too.
    if (e instanceof MeshApiError && e.status >= 500) return true;
  }
  return false;
}

/** fsyncs a directory so the renames into it survive a crash; skipped where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

/** Writes text to `path` and fsyncs it. */
async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Streams `body` to `path`, fsyncing before close; resolves with its size and sha256. */
async function streamSynced(body: Readable, path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(path, { flush: true });
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const piece of source) {
        hash.update(piece);
        size += piece.length;
        yield piece;
      }
    },
    out,
  );
  return { size, sha256: hash.digest('hex') };
}

interface WatchOptions {
  outDir: string;
  ack: boolean;
  intervalMs: number;
  workflowFilter: string | undefined;
  once: boolean;
}

class Watcher {
  private readonly tmpDir: string;
  /** True while the server is unreachable, so an outage is reported once, not once per poll. */
  private down = false;
  /** The last error line reported per message, so a message that keeps failing is not reported every poll. */
  private readonly reported = new Map<string, string>();
  stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: MeshClient,
    private readonly options: WatchOptions,
    private readonly ctx: CommandContext,
  ) {
    this.tmpDir = join(options.outDir, '.tmp');
  }

  /** Asks the loop to stop after the current message, waking it if it sleeps. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private log(line: string): Promise<void> {
    return writeOut(this.ctx.io.stderr, `mesh: watch: ${line}\n`).catch(() => undefined);
  }

  private logError(prefix: string, err: unknown): Promise<void> {
    return this.log(`${prefix}${errorLine(err).replace(/^mesh: /, '').trimEnd()}`);
  }

  async run(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    for (;;) {
      await this.pass();
      if (this.options.once || this.stopping) return;
      await this.sleep(this.options.intervalMs);
      if (this.stopping) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolveSleep) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolveSleep();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  /** Names in the output folder, so messages saved by an earlier run are recognised. */
  private async savedIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const name of await readdir(this.options.outDir)) {
      const match = /^(.+)\.(?:ctl|report)\.json$/.exec(name);
      if (match?.[1] !== undefined) ids.add(match[1]);
    }
    return ids;
  }

  private async outage(err: unknown): Promise<void> {
    if (this.down) return;
    this.down = true;
    await this.logError('server unavailable, will keep polling: ', err);
  }

  /** One poll: list every page, then save (and ack) each message not yet handled. */
  async pass(): Promise<void> {
    const ids: string[] = [];
    try {
      const filter = this.options.workflowFilter;
      for await (const id of this.client.iterateInbox(filter === undefined ? {} : { workflowFilter: filter })) ids.push(id);
    } catch (err) {
      // Refused credentials will not fix themselves; stop rather than poll forever.
      if (exitCodeFor(err) === EXIT.auth) throw err;
      if (isOutage(err)) await this.outage(err);
      else await this.logError('listing the inbox failed: ', err);
      return;
    }
    if (this.down) {
      this.down = false;
      await this.log('server reachable again');
    }
    const saved = await this.savedIds();
    for (const id of ids) {
      if (this.stopping) return;
      try {
        if (!isSafeId(id)) throw new MeshError(`refusing unsafe message ID ${JSON.stringify(id)}`);
        if (!saved.has(id)) await this.save(id);
        else if (!this.options.ack) continue;
        // Saved and synced (now or by an earlier run whose ack failed): safe to remove from the inbox.
        if (this.options.ack) await this.client.acknowledge(id);
        this.reported.delete(id);
      } catch (err) {
        if (isOutage(err)) {
          await this.outage(err);
          return;
        }
        const line = errorLine(err);
        if (this.reported.get(id) !== line) {
          this.reported.set(id, line);
          await this.logError(`${id}: `, err);
        }
      }
    }
  }

  /** Downloads one message into .tmp, fsyncs, renames into the folder and fsyncs the folder. */
  private async save(id: string): Promise<void> {
    const part = join(this.tmpDir, `${id}.part`);
    const ctlTmp = join(this.tmpDir, `${id}.json`);
    try {
      const download = await this.client.downloadMessage(id);
      const { size, sha256 } = await streamSynced(download.body, part);
      const headers: Record<string, string | number | null> = {};
      for (const [name, value] of Object.entries(download.headers)) {
        if (name.toLowerCase().startsWith('mex-')) headers[name.toLowerCase()] = value;
      }
      const isReport = (download.headers['mex-messagetype'] ?? '').toUpperCase() === 'REPORT' && size === 0;
      const dataFile = isReport ? null : dataFileName(id, download.headers['mex-filename']);
      const ctl = {
        ...headers,
        messageId: id,
        totalChunks: download.totalChunks,
        receivedAt: new Date().toISOString(),
        dataFile,
        size,
        sha256: isReport ? null : sha256,
      };
      await writeSynced(ctlTmp, `${JSON.stringify(ctl, null, 2)}\n`);
      if (dataFile === null) {
        await rm(part, { force: true });
        await rename(ctlTmp, join(this.options.outDir, `${id}.report.json`));
      } else {
        // Data first: the ctl file's presence is what marks a message as completely saved.
        await rename(part, join(this.options.outDir, dataFile));
        await rename(ctlTmp, join(this.options.outDir, `${id}.ctl.json`));
      }
      await syncDir(this.options.outDir);
      await syncDir(this.tmpDir);
      await writeOut(this.ctx.io.stdout, `${id}\t${dataFile ?? `${id}.report.json`}\n`);
    } catch (err) {
      await rm(part, { force: true }).catch(() => undefined);
      await rm(ctlTmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }
}

async function runWatch(ctx: CommandContext): Promise<void> {
  const options: WatchOptions = {
    outDir: resolve(ctx.io.cwd, requireString(ctx.values, 'out')),
    ack: optFlag(ctx.values, 'ack'),
    intervalMs: parseInterval(optString(ctx.values, 'interval')),
    workflowFilter: optString(ctx.values, 'workflow-filter'),
    once: optFlag(ctx.values, 'once'),
  };
  const client = await ctx.client();
  await mkdir(options.outDir, { recursive: true });
  const watcher = new Watcher(client, options, ctx);
  const onSignal = (): void => watcher.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await watcher.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `mesh watch`. */
export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'poll the inbox and save every message into a folder',
  usage: 'watch --out DIR [--ack] [--interval S] [--workflow-filter F] [--once]',
  description:
    'Polls the inbox (every page) and saves each new message into DIR as <id>.dat, or\n' +
    '<id>_<name> when the sender gave a mex-FileName (reduced to a safe base name), with its\n' +
    'MESH headers beside it in <id>.ctl.json; REPORTs become <id>.report.json. Files are written\n' +
    'under DIR/.tmp, fsynced and renamed into place, so DIR only ever holds complete files.\n' +
    '--ack acknowledges a message only after both files are safely on disk; a message already in\n' +
    'DIR is acknowledged without downloading it again. Errors on one message are reported and\n' +
    'the rest still run; while the server is unreachable watch says so once and keeps polling.\n' +
    'SIGINT/SIGTERM finish the current message, then exit 0. Prints "<id><TAB><file>" per save.\n',
  options: {
    out: { type: 'string', value: 'DIR', help: 'folder to save messages into (created if missing)' },
    ack: { type: 'boolean', help: 'acknowledge each message once it is saved' },
    interval: { type: 'string', value: 'S', help: `seconds between polls (default ${DEFAULT_INTERVAL_S}, at least ${MIN_INTERVAL_S})` },
    'workflow-filter': { type: 'string', value: 'F', help: 'only these workflows: WF, !WF, WF*, *_ACK*' },
    once: { type: 'boolean', help: 'poll once, then exit (for cron)' },
  },
  positionals: { min: 0, max: 0 },
  run: runWatch,
};
