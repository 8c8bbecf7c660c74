/**
 * @module
 * Days and day files: which calendar day an instant falls on in the configured zone,
 * where that day's file lives (`<data_dir>/<engine>/<YYYY-MM-DD>.duckdb`), when the day
 * starts and ends (DST-safe: days of 23 and 25 hours, and zones whose clocks skip
 * midnight), and which day files an engine has.
 */

import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** A source of the current time, injectable so tests can cross midnight at will. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** One calendar day in a zone: `[start, end)` in epoch milliseconds. */
export interface DaySpan {
  /** `YYYY-MM-DD`. */
  day: string
  start: number
  end: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    // Creating a formatter costs far more than using one, and this runs per new day span.
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timeZone, f)
  }
  return f
}

/** The day (`YYYY-MM-DD`) that the instant `ms` falls on in `timeZone` (an IANA name). */
export function dayOf(ms: number, timeZone: string): string {
  let y = ''
  let m = ''
  let d = ''
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type === 'year') y = part.value
    else if (part.type === 'month') m = part.value
    else if (part.type === 'day') d = part.value
  }
  return `${y.padStart(4, '0')}-${m}-${d}`
}

// A day lasts at most 25 hours and zone offsets stay within ±14 hours, so a day's
// boundaries lie within this distance of any instant inside it.
const SEARCH_MS = 48 * 3600 * 1000

/**
 * The first instant after `ms` that falls on a later day in `timeZone`: the next
 * midnight, or the next day's first minute where the clocks skip midnight.
 */
export function nextMidnight(ms: number, timeZone: string): number {
  const day = dayOf(ms, timeZone)
  // dayOf is monotonic over this window, so bisect for the first instant past `day`.
  let lo = ms
  let hi = ms + SEARCH_MS
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (dayOf(mid, timeZone) > day) hi = mid
    else lo = mid
  }
  return hi
}

/** The day containing `ms`, with its boundaries. */
export function daySpan(ms: number, timeZone: string): DaySpan {
  const day = dayOf(ms, timeZone)
  let lo = ms - SEARCH_MS
  let hi = ms
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (dayOf(mid, timeZone) < day) lo = mid
    else hi = mid
  }
  return { day, start: hi, end: nextMidnight(ms, timeZone) }
}

/** `<dataDir>/<engine>/<day>.duckdb`. */
export function dayFilePath(dataDir: string, engine: string, day: string): string {
  return join(dataDir, engine, `${day}.duckdb`)
}

/** One day file found on disk. */
export interface DayFile {
  day: string
  path: string
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.duckdb$/

/**
 * An engine's day files, oldest first. Other files in the directory (DuckDB's `.wal`,
 * temporary files) are ignored; a missing directory means no days yet.
 */
export async function listDayFiles(dataDir: string, engine: string): Promise<DayFile[]> {
  let names: string[]
  try {
    names = await readdir(join(dataDir, engine))
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new Error(`cannot list the day files of engine "${engine}"`, { cause })
  }
  return names
    .map((name) => DAY_FILE.exec(name)?.[1])
    .filter((day): day is string => day !== undefined)
    .sort()
    .map((day) => ({ day, path: dayFilePath(dataDir, engine, day) }))
}
