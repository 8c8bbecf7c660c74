/**
 * @module
 * Summaries of the rows a browse matches (issue 18): how many fell in each bucket of
 * time (the Browse histogram), and the most frequent values of one column (top values).
 * Both run over the view `logs` of the range with the browse's own WHERE clause
 * ({@link checkedWhere}), on a locked-down connection.
 */
import type { DuckDBValue } from '@duckdb/node-api'
import { checkedWhere, logColumns, openLocked, SearchError, type Filter } from './log-search.js'
import type { LogsSource, TimeRange } from './query.js'
import { quoteIdent } from './sql-quote.js'

/** Bucket widths a histogram may use, in milliseconds: round ones, so bars read as "per 5 minutes". */
export const BUCKET_WIDTHS_MS = [
  1, 2, 5, 10, 15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 30 * 86_400,
].map((s) => s * 1000)

/** Most buckets a histogram has, unless the range is longer than 120 of the widest. */
export const MAX_BUCKETS = 120

/** Buckets of a histogram: `count` of `widthMs` each, the first starting at `originMs`. */
export interface Buckets {
  originMs: number
  widthMs: number
  count: number
}

/**
 * The buckets that cover `[fromMs, toMs)`: the narrowest round width giving at most
 * {@link MAX_BUCKETS}, edges on whole multiples of it in wall-clock time (`offsetMs`,
 * the zone's offset from UTC at `fromMs`), so hour bars start on the hour in the zone.
 * The first bucket may start before `fromMs`.
 */
export function chooseBuckets(fromMs: number, toMs: number, offsetMs: number): Buckets {
  const plan = (widthMs: number): Buckets => {
    const originMs = fromMs - mod(fromMs + offsetMs, widthMs)
    return { originMs, widthMs, count: Math.max(1, Math.ceil((toMs - originMs) / widthMs)) }
  }
  for (const width of BUCKET_WIDTHS_MS) {
    const buckets = plan(width)
    if (buckets.count <= MAX_BUCKETS) return buckets
  }
  return plan(BUCKET_WIDTHS_MS[BUCKET_WIDTHS_MS.length - 1]!)
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b
}

/** What {@link histogramLogs} counted: the rows of each bucket, in order, and their sum. */
export interface Histogram extends Buckets {
  /** Matching rows per bucket; `counts.length === count`. */
  counts: number[]
  total: number
}

/**
 * How many rows matching `filters` fell in each of `buckets` over `range`: one scan,
 * grouped by the bucket index of `received_at` (integer division of its µs).
 *
 * @throws SearchError for a bad filter (see {@link checkedWhere}) or one DuckDB refuses.
 */
export async function histogramLogs(source: LogsSource, range: TimeRange, filters: readonly Filter[], buckets: Buckets): Promise<Histogram> {
  const relation = await openLocked(source, range)
  try {
    const c = relation.connection
    const where = await checkedWhere(c, filters, await logColumns(c))
    const params: DuckDBValue[] = [...where.params, BigInt(buckets.originMs) * 1000n, BigInt(buckets.widthMs) * 1000n]
    const [origin, width] = [`$${params.length - 1}::BIGINT`, `$${params.length}::BIGINT`]
    const rows = (
      await c
        .runAndReadAll(`SELECT (epoch_us(received_at) - ${origin}) // ${width} AS bucket, count(*) AS n FROM logs WHERE ${where.sql} GROUP BY bucket`, params)
        .catch(searchError)
    ).getRowsJS() as [bigint, bigint][]
    const counts = Array<number>(buckets.count).fill(0)
    let total = 0
    for (const [bucket, n] of rows) {
      // The view holds only the range, which the buckets cover.
      counts[Number(bucket)] = Number(n)
      total += Number(n)
    }
    return { ...buckets, counts, total }
  } finally {
    await relation.close()
  }
}

/** Default of {@link TopValuesOptions.limit}. */
export const TOP_VALUES = 10
/**
 * Default of {@link TopValuesOptions.timeLimitMs}: 10 s. bench/browse.ts: columns of up to
 * 60,000 values over 10 million rows take well under a second; an all-distinct one,
 * many seconds and gigabytes of hash table.
 */
export const TOP_VALUES_TIME_LIMIT_MS = 10_000

/**
 * Whether top values of `column` mean anything to an operator. Not for `received_at`, a
 * time (the histogram shows it), nor `original_log`, the whole line: nearly every row has
 * its own, so each "top value" would count 1, and bench/browse.ts took 3.8 s over 10
 * million rows (most of 10 s at higher load) and gigabytes of hash table to show that.
 */
export function hasTopValues(column: string): boolean {
  return column !== 'received_at' && column !== 'original_log'
}

/** Options of {@link topValues}. */
export interface TopValuesOptions {
  /** How many values. Default {@link TOP_VALUES}. */
  limit?: number
  /** The count is interrupted after this long, in milliseconds. Default {@link TOP_VALUES_TIME_LIMIT_MS}. */
  timeLimitMs?: number
}

/** One of {@link topValues}: a value as text (NULL as null) and its rows. */
export interface ValueCount {
  value: string | null
  count: number
}

/** What {@link topValues} found: the most frequent values of a column, and the rows matching in all. */
export interface TopValues {
  column: string
  values: ValueCount[]
  /** Rows matching the filters, so the share of each value can be shown. */
  total: number
}

/**
 * The `limit` most frequent values of `column` among the rows matching `filters` in
 * `range`, most rows first (ties by value), NULL counted as a value of its own. Values
 * come as text cast the way the equals filter casts the column, so a value filters
 * exactly the rows it counts. Columns without them ({@link hasTopValues}) are refused. Every distinct value is counted, so a column whose values
 * are nearly all different (`original_log`) costs far more than one with a few thousand;
 * past `timeLimitMs` the count is stopped.
 *
 * @throws SearchError for a column the range does not have, a bad filter, or a count
 * stopped at its time limit.
 */
export async function topValues(source: LogsSource, range: TimeRange, filters: readonly Filter[], column: string, options: TopValuesOptions = {}): Promise<TopValues> {
  const { limit = TOP_VALUES, timeLimitMs = TOP_VALUES_TIME_LIMIT_MS } = options
  const relation = await openLocked(source, range)
  try {
    const c = relation.connection
    const columns = await logColumns(c)
    const chosen = columns.find((col) => col.name === column)
    if (chosen === undefined) throw new SearchError(`There is no column "${column}" in the chosen days.`)
    if (!hasTopValues(chosen.name)) throw new SearchError(`${chosen.name} has no top values: nearly every row has a value of its own. Filter on it instead.`)
    const where = await checkedWhere(c, filters, columns)
    const ident = quoteIdent(chosen.name)
    // Grouped on the column itself (integers group and order as numbers), cast for display
    // as the equals filter casts it. The empty grouping set is the match's total, in the same scan.
    const sql = `SELECT CAST(${ident} AS VARCHAR) AS value, count(*) AS n, grouping(${ident}) AS whole FROM logs WHERE ${where.sql}
      GROUP BY GROUPING SETS ((${ident}), ()) ORDER BY whole DESC, n DESC, ${ident} NULLS LAST LIMIT ${Math.max(1, Math.floor(limit)) + 1}`
    const prepared = await c.prepare(sql).catch(searchError)
    // Timed from the run: an interrupt while preparing would be lost.
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    let rows: [string | null, bigint, number][]
    try {
      prepared.bind(where.params)
      timer = setTimeout(() => {
        timedOut = true
        c.interrupt()
      }, timeLimitMs)
      rows = (await prepared.runAndReadAll()).getRowsJS() as typeof rows
    } catch (e) {
      if (timedOut) {
        throw new SearchError(`Counting the values of ${chosen.name} took longer than ${timeLimitMs / 1000} s and was stopped: it has too many different values in this range; add a filter or choose a shorter range.`)
      }
      throw new SearchError((e as Error).message)
    } finally {
      clearTimeout(timer)
      prepared.destroySync()
    }
    const [whole, ...values] = rows
    return { column: chosen.name, values: values.map(([value, n]) => ({ value, count: Number(n) })), total: Number(whole![1]) }
  } finally {
    await relation.close()
  }
}

/** DuckDB refuses a bad regex only when it runs: its message goes to the user. */
function searchError(e: Error): never {
  throw new SearchError(e.message)
}
