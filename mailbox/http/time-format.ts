/** MESH's compact UTC timestamp, `yyyyMMddHHmmss`. */
export function meshTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-T:]/g, '').slice(0, 14);
}

/** ISO 8601 UTC without fractional seconds, as tracking's status_timestamp shows it. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
