/**
 * @module
 * Number and time formatting shared by the pages, so a size or a time reads the same
 * everywhere. Times are shown in the console's display zone (config `timezone`), each
 * with its offset, because an offset changes with daylight saving time.
 */
import { utcOffsetMs, wallTime } from '../../src/web/time-range.js'

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
  const minutes = Math.round(utcOffsetMs(ms, timeZone) / 60_000)
  if (minutes === 0) return 'UTC'
  const abs = Math.abs(minutes)
  return `UTC${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
}

function two(n: number): string {
  return String(n).padStart(2, '0')
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
