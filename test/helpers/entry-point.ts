/**
 * How tests start meshd and mesh as child processes. Compiled JavaScript from `npm run build`
 * when it is at least as new as every source file (a start then takes about 0.8 s), otherwise the
 * TypeScript entry under the loader tap itself uses (about 3.8 s, the whole tree transpiled per
 * child). `npm test` builds first (pretest), so a full run always takes the fast path; a single
 * `npx tap FILE` after an edit falls back to the sources rather than testing a stale build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../broker/config/package-root.js';

const ROOT = packageRoot();
const LOADER = join(ROOT, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs');
/** The folders the two programs are built from (tests and benchmarks are not in them). */
const SOURCE_DIRS = ['bin', 'mailbox', 'broker', 'adapters'];

let buildIsFresh: boolean | undefined;

/** Newest modification time of any .ts file under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Whether dist/ was built after the last change to any source (checked once per test process). */
function distIsFresh(): boolean {
  if (buildIsFresh === undefined) {
    const built = ['meshd', 'mesh'].map((name) => join(ROOT, 'dist', 'bin', `${name}.js`));
    buildIsFresh = built.every(existsSync)
      && Math.min(...built.map((f) => statSync(f).mtimeMs)) >= Math.max(...SOURCE_DIRS.map((d) => newestSource(join(ROOT, d))));
  }
  return buildIsFresh;
}

/** The node arguments that run `bin/<name>` (before the program's own arguments). */
export function entryArgs(name: 'meshd' | 'mesh'): string[] {
  if (distIsFresh()) return [join(ROOT, 'dist', 'bin', `${name}.js`)];
  return [`--import=${pathToFileURL(LOADER).href}`, join(ROOT, 'bin', `${name}.ts`)];
}

/** The loader used when the build is stale; exported so a test can check it is installed. */
export const TS_LOADER = LOADER;
