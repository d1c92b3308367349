/**
 * Finding files that ship with the package (schemas/, conf/). The same code runs from source
 * (broker/config/ under ts-node in tests) and compiled (dist/broker/config/), so a fixed number
 * of `..` would be right in one case and wrong in the other; walking up to package.json is
 * right in both.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

let cachedRoot: string | undefined;

/** The directory holding mesh-broker's package.json. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

// One Ajv for all our schemas, so a schema file is read and compiled once per process however
// many config files are validated against it. strict mode turns a typo in a schema into an
// error at compile time instead of a keyword that silently checks nothing.
const ajv = new Ajv({ strict: true, allErrors: false });
const loading = new Map<string, Promise<void>>();

/**
 * A compiled validator for `schemas/<file>`, or for the definition `#/definitions/<definition>`
 * inside it (for schemas that describe several record shapes).
 */
export async function schemaValidator(file: string, definition?: string): Promise<ValidateFunction> {
  let pending = loading.get(file);
  if (!pending) {
    pending = readFile(join(packageRoot(), 'schemas', file), 'utf8').then((text) => {
      ajv.addSchema(JSON.parse(text) as object, file);
    });
    loading.set(file, pending);
  }
  await pending;
  const ref = definition ? `${file}#/definitions/${definition}` : file;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`schema ${ref} not found`);
  return validate;
}
