/** Digit weights of the Modulus 11 check: the first nine digits are weighted 10 down to 2. */
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** An NHS number as 10 digits with spaces and dashes removed ("943 476 5919" → "9434765919"), or null. */
export function normalizeNhsNumber(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, '');
  return /^[0-9]{10}$/.test(digits) ? digits : null;
}

/**
 * Whether `s` is 10 digits whose last is the Modulus 11 check digit of the first nine:
 * 11 − (weighted sum mod 11), where 11 stands for 0 and 10 means no number can end that way.
 */
export function isValidNhsNumber(s: string): boolean {
  if (!/^[0-9]{10}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < WEIGHTS.length; i++) sum += (s.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === s.charCodeAt(9) - 48;
}
