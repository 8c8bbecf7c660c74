/**
 * @module
 * RFC 5424 §6.2.1 names of the facility and severity numbers of the syslog PRI: what the
 * console shows instead of the numbers, and what a filter on those columns may say.
 */

/** Facility 0..23 by number. */
export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const

/** Severity 0..7 by number. */
export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const

const NAMES: Record<string, readonly string[]> = { facility: FACILITY_NAMES, severity: SEVERITY_NAMES }

/** The name of `value` in column `column` (`facility` or `severity`); `undefined` for other columns and unknown numbers. */
export function syslogName(column: string, value: unknown): string | undefined {
  const names = NAMES[column]
  if (names === undefined || value === null || value === undefined) return undefined
  return names[Number(value)]
}

/** The number a name stands for in `column` (`local4` → 20, case-insensitive); `undefined` when it is no such name. */
export function syslogNumber(column: string, name: string): number | undefined {
  const at = NAMES[column]?.indexOf(name.trim().toLowerCase()) ?? -1
  return at < 0 ? undefined : at
}
