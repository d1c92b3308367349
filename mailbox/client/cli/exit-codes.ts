/**
 * The `mesh` CLI's exit codes and the one-line error it prints for each failure,
 * so scripts can branch on the code and people can read the line.
 */
import { MeshApiError, MeshUploadError } from '../errors.js';
import { UsageError } from './args.js';

/** Process exit codes; stable, since scripts depend on them. */
export const EXIT = {
  ok: 0,
  /** A check failed (mesh soak: a message lost, duplicated or corrupted). */
  checkFailed: 1,
  /** Unknown command or flag, missing argument or setting. */
  usage: 2,
  /** The server refused the credentials (HTTP 401/403). */
  auth: 3,
  /** No such message or resource (HTTP 404/410). */
  notFound: 4,
  /** Any other server, network or local failure. */
  failure: 5,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure whose details the command already printed; main.ts only sets the exit code. */
export class ReportedFailure extends Error {
  /** Carries the exit code chosen by the command that printed the details. */
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReportedFailure';
  }
}

/** Maps an error to the exit code scripts should see. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ReportedFailure) return err.exitCode;
  // A failed later chunk is reported by what the server said about that chunk.
  if (err instanceof MeshUploadError) return exitCodeFor(err.cause);
  if (err instanceof MeshApiError) {
    if (err.status === 401 || err.status === 403) return EXIT.auth;
    if (err.status === 404 || err.status === 410) return EXIT.notFound;
  }
  return EXIT.failure;
}

/** The error as one line (MeshApiError messages already carry the MESH code and description). */
export function errorLine(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // Node's socket errors name the address but not what we were trying to do.
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN)$/.test(code)) {
    message = `cannot reach the MESH server: ${message}`;
  }
  // MESH answers bad credentials with a bare 403, which on its own does not say what to check.
  if (err instanceof MeshApiError && exitCodeFor(err) === EXIT.auth && !err.description) {
    message += ' (check the mailbox ID, password and shared key)';
  }
  const line = message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return `mesh: ${line === '' ? 'unknown error' : line}\n`;
}
