import { doubleMetaphone } from 'double-metaphone';

/**
 * A name reduced to what comparisons use: diacritics folded, upper case, letters only, with
 * spaces and hyphens kept as part separators ("O'Brien-Smyth" → "OBRIEN-SMYTH").
 */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z\s-]/g, '')
    .replace(/\s*-\s*/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The parts of a normalised name: "SMITH-JONES" and "SMITH JONES" → ["SMITH", "JONES"]. */
export function nameParts(normalized: string): string[] {
  return normalized.split(/[\s-]+/).filter((p) => p.length > 0);
}

/**
 * Phonetic keys (Double Metaphone, both codes) of family names, of each name whole and of each
 * part of a double-barrelled one, so "Smythe-Jones" is found under Smith, Jones and the whole.
 * The index stores these; a trace looks candidates up by them.
 */
export function familyNameKeys(names: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const name of names) {
    const normalized = normalizeName(name);
    if (normalized === '') continue;
    const parts = nameParts(normalized);
    for (const form of parts.length > 1 ? [parts.join(''), ...parts] : parts) {
      for (const code of doubleMetaphone(form)) if (code !== '') keys.add(code);
    }
  }
  return [...keys];
}
