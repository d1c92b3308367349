/**
 * Loads conf/routes.yaml into a Routes. Every problem is a ConfigError naming `file:line`, the
 * JSON path and the reason, so a bad rule stops meshd at start-up instead of misrouting messages.
 *
 * An adapter the rules name but meshd does not have is an error, not a warning: a message routed
 * to it would sit in a queue nothing consumes until it expired, and nobody would be told why.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import YAML, { LineCounter, isMap, isNode, isScalar, isSeq, type Alias, type Document } from 'yaml';
import { ConfigError, configErrorFromAjv } from '../config/config-error.js';
import { displayPath } from '../config/load-config.js';
import { schemaValidator } from '../config/package-root.js';
import { DELIVER, Routes, compilePattern, type RouteRule, type RouteTarget } from './routes.js';

export interface LoadRoutesOptions {
  /** Relative paths resolve, and paths in error messages are shown, relative to this (default: process.cwd()). */
  cwd?: string;
}

/** The file's shape, as schemas/routes.schema.json admits it. */
interface RoutesFile {
  routes: Array<{
    name?: string;
    match: { workflow: string; sender?: string; recipient?: string };
    target: 'deliver' | { adapter: string; settings?: Record<string, unknown> };
  }>;
}

/** A YAML document with what is needed to turn a JSON path in it back into a line number. */
interface Located {
  doc: Document.Parsed;
  lines: LineCounter;
  shown: string;
}

/** Routes that deliver everything: for when no routes file is configured. */
export function emptyRoutes(): Routes {
  return new Routes([]);
}

/** Reads and validates a routes file; ConfigError naming file, line, path and reason on any problem. */
export async function loadRoutes(
  file: string, knownAdapters: ReadonlySet<string>, opts: LoadRoutesOptions = {},
): Promise<Routes> {
  const cwd = opts.cwd ?? process.cwd();
  const path = resolve(cwd, file);
  const located = await readDocument(path, displayPath(path, cwd));
  const { shown } = located;

  // An empty file is null; as {} it gets the clearer "/routes: is required".
  const data = toData(located) ?? {};
  const validate = await schemaValidator('routes.schema.json');
  if (!validate(data)) {
    const e = configErrorFromAjv(shown, validate.errors);
    throw new ConfigError(at(located, e.path), e.path, phrase(e));
  }

  const named = new Map<string, string>();
  const rules = (data as RoutesFile).routes.map((r, i): RouteRule => {
    const rulePath = `/routes/${i}`;
    const source = at(located, rulePath);
    const name = r.name ?? rulePath;
    if (r.name !== undefined) {
      const earlier = named.get(r.name);
      // Names exist to tell rules apart in logs; two alike would send someone to the wrong rule.
      if (earlier) throw new ConfigError(at(located, `${rulePath}/name`), `${rulePath}/name`, `duplicate route name "${r.name}", first used at ${earlier}`);
      named.set(r.name, source);
    }
    const rule: RouteRule = {
      name,
      workflow: compilePattern(r.match.workflow),
      target: toTarget(r.target, `${rulePath}/target`, knownAdapters, located),
      source,
    };
    if (r.match.sender !== undefined) rule.sender = compilePattern(r.match.sender, { caseInsensitive: true });
    if (r.match.recipient !== undefined) rule.recipient = compilePattern(r.match.recipient, { caseInsensitive: true });
    return rule;
  });
  return new Routes(rules);
}

function toTarget(
  target: RoutesFile['routes'][number]['target'], path: string, known: ReadonlySet<string>, located: Located,
): RouteTarget {
  if (target === 'deliver') return DELIVER;
  if (!known.has(target.adapter)) {
    const names = [...known].sort().join(', ') || 'none';
    throw new ConfigError(at(located, `${path}/adapter`), `${path}/adapter`, `unknown adapter "${target.adapter}" (known: ${names})`);
  }
  return { kind: 'adapter', adapter: target.adapter, settings: target.settings ?? {} };
}

// The schema can only say a target is not "deliver" or not an object, whichever branch it tried;
// naming both shapes is what tells someone who wrote `target: fanout` what was meant.
function phrase(e: ConfigError): string {
  if (/^\/routes\/\d+\/target$/.test(e.path) && e.reason !== 'is required') {
    return 'must be "deliver" or an adapter ({ adapter: NAME, settings: {...} })';
  }
  return e.reason;
}

/**
 * Parses the file keeping line positions. readYamlFile returns plain data only, and a rule's
 * line is wanted even when nothing is wrong (RouteRule.source), so the file is parsed here; the
 * syntax-error message is phrased as readYamlFile phrases it, so all config files read alike.
 */
async function readDocument(file: string, shown: string): Promise<Located> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(shown, '', code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? String(err)}`);
  }
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines });
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0]?.line;
    const reason = bad.message.split(' at line ')[0]?.split('\n')[0] ?? bad.code;
    throw new ConfigError(line ? `${shown}:${line}` : shown, '', `invalid YAML: ${reason}`);
  }
  return { doc, lines, shown };
}

/**
 * The document as plain data. Aliases are only resolved here, after parsing succeeded, so an
 * unquoted `workflow: *_ACK` (an alias to a missing anchor, to YAML) surfaces here and would
 * otherwise escape as a bare ReferenceError with no file or line.
 */
function toData(located: Located): unknown {
  const { doc, lines, shown } = located;
  try {
    // Capping alias expansion stops a "billion laughs" file from exhausting memory.
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    let dangling: Alias | undefined;
    YAML.visit(doc, {
      Alias: (_key, node) => {
        if (node.resolve(doc) !== undefined) return undefined;
        dangling = node;
        return YAML.visit.BREAK;
      },
    });
    if (dangling?.range) {
      throw new ConfigError(`${shown}:${lines.linePos(dangling.range[0]).line}`, '',
        `invalid YAML: alias *${dangling.source} has no anchor (quote a value that starts with "*")`);
    }
    throw new ConfigError(shown, '', `invalid YAML: ${(err as Error).message}`);
  }
}

/**
 * `file:line` for a JSON pointer into the document: the line of the deepest node along the path
 * that exists. A missing key (ajv's `required`) thus points at the object that lacks it, and a
 * key points at its own line rather than at its value's, which may start on the next.
 */
function at(located: Located, pointer: string): string {
  const { doc, lines, shown } = located;
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  const segments = pointer.split('/').slice(1).filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!isNode(item)) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? shown : `${shown}:${lines.linePos(offset).line}`;
}
