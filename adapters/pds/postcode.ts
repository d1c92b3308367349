// Outward code (area, district, optional sub-district) then inward code (sector digit, unit letters).
const POSTCODE = /^(?:GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$/;

/** A UK postcode in its normal form ("ls14ap" → "LS1 4AP"), or null if it is not postcode-shaped. */
export function normalizePostcode(raw: string): string | null {
  const compact = raw.toUpperCase().replace(/\s+/g, '');
  if (compact.length < 5 || compact.length > 7 || !POSTCODE.test(compact)) return null;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** The outward code of a normalised postcode ("LS1 4AP" → "LS1"). */
export function outwardCode(postcode: string): string {
  return postcode.split(' ')[0] ?? postcode;
}
