/**
 * @module
 * The configured time zone: `local` (the host's zone, read at start) or an IANA name.
 * Validity is whatever this Node's ICU accepts, so aliases such as `UTC` or
 * `Asia/Calcutta` work and the canonical spelling is used from then on.
 */

/**
 * The canonical IANA name for `zone`, resolving `local` to the host's zone.
 *
 * @returns the name, or `undefined` when ICU does not know the zone.
 */
export function resolveTimeZone(zone: string): string | undefined {
  if (zone === 'local') return new Intl.DateTimeFormat().resolvedOptions().timeZone
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    // RangeError is ICU's only way of saying "unknown zone"; the caller reports it.
    return undefined
  }
}
