/**
 * @module
 * The time range of the data pages, read from the URL so a view can be bookmarked: a
 * preset relative to now (`15m`, `1h`, `24h`, `7d`) or a custom `from`–`to` typed as
 * wall-clock time in the engines' zone (`<input type="datetime-local">`). Also formats
 * instants in that zone, to the microsecond.
 */

/** Range presets, in menu order, with their length in milliseconds. */
export const RANGE_PRESETS = [
  { key: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const

/** A preset key or `custom`. */
export type RangeKey = (typeof RANGE_PRESETS)[number]['key'] | 'custom'

/** A range as chosen in the form and as resolved to instants. */
export interface ChosenRange {
  key: RangeKey
  /** `YYYY-MM-DDTHH:MM[:SS]` in the zone, as the form shows it. */
  fromText: string
  toText: string
  /** `[from, to)` in epoch milliseconds. */
  from: number
  to: number
  /** Why the custom range could not be used (the last hour is shown instead). */
  error?: string
  /** The input {@link error} is about. */
  invalid?: 'from' | 'to'
}

const DEFAULT_KEY = '1h'

/**
 * Reads `range`, `from`, `to` from the query. A custom range with a bad or empty bound
 * falls back to the last hour and says why.
 */
export function chooseRange(query: (name: string) => string | undefined, timeZone: string, now: number): ChosenRange {
  const key = query('range') ?? DEFAULT_KEY
  if (key === 'custom') {
    const fromText = (query('from') ?? '').trim()
    const toText = (query('to') ?? '').trim()
    const from = parseWallTime(fromText, timeZone)
    const to = parseWallTime(toText, timeZone)
    const written = (name: string, text: string) =>
      `${name} ${text === '' ? 'is empty' : `“${text}” is not a date and time`}; write it as 2025-01-02 14:30 or 2025-01-02 14:30:05 (24-hour).`
    let error: string | undefined
    let invalid: 'from' | 'to' = 'from'
    if (from === undefined) error = written('From', fromText)
    else if (to === undefined) [error, invalid] = [written('To', toText), 'to']
    else if (to <= from) [error, invalid] = ['To must be after From.', 'to']
    else return { key, fromText, toText, from, to }
    return { ...preset(DEFAULT_KEY, timeZone, now), key: 'custom', fromText, toText, error, invalid }
  }
  const known = RANGE_PRESETS.find((p) => p.key === key)
  return preset(known ? known.key : DEFAULT_KEY, timeZone, now)
}

function preset(key: (typeof RANGE_PRESETS)[number]['key'], timeZone: string, now: number): ChosenRange {
  const ms = RANGE_PRESETS.find((p) => p.key === key)!.ms
  // `to` is just past now, so a row received this millisecond is in the half-open range.
  const to = now + 1
  const from = now - ms
  return { key, from, to, fromText: wallTime(from, timeZone), toText: wallTime(now, timeZone) }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** The wall-clock fields of `ms` in `timeZone`. */
function fields(ms: number, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of formatter(timeZone).formatToParts(ms)) out[p.type] = p.value
  return out
}

/** `ms` as `YYYY-MM-DDTHH:MM:SS` wall-clock time in `timeZone` (24-hour, as {@link parseWallTime} reads it with a space or a `T`). */
export function wallTime(ms: number, timeZone: string): string {
  // Shifted by the zone's offset, the instant reads in UTC as the zone's wall clock.
  return new Date(Math.floor(ms / 1000) * 1000 + utcOffsetMs(ms, timeZone)).toISOString().slice(0, 19)
}

/**
 * The instant a wall-clock time `YYYY-MM-DDTHH:MM[:SS]` denotes in `timeZone`; for a time
 * a DST change skips or repeats, the instant with the offset in force just before it.
 */
export function parseWallTime(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number]
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s)
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined
  // Two rounds settle on the offset in force at the result (zones move at most twice a day).
  let ms = asUtc - utcOffsetMs(asUtc, timeZone)
  ms = asUtc - utcOffsetMs(ms, timeZone)
  return ms
}

const QUARTER_HOUR_MS = 900_000
/** Quarter hours remembered per zone before starting over: about a year's worth. */
const MAX_QUARTERS = 35_000
/** Offsets worked out so far, by zone and quarter hour since the epoch. */
const offsets = new Map<string, Map<number, number>>()

/**
 * How far `timeZone`'s wall clock is ahead of UTC at `ms`, in milliseconds (negative
 * west of Greenwich). ICU takes some 15 µs an answer, and a page of times asks about the
 * same few hours again and again, so the offset is kept per quarter hour when both ends
 * of it agree: zones never change twice within 15 minutes. Otherwise it is worked out
 * for `ms` itself.
 */
export function utcOffsetMs(ms: number, timeZone: string): number {
  let zone = offsets.get(timeZone)
  if (zone === undefined) offsets.set(timeZone, (zone = new Map()))
  const quarter = Math.floor(ms / QUARTER_HOUR_MS)
  const known = zone.get(quarter)
  if (known !== undefined) return known
  const start = offsetAt(quarter * QUARTER_HOUR_MS, timeZone)
  if (start !== offsetAt((quarter + 1) * QUARTER_HOUR_MS - 1, timeZone)) return offsetAt(ms, timeZone)
  if (zone.size >= MAX_QUARTERS) zone.clear()
  zone.set(quarter, start)
  return start
}

/** {@link utcOffsetMs} from ICU. */
function offsetAt(ms: number, timeZone: string): number {
  const f = fields(ms, timeZone)
  const wall = Date.UTC(Number(f.year), Number(f.month) - 1, Number(f.day), Number(f.hour), Number(f.minute), Number(f.second))
  // The wall fields stop at whole seconds, so compare with the instant's whole second.
  return wall - Math.floor(ms / 1000) * 1000
}

/** µs since the epoch → the millisecond it falls in (rounded down, also before 1970). */
export function microsToMs(us: bigint): number {
  return Number(us / 1000n) - (us % 1000n < 0n ? 1 : 0)
}

/** µs since the epoch → `YYYY-MM-DD HH:MM:SS.ffffff` in `timeZone`. */
export function formatMicros(us: bigint, timeZone: string, digits: 3 | 6 = 6): string {
  const ms = microsToMs(us)
  const micros = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n
  return `${wallTime(ms, timeZone).replace('T', ' ')}.${micros.toString().padStart(6, '0').slice(0, digits)}`
}

/** `ms` as `YYYYMMDDTHHMMSS` in `timeZone`, for file names. */
export function fileStamp(ms: number, timeZone: string): string {
  return wallTime(ms, timeZone).replace(/[-:]/g, '')
}
