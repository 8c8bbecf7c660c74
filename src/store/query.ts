/**
 * @module
 * One relation over an engine's day files for a time range: the view `logs`, on a
 * connection of its own. The writer's open day is read through the writer's instance (a
 * file held for writing cannot be opened again, but a second connection sees even
 * uncommitted rows); other days are ATTACHed read-only; a day whose file is gone but
 * which the engine's archive holds is read from its Parquet copy. Days are combined with
 * `UNION ALL BY NAME`, so days with different columns read together, missing ones NULL.
 */

import { DuckDBInstance, type DuckDBConnection, type JS } from '@duckdb/node-api'
import type { ArchiveStore } from '../archive/archive-store.js'
import type { ColumnType } from '../engine/batch.js'
import { archivedDays } from '../archive/archived-days.js'
import { dayOf, listDayFiles } from './day-files.js'
import type { DuckDBWriter } from './duckdb-writer.js'
import { quoteIdent, quoteLiteral } from './sql-quote.js'

/** Where an engine's days are. */
export interface LogsSource {
  /** Absolute data directory. */
  dataDir: string
  engine: string
  /** Canonical IANA zone of the day files. */
  timezone: string
  /** The engine's writer, when this process runs one; its open days are read through it. */
  writer?: DuckDBWriter
  /** The engine's archive, when it has one: days without a day file are read from it. */
  archive?: ArchiveStore
  /**
   * The columns a day file of the engine gets now, `received_at` first and with DESCRIBE's
   * type names (see {@link describedColumns}): a range without day files has them in its
   * view, so it offers the class's fields as a range with data does. Default
   * {@link EMPTY_COLUMNS}, the columns every engine has.
   */
  columns?: readonly { name: string; type: string }[]
}

/** A half-open time range `[from, to)`. */
export interface TimeRange {
  from: Date | number
  to: Date | number
}

/** Options of {@link openLogs}. */
export interface OpenLogsOptions {
  /**
   * Adds the column `__rowid` (BIGINT, last): the row's `rowid` in its day file. With
   * `received_at` it makes a stable key across days — rows with the same `received_at`
   * share a day file, since the writer files each row by the day of its `received_at`.
   * Default false.
   */
  rowid?: boolean
  /**
   * DuckDB settings (`memory_limit`, `threads`, …) of an instance of the relation's own,
   * used instead of the writer's whenever the range has no day the writer holds open:
   * a large read would otherwise fill the writer's buffer cache and slow its commits.
   * Default: the writer's instance whenever there
   * is a writer, an unconfigured instance otherwise.
   */
  ownInstance?: Record<string, string>
  /**
   * Runs on the connection before it reads anything, with the archived days the view may
   * read; what it throws is thrown as it is. {@link openLocked} locks the instance down here.
   */
  beforeRead?: (connection: DuckDBConnection, archivedDays: readonly string[]) => Promise<void>
}

/** The view `logs` over a range, ready for SQL. Call `close()` when done. */
export interface LogsRelation {
  /** A connection on which the temporary view `logs` is defined; do not close it directly. */
  connection: DuckDBConnection
  /** Days (`YYYY-MM-DD`) whose files the view reads. */
  days: string[]
  /** Those of {@link days} read from the archive, their day files being gone. */
  archived: string[]
  /** Drops the view, detaches the days and closes the connection. */
  close(): Promise<void>
}

let attachSeq = 0

/** The most two zones' dates differ by at one instant (UTC−12 to UTC+14). */
const ZONE_CHANGE_MARGIN_MS = 26 * 3600_000

/** Name of the row key column that `{ rowid: true }` adds. */
export const ROWID = '__rowid'

/**
 * The columns of an empty range, in SPEC §4 order: those every row has, then
 * `original_log`; types as DuckDB's DESCRIBE names them.
 */
export const EMPTY_COLUMNS: readonly { name: string; type: string }[] = [
  ['received_at', 'TIMESTAMP WITH TIME ZONE'],
  ['sender_ip', 'VARCHAR'],
  ['sender', 'VARCHAR'],
  ['facility', 'UTINYINT'],
  ['severity', 'UTINYINT'],
  ['hostname', 'VARCHAR'],
  ['app_name', 'VARCHAR'],
  ['proc_id', 'VARCHAR'],
  ['msg_id', 'VARCHAR'],
  ['log_time', 'TIMESTAMP WITH TIME ZONE'],
  ['original_log', 'VARCHAR'],
].map(([name, type]) => ({ name: name!, type: type! }))

/** The columns every row has, before the class fields. */
const FIXED = EMPTY_COLUMNS.map((c) => c.name).filter((name) => name !== 'original_log')

/** The type names DESCRIBE gives the column types logsift writes. */
const DESCRIBED: Record<ColumnType, string> = {
  varchar: 'VARCHAR',
  integer: 'INTEGER',
  utinyint: 'UTINYINT',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
}

/**
 * {@link LogsSource.columns} of an engine whose rows have `columns` after `received_at`
 * (the engine's `rowColumns`: header columns, `structured_data`, class fields, `original_log`).
 */
export function describedColumns(columns: readonly { name: string; type: ColumnType }[]): { name: string; type: string }[] {
  return [EMPTY_COLUMNS[0]!, ...columns.map((c) => ({ name: c.name, type: DESCRIBED[c.type] }))]
}

/** A view of no rows with `columns`. */
const emptyView = (columns: readonly { name: string; type: string }[]) => `SELECT ${columns.map((c) => `NULL::${c.type} AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`

/**
 * Opens the view `logs` over the rows of `source.engine` received in `range`.
 *
 * @example
 * const relation = await openLogs({ dataDir, engine: 'mikrotik', timezone, writer }, { from, to })
 * try {
 *   const reader = await relation.connection.runAndReadAll('SELECT count(*) FROM logs')
 * } finally {
 *   await relation.close()
 * }
 */
export async function openLogs(source: LogsSource, range: TimeRange, options: OpenLogsOptions = {}): Promise<LogsRelation> {
  const from = +range.from
  const to = +range.to
  const fromDay = dayOf(from, source.timezone)
  const lastDay = dayOf(Math.max(from, to - 1), source.timezone)
  // A file is named by the zone in force when it was written, so after a zone change a
  // row may sit in a file dated a day either side of its date now. Such neighbours are
  // read only when they hold rows of the range (a probe that zonemaps answer cheaply).
  const spanned = (day: string) => day >= fromDay && day <= lastDay
  const near = (day: string) =>
    day >= dayOf(from - ZONE_CHANGE_MARGIN_MS, source.timezone) && day <= dayOf(Math.max(from, to - 1) + ZONE_CHANGE_MARGIN_MS, source.timezone)

  const files = new Map((await listDayFiles(source.dataDir, source.engine)).map((f) => [f.day, f.path]))
  const held = new Set((source.writer?.openDays() ?? []).map((open) => open.day))
  for (const open of source.writer?.openDays() ?? []) files.set(open.day, open.path)
  // The archive is asked only when a day of the range has no file (a day file wins over
  // its archived copy): the usual recent range never waits for an S3 listing.
  const archived = source.archive && to > from && missesDays(files, fromDay, lastDay) ? new Map(await archivedDays(source.archive, source.engine)) : new Map<string, string>()
  for (const day of files.keys()) archived.delete(day)
  const candidates = to > from ? [...files.keys(), ...archived.keys()].filter(near).sort() : []
  const days: string[] = []
  const fromArchive: string[] = []

  // Run in the writer's instance when there is one, so the day it holds is readable;
  // with `ownInstance`, only when the range has such a day.
  const needsWriter = options.ownInstance === undefined || candidates.some((day) => spanned(day) && held.has(day))
  const writer = needsWriter ? source.writer : undefined
  const own = writer === undefined ? await DuckDBInstance.create(':memory:', options.ownInstance ?? {}) : undefined
  const connection = own ? await own.connect() : await writer!.connect()
  const attached: string[] = []
  // ATTACH is instance-wide: a day left attached to the writer's instance would stay
  // locked and visible to every other connection, so detach before closing.
  const release = async () => {
    try {
      await connection.run('DROP VIEW IF EXISTS temp.logs')
      for (const alias of attached) await connection.run(`DETACH DATABASE IF EXISTS ${quoteIdent(alias)}`)
    } finally {
      connection.closeSync()
      own?.closeSync()
    }
  }
  try {
    await options.beforeRead?.(connection, candidates.filter((day) => archived.has(day)))
  } catch (e) {
    await release().catch(() => undefined)
    throw e
  }
  try {
    const base = String((await connection.runAndReadAll('SELECT current_database()')).getRows()[0]![0])
    const bounds = `received_at >= ${timestampLiteral(from)} AND received_at < ${timestampLiteral(to)}`
    const parts: string[] = []
    const rowid = options.rowid ? `, rowid AS ${ROWID}` : ''
    for (const day of candidates) {
      const key = archived.get(day)
      if (key !== undefined) {
        // Virtual column of the Parquet reader: the row's place in the file, as stable as a rowid.
        const rowNumber = options.rowid ? `, file_row_number AS ${ROWID}` : ''
        // Without hive_partitioning = false, DuckDB adds the key's `engine=` and `date=` as columns.
        const table = `read_parquet(${quoteLiteral(await source.archive!.localPath(key))}, hive_partitioning = false)`
        if (!spanned(day) && (await connection.runAndReadAll(`SELECT 1 FROM ${table} WHERE ${bounds} LIMIT 1`)).currentRowCount === 0) continue
        days.push(day)
        fromArchive.push(day)
        parts.push(`SELECT *${rowNumber} FROM ${table}`)
        continue
      }
      // A neighbour the writer holds cannot be attached from an instance of our own; it
      // can only matter on the day of a zone change.
      if (writer === undefined && held.has(day)) continue
      let database = base
      if (!(writer !== undefined && day === writer.today)) {
        database = `logsift_${source.engine}_${day.replace(/-/g, '')}_${++attachSeq}`
        await connection.run(`ATTACH ${quoteLiteral(files.get(day)!)} AS ${quoteIdent(database)} (READ_ONLY)`)
        attached.push(database)
      }
      // A day file gets its table with its first batch; an idle day may have none yet.
      const hasTable = await connection.runAndReadAll(
        `SELECT 1 FROM duckdb_tables() WHERE database_name = ${quoteLiteral(database)} AND schema_name = 'main' AND table_name = 'logs'`,
      )
      const table = `${quoteIdent(database)}.main.logs`
      if (spanned(day)) days.push(day)
      if (hasTable.currentRowCount === 0) continue
      if (!spanned(day)) {
        const probe = await connection.runAndReadAll(`SELECT 1 FROM ${table} WHERE ${bounds} LIMIT 1`)
        if (probe.currentRowCount === 0) continue
        days.push(day)
      }
      parts.push(`SELECT *${rowid} FROM ${table}`)
    }
    // Newest day first, so the current class's field order leads the union's columns.
    const none = emptyView(source.columns ?? EMPTY_COLUMNS)
    const empty = options.rowid ? `SELECT *, NULL::BIGINT AS ${ROWID} FROM (${none})` : none
    const union = parts.length === 0 ? empty : parts.reverse().join('\nUNION ALL BY NAME\n')
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM (${union})`)
    const names = described.getRows().map((row) => String(row[0]))
    // SPEC §4 order whatever the days' histories: fixed columns, fields, original_log last
    // (a field added by ALTER TABLE lands after original_log in its day file).
    const ordered = [...FIXED.filter((c) => names.includes(c)), ...names.filter((c) => !FIXED.includes(c) && c !== 'original_log' && c !== ROWID)]
    if (names.includes('original_log')) ordered.push('original_log')
    if (options.rowid) ordered.push(ROWID)
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW logs AS SELECT ${ordered.map(quoteIdent).join(', ')} FROM (${union}) WHERE ${bounds}`,
    )
    return { connection, days: days.sort(), archived: fromArchive.sort(), close: release }
  } catch (cause) {
    await release().catch(() => undefined) // the original failure is the one to report
    throw new Error(`cannot open the logs of engine "${source.engine}" for ${new Date(from).toISOString()} – ${new Date(to).toISOString()}`, { cause })
  }
}

/** Options of {@link queryLogs}. */
export interface QueryLogsOptions {
  /** Most rows returned, newest first. Default 1000. */
  limit?: number
}

/**
 * The rows of `source.engine` received in `range`, newest first, as plain JS values
 * (TIMESTAMPTZ as `Date`, integers as numbers, NULL as `null`).
 */
export async function queryLogs(source: LogsSource, range: TimeRange, options: QueryLogsOptions = {}): Promise<Record<string, JS>[]> {
  const { limit = 1000 } = options
  const relation = await openLogs(source, range)
  try {
    const reader = await relation.connection.runAndReadAll(`SELECT * FROM logs ORDER BY received_at DESC LIMIT ${Math.max(0, Math.floor(limit))}`)
    return reader.getRowObjectsJS()
  } finally {
    await relation.close()
  }
}

/** Whether some day from `fromDay` to `lastDay` (inclusive) has no entry in `files`. */
function missesDays(files: ReadonlyMap<string, string>, fromDay: string, lastDay: string): boolean {
  const spanned = Math.round((Date.parse(lastDay) - Date.parse(fromDay)) / 86_400_000) + 1
  return [...files.keys()].filter((day) => day >= fromDay && day <= lastDay).length < spanned
}

function timestampLiteral(ms: number): string {
  return `TIMESTAMPTZ ${quoteLiteral(new Date(ms).toISOString())}`
}
