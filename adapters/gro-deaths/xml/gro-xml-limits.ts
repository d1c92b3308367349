/** Bounds on a GRO death-registration XML file; every one is checked while the file streams past. */
export interface GroXmlLimits {
  /** Bytes of the file as received (before UTF-8 decoding). */
  maxBytes: number;
  /** DeathRegistration elements in one file. */
  maxRecords: number;
  /** Element nesting, the root element being depth 1. */
  maxDepth: number;
  /** Characters in one text node, and in the text of one element. */
  maxTextLength: number;
  /** Elements inside one DeathRegistration (its descendants). */
  maxElementsPerRecord: number;
  /** Attributes (namespace declarations included) on one element; DEFAULT_GRO_XML_LIMITS applies when unset. */
  maxAttributes?: number;
}

/** Limits for a weekly GRO extract: room for twice the largest expected file, nothing an attacker can inflate. */
export const DEFAULT_GRO_XML_LIMITS: Readonly<Required<GroXmlLimits>> = Object.freeze({
  maxBytes: 512 * 1024 * 1024,
  maxRecords: 200_000,
  maxDepth: 12,
  maxTextLength: 1_024,
  maxElementsPerRecord: 200,
  maxAttributes: 32,
});

// Lower bounds keep a valid file parseable: a record's fields sit at depth 4 (group, record, name, given name),
// and the root needs one attribute for its namespace.
const RANGES: Record<keyof GroXmlLimits, readonly [min: number, max: number]> = {
  maxBytes: [1, 2 ** 40],
  maxRecords: [1, 10_000_000],
  maxDepth: [4, 256],
  maxTextLength: [16, 1024 * 1024],
  maxElementsPerRecord: [1, 100_000],
  maxAttributes: [1, 10_000],
};

/** Limits from configuration: defaults overridden key by key, each range-checked; a string names the bad key. */
export function parseGroXmlLimits(value: unknown): Required<GroXmlLimits> | string {
  if (value === undefined || value === null) return { ...DEFAULT_GRO_XML_LIMITS };
  if (typeof value !== 'object' || Array.isArray(value)) return 'GRO XML limits must be an object';
  const limits: Required<GroXmlLimits> = { ...DEFAULT_GRO_XML_LIMITS };
  for (const [key, raw] of Object.entries(value)) {
    if (!Object.hasOwn(RANGES, key)) return `${key}: unknown GRO XML limit (known: ${Object.keys(RANGES).join(', ')})`;
    const name = key as keyof GroXmlLimits;
    const [min, max] = RANGES[name];
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
      return `${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`;
    }
    limits[name] = raw;
  }
  return limits;
}
