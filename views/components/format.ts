/**
 * @module
 * Number and time formatting shared by the pages, so a size or a time reads the same
 * everywhere.
 */

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
 * Milliseconds since the epoch → `2025-01-02 13:04:05 UTC`. UTC until the Settings page
 * gives the console a display time zone.
 */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** The same instant as an ISO string, for `<time datetime>`. */
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
