/**
 * String similarity for names: Jaro-Winkler (Winkler 1990, the US Census record-linkage measure)
 * and the optimal-string-alignment form of Damerau-Levenshtein distance. Both work on UTF-16 code
 * units, which is enough for names that went through normalizeName (A-Z, space, hyphen).
 */

/** Winkler's defaults: the prefix bonus counts at most 4 characters, 0.1 each, and only above 0.7. */
const PREFIX_SCALE = 0.1;
const MAX_PREFIX = 4;
const BOOST_THRESHOLD = 0.7;

// Scratch flags reused across calls (names are short; the trace compares millions of pairs a minute).
let aFlags = new Uint8Array(64);
let bFlags = new Uint8Array(64);

/** Jaro similarity in 0..1: matching characters within a window, penalised by transpositions. */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  if (aFlags.length < a.length) aFlags = new Uint8Array(a.length * 2);
  if (bFlags.length < b.length) bFlags = new Uint8Array(b.length * 2);
  const aMatched = aFlags.fill(0, 0, a.length);
  const bMatched = bFlags.fill(0, 0, b.length);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] === 1 || a.charCodeAt(i) !== b.charCodeAt(j)) continue;
      aMatched[i] = 1;
      bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let outOfOrder = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (aMatched[i] !== 1) continue;
    while (bMatched[j] !== 1) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) outOfOrder++;
    j++;
  }
  const transpositions = outOfOrder / 2;
  return (matches / a.length + matches / b.length + (matches - transpositions) / matches) / 3;
}

/** Jaro-Winkler similarity in 0..1: Jaro, raised for a common prefix (MARTHA/MARHTA ≈ 0.961). */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= BOOST_THRESHOLD) return j;
  let prefix = 0;
  const limit = Math.min(MAX_PREFIX, a.length, b.length);
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * PREFIX_SCALE * (1 - j);
}

/** True when damerauLevenshtein(a, b) <= 1, in one pass and without allocating. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  if (l.length - s.length > 1) return false;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === l.charCodeAt(i)) i++;
  if (s.length === l.length) {
    // One substitution at i, or the adjacent pair at i, i+1 swapped; the rest equal.
    if (s.slice(i + 1) === l.slice(i + 1)) return true;
    return i + 1 < s.length && s.charCodeAt(i) === l.charCodeAt(i + 1) && s.charCodeAt(i + 1) === l.charCodeAt(i) && s.slice(i + 2) === l.slice(i + 2);
  }
  // One insertion into the shorter at i.
  return s.slice(i) === l.slice(i + 1);
}

/**
 * Damerau-Levenshtein distance, optimal string alignment variant: insertions, deletions,
 * substitutions and transpositions of adjacent characters, each 1, no substring edited twice.
 */
export function damerauLevenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const width = b.length + 1;
  // Three rows are enough: a transposition looks two rows back.
  let before = new Array<number>(width).fill(0);
  let previous = Array.from({ length: width }, (_, j) => j);
  let current = new Array<number>(width).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] ?? 0;
}
