/**
 * @module
 * Which days of an engine an {@link ArchiveStore} holds, in the archive's fixed layout
 * `engine=<name>/date=<YYYY-MM-DD>/part-0.parquet`. Listings are reused for a few
 * seconds: a Browse page asks for its rows, count, histogram and top values at once, and
 * an S3 listing is a round trip each.
 */
import type { ArchiveStore } from './archive-store.js'

/** How long a listing is reused, in milliseconds; an archiver run shows after at most this long. */
export const LISTING_TTL_MS = 10_000

/** The key of `engine`'s archived `day`. */
export function archiveKey(engine: string, day: string): string {
  return `${archivePrefix(engine)}date=${day}/part-0.parquet`
}

/** The prefix of every key of `engine`, `engine=<name>/`. */
export function archivePrefix(engine: string): string {
  return `engine=${engine}/`
}

const DAY_KEY = /^date=(\d{4}-\d{2}-\d{2})\/part-0\.parquet$/

const listings = new Map<string, { expires: number; days: Promise<Map<string, string>> }>()

/**
 * `engine`'s archived days (`YYYY-MM-DD`) with their keys, oldest first; other keys under
 * the engine's prefix are ignored.
 *
 * @throws Error naming the store when it cannot be listed.
 */
export function archivedDays(store: ArchiveStore, engine: string, now = Date.now()): Promise<Map<string, string>> {
  const id = `${store.location}\n${engine}`
  const cached = listings.get(id)
  if (cached && cached.expires > now) return cached.days
  const prefix = archivePrefix(engine)
  const days = store.list(prefix).then(
    (keys) =>
      new Map(
        keys
          .filter((key) => key.startsWith(prefix))
          .map((key) => [DAY_KEY.exec(key.slice(prefix.length))?.[1], key] as const)
          .filter((entry): entry is [string, string] => entry[0] !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    (cause: unknown) => {
      if (listings.get(id)?.days === days) listings.delete(id) // a failed listing is asked again next time
      throw new Error(`cannot list the archived days of engine "${engine}" in ${store.location}`, { cause })
    },
  )
  listings.set(id, { expires: now + LISTING_TTL_MS, days })
  return days
}
