/**
 * Routing rules: which messages go straight to the recipient's inbox (`deliver`) and which go to
 * an adapter, decided by workflow ID and optionally sender and recipient mailbox. Rules are tried
 * in order and the first match wins; a message no rule matches is delivered, so an empty rule
 * list is plain mailbox-to-mailbox MESH.
 *
 * Patterns are compiled once, at start-up, because match() runs for every message sent.
 */

/** Where a message goes: the recipient's inbox, or an adapter with that rule's settings. */
export type RouteTarget =
  | { kind: 'deliver' }
  | { kind: 'adapter'; adapter: string; settings: Record<string, unknown> };

/** A compiled workflow or mailbox pattern. */
export interface Pattern {
  /** As written in the rule, for logs and error messages. */
  readonly text: string;
  readonly kind: 'exact' | 'prefix' | 'glob';
  test(value: string): boolean;
}

export interface RouteRule {
  name: string;
  workflow: Pattern;
  sender?: Pattern;
  recipient?: Pattern;
  target: RouteTarget;
  /** `file:line` of the rule, for log and error messages. */
  source: string;
}

/** What the router knows about a message when it chooses a target. */
export interface RouteQuery {
  workflowId: string;
  sender: string;
  recipient: string;
}

export interface RouteMatch {
  /** The rule that matched, or null when none did and the message is delivered by default. */
  rule: RouteRule | null;
  target: RouteTarget;
}

/** The target of every message no rule matches. Frozen because it is shared by every match. */
export const DELIVER: RouteTarget = Object.freeze({ kind: 'deliver' });

// Only ECMAScript's syntax characters: escaping anything else (`-`, say) is a syntax error in a
// RegExp with the `u` flag, which is what makes `?` match one code point rather than half of one.
const REGEX_SYNTAX = /[\^$\\.*+?()[\]{}|/]/g;

/**
 * Compiles a pattern: no `*` or `?` is an exact ID, a single trailing `*` is a prefix, anything
 * else is a glob (`*` any run of characters, `?` exactly one). Case-insensitive patterns compare
 * upper-cased text, as mailbox IDs are upper-cased everywhere else.
 */
export function compilePattern(text: string, opts: { caseInsensitive?: boolean } = {}): Pattern {
  const fold = opts.caseInsensitive ? (s: string) => s.toUpperCase() : (s: string) => s;
  const want = fold(text);
  const wild = want.search(/[*?]/);
  if (wild === -1) return { text, kind: 'exact', test: (v) => fold(v) === want };
  if (wild === want.length - 1 && want.endsWith('*')) {
    const prefix = want.slice(0, -1);
    return { text, kind: 'prefix', test: (v) => fold(v).startsWith(prefix) };
  }
  let source = '';
  for (const ch of want) {
    source += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(REGEX_SYNTAX, '\\$&');
  }
  // `s` so a wildcard also matches a line break: a header value is not ours to trust, and a
  // glob that silently fails on odd input would route that message somewhere unintended.
  const re = new RegExp(`^${source}$`, 'su');
  return { text, kind: 'glob', test: (v) => re.test(fold(v)) };
}

/** An ordered, compiled rule list. */
export class Routes {
  private readonly list: readonly RouteRule[];

  constructor(rules: readonly RouteRule[]) {
    this.list = [...rules];
  }

  /** The rules, in the order they are tried. */
  get rules(): readonly RouteRule[] {
    return this.list;
  }

  /** The first rule matching this message and its target; `deliver` with no rule if none matches. */
  match(query: RouteQuery): RouteMatch {
    for (const rule of this.list) {
      if (!rule.workflow.test(query.workflowId)) continue;
      if (rule.sender && !rule.sender.test(query.sender)) continue;
      if (rule.recipient && !rule.recipient.test(query.recipient)) continue;
      return { rule, target: rule.target };
    }
    return { rule: null, target: DELIVER };
  }

  /** The distinct adapter names the rules use, in first-use order: the queues to declare and consume. */
  adapters(): string[] {
    const names = new Set<string>();
    for (const { target } of this.list) if (target.kind === 'adapter') names.add(target.adapter);
    return [...names];
  }
}
