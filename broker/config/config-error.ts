/**
 * The one error type for bad configuration: a file, flag or environment variable that meshd
 * refuses to start with. Its message is a single line an operator can act on without a stack
 * trace: where (file, or `command line`, or `environment`), what (a JSON path, flag or variable)
 * and why.
 */

import type { ErrorObject } from 'ajv';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param source file (as shown to the user, optionally `file:line`), `command line` or `environment`
   * @param path JSON pointer, flag or variable name inside the source; '' when the whole source is at fault
   * @param reason what is wrong, in a short phrase
   */
  constructor(
    readonly source: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${source}: ${path}: ${reason}` : `${source}: ${reason}`);
  }
}

/** Where configuration came from, for error messages: never a file, so no path to show. */
export const COMMAND_LINE = 'command line';
export const ENVIRONMENT = 'environment';

/** Escapes one JSON pointer segment (RFC 6901), as ajv does for its instancePath. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A ConfigError for an ajv validation failure, phrased for people rather than for ajv. */
export function configErrorFromAjv(source: string, errors: ErrorObject[] | null | undefined): ConfigError {
  const branching = (x: ErrorObject) => x.keyword === 'anyOf' || x.keyword === 'oneOf';
  const real = (errors ?? []).filter((x) => !branching(x));
  // Where a value may take several shapes (a path or a list of paths), ajv reports every
  // branch's failure. The deepest one is from the branch whose shape the value did match, so
  // it is the specific complaint (`/workflows/0: must be string`, not `/workflows: must be string`).
  const e = real.reduce<ErrorObject | undefined>((a, b) => (a && a.instancePath.length >= b.instancePath.length ? a : b), undefined);
  if (!e) return new ConfigError(source, '/', 'is not valid');
  const at = e.instancePath || '/';
  const child = (key: string): string => `${e.instancePath}/${pointerSegment(key)}`;
  switch (e.keyword) {
    // ajv reports these against the parent object; naming the offending key itself is what
    // lets someone find the typo.
    case 'additionalProperties':
      return new ConfigError(source, child(String(e.params['additionalProperty'])), 'unknown key');
    case 'required':
      return new ConfigError(source, child(String(e.params['missingProperty'])), 'is required');
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return new ConfigError(source, at, `must be one of ${allowed}`);
    }
    case 'type': {
      // A value of none of the accepted types fails every branch at the same path; name them all.
      const here = real.filter((x) => x.instancePath === e.instancePath);
      const branched = (errors ?? []).some((x) => branching(x) && x.instancePath === e.instancePath);
      if (branched && here.every((x) => x.keyword === 'type')) {
        return new ConfigError(source, at, `must be ${here.map((x) => String(x.params['type'])).join(' or ')}`);
      }
      return new ConfigError(source, at, e.message ?? 'has the wrong type');
    }
    default:
      return new ConfigError(source, at, e.message ?? 'is not valid');
  }
}
