/**
 * @module
 * Number and time formatting shared by the pages, so a size or a time reads the same
 * everywhere. Times are shown in the console's display zone (config `timezone`), each
 * with its offset, because an offset changes with daylight saving time.
 */
import { microsToMs, utcOffsetMs, wallTime } from '../../src/web/time-range.js'

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** `1536` → `1.5 KiB`; binary units, as `du -h` and `df -h` print them. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}

/**
 * `timeZone`'s offset from UTC at `ms`: `UTC` where they agree, else `UTC+05:30`,
 * `UTC-04:00`. An offset rather than an abbreviation: ICU's abbreviations depend on the
 * locale (`CET` in en-GB is `GMT+1` in en-US) and repeat across zones (IST).
 */
export function zoneLabel(ms: number, timeZone: string): string {
  const o = offsetOf(ms, timeZone)
  return o.zero ? 'UTC' : `UTC${o.sign}${o.hours}:${o.minutes}`
}

/** `timeZone`'s offset at `ms` in parts: sign, two-digit hours and minutes. */
function offsetOf(ms: number, timeZone: string): { zero: boolean; sign: '+' | '-'; hours: string; minutes: string } {
  const total = Math.round(utcOffsetMs(ms, timeZone) / 60_000)
  const abs = Math.abs(total)
  const two = (n: number) => String(n).padStart(2, '0')
  return { zero: total === 0, sign: total < 0 ? '-' : '+', hours: two(Math.floor(abs / 60)), minutes: two(abs % 60) }
}

/** `Asia/Kolkata (UTC+05:30)`, or `UTC`: which zone a table's times are in, and its offset at `ms`. */
export function zoneNote(ms: number, timeZone: string): string {
  const label = zoneLabel(ms, timeZone)
  return label === timeZone ? label : `${timeZone} (${label})`
}

/** Milliseconds since the epoch → `2025-01-02 18:34:05 UTC+05:30`: wall time in `timeZone` and its offset. */
export function formatTime(ms: number, timeZone: string): string {
  return `${wallTime(ms, timeZone).replace('T', ' ')} ${zoneLabel(ms, timeZone)}`
}

/** The same instant as an ISO string in UTC, for `<time datetime>`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}

/** Seconds → `3 d 4 h`, `2 h 5 min`, `4 min 10 s`, `12 s`: the two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds)
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'min'],
    [s % 60, 's'],
  ]
  const first = parts.findIndex(([n]) => n > 0)
  if (first === -1) return '0 s'
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ')
}

/** `0.4567` → `45.7 %`. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)} %`
}

// DuckDB's text of a TIMESTAMPTZ as @duckdb/node-api prints it: the process's offset, trailing zeros of the fraction dropped.
const DUCKDB_TIMESTAMPTZ = /^([1-9]\d{3})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/

/**
 * A TIMESTAMPTZ as DuckDB prints it → microseconds since the epoch; `undefined` for text
 * that is not an instant of the years 1000–9999 (`infinity`, BC dates), shown as it is.
 */
export function parseDuckDbTimestampTz(text: string): bigint | undefined {
  const m = DUCKDB_TIMESTAMPTZ.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const offsetS = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0))
  const micros = BigInt((m[7] ?? '').padEnd(6, '0'))
  return BigInt(Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - offsetS) * 1_000_000n + micros
}

/**
 * Microseconds since the epoch → `2025-01-02 18:34:05.123+05:30`: the text DuckDB prints
 * for a TIMESTAMPTZ with `SET TimeZone` to `timeZone` (offset minutes only when not zero,
 * trailing zeros of the fraction dropped), so SQL results read as in the `duckdb` shell.
 */
export function formatDuckDbTimestampTz(us: bigint, timeZone: string): string {
  const ms = microsToMs(us)
  const fraction = (((us % 1_000_000n) + 1_000_000n) % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  const o = offsetOf(ms, timeZone)
  const offset = `${o.sign}${o.hours}${o.minutes === '00' ? '' : `:${o.minutes}`}`
  return `${wallTime(ms, timeZone).replace('T', ' ')}${fraction && `.${fraction}`}${offset}`
}
