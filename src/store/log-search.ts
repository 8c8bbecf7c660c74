/**
 * @module
 * Searching, querying and exporting an engine's rows over any range of days (SPEC §6,
 * §7): per-column filters bound as parameters, keyset pages newest first, one row by
 * its key, read-only SQL, and CSV/Parquet exports written by DuckDB to a temp file.
 * Every connection used here first locks its DuckDB instance down to the engine's day
 * files and archived days (see {@link lockDown}), so even our own SQL cannot reach anything else.
 */

import { randomBytes } from 'node:crypto'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { StatementType, type DuckDBConnection, type DuckDBResult, type DuckDBValue } from '@duckdb/node-api'
import { isIPv6 } from 'node:net'
import type { ArchiveStore } from '../archive/archive-store.js'
import { archivePrefix } from '../archive/archived-days.js'
import { quoteIdent, quoteLiteral } from './sql-quote.js'
import { requiredLiteral } from './regex-literal.js'
import { syslogNumber } from './syslog-names.js'
import { statementRefusal, VOLATILE_SQL } from './sql-guard.js'
import { openLogs, ROWID, type LogsRelation, type LogsSource, type OpenLogsOptions, type TimeRange } from './query.js'

/** How a filter compares a column with its value. */
export const FILTER_OPS = ['eq', 'ne', 'prefix', 'contains', 'regex', 'cidr'] as const
/** One of {@link FILTER_OPS}. */
export type FilterOp = (typeof FILTER_OPS)[number]

/** `column op value`; filters combine with AND. */
export interface Filter {
  column: string
  op: FilterOp
  value: string
}

/** A problem with the request itself (bad column, bad CIDR, refused statement): shown to the user as is. */
export class SearchError extends Error {
  override readonly name = 'SearchError'
  /** The index of the filter at fault, so the form can show the message at its field. */
  readonly filter: number | undefined

  constructor(message: string, filter?: number) {
    super(message)
    this.filter = filter
  }
}

/** A column of the view `logs`: name and DuckDB type (`VARCHAR`, `TIMESTAMP WITH TIME ZONE`, …). */
export interface LogColumn {
  name: string
  type: string
}

/** Where a page starts: the key of the last row of the previous page. */
export interface RowKey {
  /** `received_at` in microseconds since the epoch. */
  receivedAtUs: bigint
  /** `rowid` in the row's day file. */
  rowid: bigint
}

/** A row for display: column name → value; TIMESTAMPTZ as µs since the epoch (bigint), NULL as null. */
export type LogRow = Record<string, string | number | bigint | boolean | null>

/** One page of {@link browseLogs}. */
export interface LogPage {
  /** Columns of the range, in SPEC §4 order. */
  columns: LogColumn[]
  rows: { key: RowKey; values: LogRow }[]
  /**
   * Rows matching the filters in the whole range, when finding the page counted them
   * anyway (no filter, or a first page with fewer matches than it holds); otherwise
   * absent, and {@link countLogs} counts them.
   */
  total?: number
  /** Key to pass as `after` for the next page; absent on the last page. */
  next?: RowKey
  /** Days whose files were read. */
  days: string[]
  /** Those of `days` read from the archive. */
  archived: string[]
}

/**
 * `columns` in the order Browse shows them — `received_at`, `original_log`, then the rest
 * as stored — without those named in `hidden`. The CSV export uses the same order, so a
 * file reads like the screen.
 */
export function screenColumns<C extends LogColumn>(columns: readonly C[], hidden: readonly string[] = []): C[] {
  const rank = (c: LogColumn) => (c.name === 'received_at' ? 0 : c.name === 'original_log' ? 1 : 2)
  // Array.prototype.sort is stable: the rest keep their stored order.
  return columns.filter((c) => !hidden.includes(c.name)).sort((a, b) => rank(a) - rank(b))
}

/** Whether a column holds addresses, so CIDR applies: `sender_ip` and the `*_ip` fields (SPEC §3.4). */
export function isAddressColumn(name: string): boolean {
  return name === 'sender_ip' || name.endsWith('_ip')
}

/** Whether a DuckDB type name is one of the integer types. */
function isIntegerType(type: string): boolean {
  return /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)$/.test(type)
}

/**
 * The directory `engine`'s exports are written to before they are streamed: inside the
 * data dir, on its file system; one per engine, since an engine's SQL may read its own
 * (see {@link lockDown}) and must not read another's.
 */
export function exportDir(dataDir: string, engine: string): string {
  return join(dataDir, '.exports', engine)
}

/**
 * The local directory holding `engine`'s archived Parquet files as DuckDB reads them
 * (`<localRoot>/engine=<name>/`): the engine's own archive only, never another engine's.
 */
export function archiveReadDir(store: ArchiveStore, engine: string): string {
  return join(store.localRoot, ...archivePrefix(engine).split('/')) + sep
}

let lockQueue: Promise<unknown> = Promise.resolve()

/**
 * Locks the instance of `connection` down to `source`'s day files, its archived days
 * ({@link archiveReadDir}) and the export directory: external access off, only those
 * directories allowed, configuration locked (SPEC §7). The settings are instance-wide and permanent, so they also bind the
 * writer's instance — appends, ALTER TABLE, CHECKPOINT and read-only ATTACH of the
 * engine's day files keep working (test/store/log-search.test.ts checks this).
 */
export async function lockDown(connection: DuckDBConnection, source: LogsSource): Promise<void> {
  // Serialized: two first queries racing would both try to SET, and the second would be refused.
  const run = lockQueue.then(async () => {
    const locked = (await connection.runAndReadAll("SELECT current_setting('lock_configuration')")).getRows()[0]![0]
    if (locked === true) return
    const allowed = [join(source.dataDir, source.engine) + sep, exportDir(source.dataDir, source.engine) + sep]
    if (source.archive) allowed.push(archiveReadDir(source.archive, source.engine))
    await connection.run(`SET allowed_directories = [${allowed.map(quoteLiteral).join(', ')}]`)
    await connection.run('SET enable_external_access = false')
    await connection.run('SET lock_configuration = true')
  })
  lockQueue = run.catch(() => undefined)
  return run
}

/** {@link openLogs} on a connection {@link lockDown} locked before it read anything. */
export function openLocked(source: LogsSource, range: TimeRange, options: OpenLogsOptions = {}): Promise<LogsRelation> {
  return openLogs(source, range, {
    ...options,
    beforeRead: async (connection, archivedDays) => {
      await lockDown(connection, source)
      if (archivedDays.length > 0) await mayReadArchive(connection, source)
    },
  })
}

/**
 * Throws unless the locked instance of `connection` may read `source`'s archive. The lock
 * is permanent, so the instance of today's day file, locked before a config reload gave the
 * engine its archive, cannot read archived days until the next day's file opens.
 *
 * @throws SearchError saying so.
 */
async function mayReadArchive(connection: DuckDBConnection, source: LogsSource): Promise<void> {
  const dir = archiveReadDir(source.archive!, source.engine)
  const allowed = (await connection.runAndReadAll("SELECT list_contains(current_setting('allowed_directories'), $1)", [dir])).getRows()[0]![0]
  if (allowed !== true) {
    throw new SearchError(
      `The archive of engine "${source.engine}" was set up after today's day file was opened: archived days can be read together with today from tomorrow on. Choose a range that ends before today.`,
    )
  }
}

/** The columns of the view `logs` on `connection`, without the row key. */
export async function logColumns(connection: DuckDBConnection): Promise<LogColumn[]> {
  const reader = await connection.runAndReadAll('DESCRIBE logs')
  return reader
    .getRows()
    .map((r) => ({ name: String(r[0]), type: String(r[1]) }))
    .filter((c) => c.name !== ROWID)
}

/**
 * The columns of the view `logs` over `range` with their DuckDB types, as a SQL
 * statement sees them: the day files' schemas combined, or the fixed columns of an empty range.
 */
export async function viewColumns(source: LogsSource, range: TimeRange): Promise<LogColumn[]> {
  const relation = await openLogs(source, range)
  try {
    return await logColumns(relation.connection)
  } finally {
    await relation.close()
  }
}

/** A WHERE clause and its parameters, numbered from `$1`. */
export interface Where {
  sql: string
  params: DuckDBValue[]
}

/**
 * The WHERE clause of `filters` over `columns`. Column names must be columns of the
 * view; values are always bound parameters.
 *
 * @throws SearchError for an unknown column, an operator that does not fit the column,
 * or a value that cannot be compared (a CIDR that does not parse, a non-integer value
 * for an integer column).
 */
export function filterWhere(filters: readonly Filter[], columns: readonly LogColumn[]): Where {
  const params: DuckDBValue[] = []
  const bind = (value: DuckDBValue) => {
    params.push(value)
    return `$${params.length}`
  }
  const terms = filters.map((f, index) => {
    try {
      return filterTerm(f, columns, bind)
    } catch (e) {
      if (e instanceof SearchError) throw new SearchError(e.message, index)
      throw e
    }
  })
  return { sql: terms.length === 0 ? 'true' : terms.map((t) => `(${t})`).join(' AND '), params }
}

/** The SQL of one filter, its values bound through `bind`. */
function filterTerm(f: Filter, columns: readonly LogColumn[], bind: (value: DuckDBValue) => string): string {
  const column = columns.find((c) => c.name === f.column)
  if (column === undefined) throw new SearchError(`There is no column "${f.column}" in the chosen days.`)
  const c = quoteIdent(column.name)
  const text = column.type === 'VARCHAR' ? c : `CAST(${c} AS VARCHAR)`
  switch (f.op) {
    case 'eq':
      return `${equalsOperand(column, c, text)} = ${equalsValue(column, f.value, bind)}`
    case 'ne':
      // NULL (no value, or a day without the column) is not the value, so it matches:
      // "≠ v" keeps exactly the rows "= v" leaves out, and the two counts add up.
      return `${equalsOperand(column, c, text)} IS DISTINCT FROM ${equalsValue(column, f.value, bind)}`
    case 'prefix':
      return `starts_with(${text}, ${bind(f.value)})`
    case 'contains':
      return `contains(${text}, ${bind(f.value)})`
    case 'regex': {
      // A literal every match contains is tested first: contains() is far cheaper than the regex.
      const literal = requiredLiteral(f.value)
      return `${literal === undefined ? '' : `contains(${text}, ${bind(literal)}) AND `}regexp_matches(${text}, ${bind(f.value)})`
    }
    case 'cidr': {
      if (!isAddressColumn(column.name)) throw new SearchError(`CIDR applies to address columns (sender_ip and *_ip), not to ${column.name}.`)
      const range = cidrRange(f.value)
      if (typeof range === 'string') throw new SearchError(range)
      if (range.family === 6) return `${ipv6Hex(text)} BETWEEN ${bind(range.lo)} AND ${bind(range.hi)}`
      // The whole octets the prefix fixes are a text prefix of every match (stored
      // addresses have no leading zeros): a cheap starts_with first spares most rows
      // the numeric parse, which DuckDB evaluates only on what the first test kept.
      const fixed = range.octets === '' ? '' : `starts_with(${text}, ${bind(range.octets)}) AND `
      return `${fixed}${ipv4Number(text)} BETWEEN ${bind(range.lo)}::UBIGINT AND ${bind(range.hi)}::UBIGINT`
    }
  }
}

/**
 * {@link filterWhere}, with each regex first compiled by DuckDB on its own: a bad one is
 * refused before any scan, at its filter, in words for an operator ({@link regexProblem})
 * rather than RE2's.
 *
 * @throws SearchError as {@link filterWhere} does, or for a regex RE2 does not accept.
 */
export async function checkedWhere(connection: DuckDBConnection, filters: readonly Filter[], columns: readonly LogColumn[]): Promise<Where> {
  const where = filterWhere(filters, columns)
  for (const [index, f] of filters.entries()) {
    if (f.op !== 'regex') continue
    const refusal = await connection.runAndReadAll("SELECT regexp_matches('', $1::VARCHAR)", [f.value]).then(
      () => undefined,
      (e: Error) => e.message,
    )
    if (refusal !== undefined) throw new SearchError(regexProblem(refusal), index)
  }
  return where
}

/** RE2's reasons (after DuckDB's "Invalid Input Error: ") as an operator reads them. */
const REGEX_REASONS: [string, string][] = [
  ['missing )', 'unclosed group: a ( without its )'],
  ['unexpected )', 'a ) without its ('],
  ['missing ]', 'unclosed character class: a [ without its ]'],
  ['bad repetition operator', 'a repetition (*, +, ?) that follows another one'],
  ['missing argument to repetition operator', 'a repetition (*, +, ?) with nothing before it to repeat'],
  ['invalid repetition size', 'a {m,n} count that is not a valid range'],
  ['trailing \\', 'it ends with a lone backslash'],
  ['invalid escape sequence', 'an unknown escape sequence'],
  ['invalid character class range', 'a character range that runs backwards'],
  ['invalid named capture group', 'a named group not written (?P<name>…)'],
  ['invalid perl operator', 'a (? group RE2 does not support; named groups are (?P<name>…)'],
]

/** A DuckDB regex error as "not a valid regular expression: unclosed group …", the fragment RE2 points at quoted. */
export function regexProblem(duckdbMessage: string): string {
  const reason = duckdbMessage.replace(/^[A-Za-z ]*Error: /, '')
  const known = REGEX_REASONS.find(([re2]) => reason.startsWith(re2))
  if (known === undefined) return 'not a valid regular expression (RE2 syntax).'
  const fragment = reason.slice(known[0].length).replace(/^: /, '')
  return `not a valid regular expression: ${known[1]}${fragment ? ` (at “${fragment}”)` : ''}.`
}

/** What equals and not-equals compare: an integer column as it is, anything else as text. */
function equalsOperand(column: LogColumn, ident: string, text: string): string {
  return isIntegerType(column.type) ? ident : text
}

/** The bound value equals and not-equals compare with; a whole number for an integer column. */
function equalsValue(column: LogColumn, value: string, bind: (value: DuckDBValue) => string): string {
  if (!isIntegerType(column.type)) return bind(value)
  const named = syslogNumber(column.name, value)
  if (named !== undefined) return `${bind(String(named))}::HUGEINT`
  if (!/^-?\d{1,20}$/.test(value.trim())) {
    const names = column.name === 'facility' ? ' or a facility name such as local4' : column.name === 'severity' ? ' or a severity name such as warning' : ''
    throw new SearchError(`${column.name} must be a whole number${names}; "${value}" is not.`)
  }
  return `${bind(value.trim())}::HUGEINT`
}

/** A CIDR as the lowest and highest address it covers, in the form {@link ipv4Number} / {@link ipv6Hex} compute. */
export interface CidrRange {
  family: 4 | 6
  /** IPv4: the address as a decimal integer; IPv6: 32 lower-case hex digits. */
  lo: string
  hi: string
  /** IPv4: the octets the prefix fixes, as text with a trailing dot (`10.1.` for /16); else empty. */
  octets: string
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (one address). Host bits may be
 * set (`10.1.2.3/8` means `10.0.0.0/8`), as operators often paste an address with its mask.
 *
 * @returns the range, or a reason in plain words.
 */
export function cidrRange(text: string): CidrRange | string {
  const m = /^\s*([^/\s]+)(?:\/(\d{1,3}))?\s*$/.exec(text)
  const bad = `"${text}" is not a CIDR; write 10.0.0.0/8 or 2001:db8::/32.`
  if (!m) return bad
  const address = m[1]!
  let bytes: number[]
  let family: 4 | 6
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address) && address.split('.').every((p) => Number(p) <= 255)) {
    bytes = address.split('.').map(Number)
    family = 4
  } else if (address.includes(':')) {
    if (!isIPv6(address)) return bad
    bytes = ipv6Bytes(address)
    family = 6
  } else {
    return bad
  }
  const width = bytes.length * 8
  const prefix = m[2] === undefined ? width : Number(m[2])
  if (prefix > width) return `/${prefix} is too long for an IPv${family} address (at most /${width}).`
  let value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)
  const hostBits = BigInt(width - prefix)
  const hostMask = (1n << hostBits) - 1n
  value &= ~hostMask
  const lo = value
  const hi = value | hostMask
  if (family === 6) return { family, lo: lo.toString(16).padStart(32, '0'), hi: hi.toString(16).padStart(32, '0'), octets: '' }
  const whole = Math.min(Math.floor(prefix / 8), 3)
  const octets = whole === 0 ? '' : `${[24, 16, 8].slice(0, whole).map((shift) => Number((lo >> BigInt(shift)) & 255n)).join('.')}.`
  return { family, lo: lo.toString(), hi: hi.toString(), octets }
}

/** The 16 bytes of a valid IPv6 address (`isIPv6` checked), `::` and a dotted IPv4 tail included. */
function ipv6Bytes(address: string): number[] {
  let text = address.replace(/%.*$/, '')
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : [])
  const h = groups(head)
  const t = groups(tail)
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t]
  return all.flatMap((g) => [g >> 8, g & 0xff])
}

/**
 * SQL: a dotted IPv4 text as an integer, NULL for anything else (an IPv6 address has no
 * dots, so its parts fail the cast). The engine stores canonical addresses (SPEC §3.4).
 */
function ipv4Number(text: string): string {
  const part = (i: number) => `TRY_CAST(split_part(${text}, '.', ${i}) AS UBIGINT)`
  return `CASE WHEN len(string_split(${text}, '.')) = 4 THEN ${part(1)} * 16777216 + ${part(2)} * 65536 + ${part(3)} * 256 + ${part(4)} END`
}

/**
 * SQL: an IPv6 text (RFC 5952 or any `::` form) as 32 hex digits, so a range test is a
 * string comparison; NULL for text without a colon. The groups before and after `::`
 * are padded to four digits and the gap filled with zeros.
 */
function ipv6Hex(text: string): string {
  const groups = (i: number) => `list_filter(string_split(split_part(lower(${text}), '::', ${i}), ':'), lambda g: g <> '')`
  const hex = (i: number) => `array_to_string(list_transform(${groups(i)}, lambda g: lpad(g, 4, '0')), '')`
  return `CASE WHEN contains(${text}, ':') THEN ${hex(1)} || repeat('0000', 8 - len(${groups(1)}) - len(${groups(2)})) || ${hex(2)} END`
}

/** SELECT list for display: TIMESTAMPTZ columns as µs since the epoch, so they format in the engine's zone. */
function displayList(columns: readonly LogColumn[]): string {
  return columns.map((c) => (c.type === 'TIMESTAMP WITH TIME ZONE' ? `epoch_us(${quoteIdent(c.name)}) AS ${quoteIdent(c.name)}` : quoteIdent(c.name))).join(', ')
}

/** Options of {@link browseLogs}. */
export interface BrowseOptions {
  filters: readonly Filter[]
  /** Start after this row (the `next` of the previous page). */
  after?: RowKey
  /** Rows per page. Default 100. */
  pageSize?: number
}

/** SQL for a TIMESTAMPTZ from a bound µs value; folded to a constant, so zone maps still prune. */
const AT_US = (param: string) => `make_timestamptz(${param}::BIGINT)`

/** A part `[fromUs, toUs)` of a range, in µs since the epoch. */
export interface SearchWindow {
  fromUs: bigint
  toUs: bigint
}

/** Each window of {@link searchWindows} and those before it span this many times what the earlier ones spanned. */
const WINDOW_GROWTH = 4n
/** How many times the search widens: the first window is 1/{@link WINDOW_GROWTH}^this of the range. */
const WINDOW_STEPS = 4

/**
 * The windows a filtered page is searched in, newest first: the newest 1/256 of
 * `[fromUs, toUs)`, then the parts that make it 1/64, 1/16, 1/4 and the whole range.
 * Rows are appended in `received_at` order, so each row group's zone map on
 * `received_at` is tight and a window reads only its own row groups: a page whose
 * matches are among the newest rows costs a small part of a full scan (at most four
 * times the part it needed), and one whose matches are rare or old costs one full scan,
 * in five queries. The windows partition the range by `received_at`, so rows sharing an
 * instant are always in the same window.
 */
export function searchWindows(fromUs: bigint, toUs: bigint): SearchWindow[] {
  const span = toUs - fromUs
  if (span <= 0n) return []
  const windows: SearchWindow[] = []
  let upper = toUs
  for (let step = WINDOW_STEPS; step > 0; step--) {
    const lower = toUs - span / WINDOW_GROWTH ** BigInt(step)
    if (lower >= upper || lower <= fromUs) continue
    windows.push({ fromUs: lower, toUs: upper })
    upper = lower
  }
  windows.push({ fromUs, toUs: upper })
  return windows
}

/**
 * A page of rows matching `filters`, newest first (`received_at`, then `rowid`,
 * descending). A filtered page is searched newest window first ({@link searchWindows}),
 * each window's newest matches taken by a DuckDB top-N. The total is there when it cost nothing extra (no filter, or a first
 * page with fewer matches than it holds); otherwise {@link countLogs} gives it.
 */
export async function browseLogs(source: LogsSource, range: TimeRange, options: BrowseOptions): Promise<LogPage> {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 100, 10_000))
  const relation = await openLocked(source, range, { rowid: true })
  try {
    const c = relation.connection
    const columns = await logColumns(c)
    const where = await checkedWhere(c, options.filters, columns)
    const params = [...where.params]
    let keyset = 'true'
    if (options.after) {
      params.push(options.after.receivedAtUs, options.after.rowid)
      const [at, id] = [`$${params.length - 1}`, `$${params.length}`]
      keyset = `received_at < ${AT_US(at)} OR (received_at = ${AT_US(at)} AND ${ROWID} < ${id}::BIGINT)`
    }
    const newest = (condition: string, bound: DuckDBValue[], limit: number) =>
      c
        .runAndReadAll(
          `SELECT ${displayList(columns)}, epoch_us(received_at) AS "__at", ${ROWID} FROM logs WHERE (${keyset}) AND ${condition}
           ORDER BY logs.received_at DESC, ${ROWID} DESC LIMIT ${limit}`,
          bound,
        )
        .then((reader) => reader.getRowObjectsJS())
    // One more row than the page shows: whether there is a next page.
    let total: number | undefined
    let all: Record<string, unknown>[]
    if (options.filters.length === 0) {
      // No filter: the count comes from metadata and the top-N reads two columns first.
      total = Number((await c.runAndReadAll('SELECT count(*) FROM logs')).getRows()[0]![0])
      all = await newest('true', params, pageSize + 1)
    } else {
      all = await newestMatches(c, windowedRange(range, options.after), pageSize + 1, (window, limit) => {
        const bound = [...params, window.fromUs, window.toUs]
        const [lo, hi] = [`$${bound.length - 1}`, `$${bound.length}`]
        // DuckDB refuses a bad regex only when it runs: its message goes to the user.
        return newest(`received_at >= ${AT_US(lo)} AND received_at < ${AT_US(hi)} AND (${where.sql})`, bound, limit).catch(userError)
      })
      // Fewer than asked for: the search read the whole range, and found every match.
      if (options.after === undefined && all.length <= pageSize) total = all.length
    }
    const rows = all.slice(0, pageSize).map((r) => {
      const key = { receivedAtUs: r.__at as bigint, rowid: BigInt(r[ROWID] as number | bigint) }
      const values: LogRow = {}
      for (const col of columns) values[col.name] = r[col.name] as LogRow[string]
      return { key, values }
    })
    const page: LogPage = { columns, rows, days: relation.days, archived: relation.archived }
    if (total !== undefined) page.total = total
    if (all.length > pageSize) page.next = rows[rows.length - 1]!.key
    return page
  } finally {
    await relation.close()
  }
}

/** The part of `range` a page after `after` can come from, in µs: up to and including `after`'s instant. */
function windowedRange(range: TimeRange, after: RowKey | undefined): SearchWindow {
  const fromUs = BigInt(+range.from) * 1000n
  const toUs = BigInt(+range.to) * 1000n
  return { fromUs, toUs: after && after.receivedAtUs + 1n < toUs ? after.receivedAtUs + 1n : toUs }
}

/**
 * The `limit` newest rows of `span` that `search` finds, newest first: `search` is asked
 * for the newest matches of one window ({@link searchWindows}) after another until
 * `limit` are found. The windows divide the span between its oldest and newest row (both
 * read from zone maps, a few ms), not the span asked for: a range that ends in the
 * future, or after the newest row, would otherwise spend its first windows on no rows.
 */
async function newestMatches<Row>(
  c: DuckDBConnection,
  span: SearchWindow,
  limit: number,
  search: (window: SearchWindow, limit: number) => Promise<Row[]>,
): Promise<Row[]> {
  const [oldest, newest] = (
    await c.runAndReadAll(`SELECT epoch_us(min(received_at)), epoch_us(max(received_at)) FROM logs WHERE received_at >= ${AT_US('$1')} AND received_at < ${AT_US('$2')}`, [
      span.fromUs,
      span.toUs,
    ])
  ).getRowsJS()[0]! as [bigint | null, bigint | null]
  const rows: Row[] = []
  if (oldest === null || newest === null) return rows
  for (const window of searchWindows(oldest, newest + 1n)) {
    rows.push(...(await search(window, limit - rows.length)))
    if (rows.length >= limit) break
  }
  return rows
}

/** The number of rows matching `filters` in `range`: a full scan for most filters. */
export async function countLogs(source: LogsSource, range: TimeRange, filters: readonly Filter[]): Promise<number> {
  const relation = await openLocked(source, range)
  try {
    const c = relation.connection
    const where = await checkedWhere(c, filters, await logColumns(c))
    return Number((await c.runAndReadAll(`SELECT count(*) FROM logs WHERE ${where.sql}`, where.params).catch(userError)).getRows()[0]![0])
  } finally {
    await relation.close()
  }
}

/** One row by its key, with the columns of its day; `undefined` when it does not exist. */
export async function findLogRow(source: LogsSource, key: RowKey): Promise<{ columns: LogColumn[]; values: LogRow } | undefined> {
  const ms = Number(key.receivedAtUs / 1000n)
  // The range [ms, ms + 1) spans exactly the one day the row was filed in.
  const relation = await openLocked(source, { from: ms, to: ms + 1 }, { rowid: true })
  try {
    const c = relation.connection
    const columns = await logColumns(c)
    const reader = await c.runAndReadAll(
      `SELECT ${displayList(columns)} FROM logs WHERE received_at = ${AT_US('$1')} AND ${ROWID} = $2::BIGINT`,
      [key.receivedAtUs, key.rowid],
    )
    const row = reader.getRowObjectsJS()[0]
    if (row === undefined) return undefined
    const values: LogRow = {}
    for (const col of columns) values[col.name] = row[col.name] as LogRow[string]
    return { columns, values }
  } finally {
    await relation.close()
  }
}

/** How far from a row {@link surroundingRows} looks: the days within a day of it. */
const SURROUNDING_SPAN_MS = 86_400_000

/** Options of {@link surroundingRows}. */
export interface SurroundingOptions {
  /** Rows before and after. */
  count: number
  /** Only rows with the row's `sender_ip`; false: every sender. */
  sameSender: boolean
}

/**
 * The `count` rows before `key` and the `count` after it, oldest first, with the row
 * itself between them: Browse's order (`received_at`, then `rowid`), read from the days
 * within a day of the row. `undefined` when the row does not exist.
 */
export async function surroundingRows(
  source: LogsSource,
  key: RowKey,
  { count, sameSender }: SurroundingOptions,
): Promise<{ columns: LogColumn[]; rows: { key: RowKey; values: LogRow }[] } | undefined> {
  const ms = Number(key.receivedAtUs / 1000n)
  const relation = await openLocked(source, { from: ms - SURROUNDING_SPAN_MS, to: ms + SURROUNDING_SPAN_MS }, { rowid: true })
  try {
    const c = relation.connection
    const columns = await logColumns(c)
    const at = AT_US('$1')
    const sender = sameSender ? `AND sender_ip IS NOT DISTINCT FROM (SELECT sender_ip FROM logs WHERE received_at = ${at} AND ${ROWID} = $2::BIGINT)` : ''
    const side = async (condition: string, order: 'ASC' | 'DESC', limit: number) =>
      (
        await c.runAndReadAll(
          `SELECT ${displayList(columns)}, epoch_us(received_at) AS "__at", ${ROWID} FROM logs WHERE (${condition}) ${sender}
           ORDER BY logs.received_at ${order}, ${ROWID} ${order} LIMIT ${limit}`,
          [key.receivedAtUs, key.rowid],
        )
      ).getRowObjectsJS()
    const itself = await side(`received_at = ${at} AND ${ROWID} = $2::BIGINT`, 'ASC', 1)
    if (itself.length === 0) return undefined
    const before = await side(`received_at < ${at} OR (received_at = ${at} AND ${ROWID} < $2::BIGINT)`, 'DESC', count)
    const after = await side(`received_at > ${at} OR (received_at = ${at} AND ${ROWID} > $2::BIGINT)`, 'ASC', count)
    const rows = [...before.reverse(), ...itself, ...after].map((r) => {
      const values: LogRow = {}
      for (const col of columns) values[col.name] = r[col.name] as LogRow[string]
      return { key: { receivedAtUs: r.__at as bigint, rowid: BigInt(r[ROWID] as number | bigint) }, values }
    })
    return { columns, rows }
  } finally {
    await relation.close()
  }
}

/** Options of {@link runSql}. */
export interface SqlOptions {
  /** Most rows returned for display. Default 1000. */
  rowLimit?: number
  /** Rows of the result skipped, unprinted, before the first one returned: where a page starts. Default 0. */
  offset?: number
  /**
   * Rows of the result counted in all, returned or not, so a page can say how many there
   * are: counting reads chunks without printing them. Default `offset + rowLimit`.
   */
  countTo?: number
  /** The query is interrupted after this long, in milliseconds. Default 30,000. */
  timeLimitMs?: number
  /**
   * Most text returned for display, in characters of the printed values: rows stop
   * before the one that would pass it. Default {@link DEFAULT_RESULT_TEXT}.
   */
  maxText?: number
}

/**
 * Default of {@link SqlOptions.maxText}: 10 million characters. A 200 MB page of 10,000
 * rows once took the server from 123 MB to 913 MB resident; printed and rendered as HTML,
 * this bound keeps a page to tens of MB.
 */
export const DEFAULT_RESULT_TEXT = 10_000_000

/** What a SQL statement returned, as DuckDB prints each value; NULL as null. */
export interface SqlResult {
  columns: LogColumn[]
  rows: (string | null)[][]
  /** Rows of the result read, up to {@link SqlOptions.countTo}: skipped, returned and counted ones. */
  counted: number
  /** More rows existed than were read ({@link SqlResult.counted}). */
  truncated: boolean
  /** Set when the rows stop short of `rowLimit` because their text reached `maxText`: that bound. */
  cutAtText?: number
}

/**
 * Prepares `sql` on the locked connection and refuses anything but one SELECT that
 * changes nothing. DuckDB decides, with no string matching: its parser
 * (`json_serialize_sql` serializes SELECT statements only, before any binding, so
 * `INSERT INTO missing_table` is refused as an INSERT rather than for its table), whose
 * tree must call only allowed functions ({@link statementRefusal}), then the prepared
 * statement's type.
 *
 * @throws SearchError when DuckDB cannot parse or prepare it, it is not a SELECT, or it
 * calls a function that changes state.
 */
async function prepareSelect(connection: DuckDBConnection, sql: string) {
  const parsed = (await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql])).getRows()[0]![0]
  const tree = JSON.parse(String(parsed)) as { error?: boolean; error_type?: string; error_message?: string; statements?: unknown[] }
  if (tree.error) {
    if (tree.error_type === 'parser') throw new SearchError(`Parser Error: ${tree.error_message}`)
    throw new SearchError(NOT_SELECT)
  }
  if (tree.statements!.length !== 1) throw new SearchError('Run one statement at a time.')
  // Checked before preparing: binding alone may run a table function's side effect.
  const refused = statementRefusal(tree.statements, await volatileFunctions(connection))
  if (refused) throw new SearchError(refused)
  let prepared
  try {
    prepared = await connection.prepare(sql)
  } catch (e) {
    throw new SearchError((e as Error).message)
  }
  if (prepared.statementType !== StatementType.SELECT) {
    prepared.destroySync()
    throw new SearchError(NOT_SELECT)
  }
  return prepared
}

let volatileNames: Promise<ReadonlySet<string>> | undefined

/** DuckDB's volatile function names, asked once: every instance of the process runs the same library. */
function volatileFunctions(connection: DuckDBConnection): Promise<ReadonlySet<string>> {
  if (volatileNames === undefined) {
    volatileNames = connection.runAndReadAll(VOLATILE_SQL).then((r) => new Set(r.getRows().map((row) => String(row[0]))))
    volatileNames.catch(() => (volatileNames = undefined)) // asked again next time
  }
  return volatileNames
}

/** Why a statement other than a SELECT is refused. */
export const NOT_SELECT = 'Only read-only queries (SELECT) can run here: no INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, COPY, SET, PRAGMA, INSTALL or LOAD.'

/**
 * Runs read-only `sql` over the view `logs` of `range`. Only a single SELECT statement
 * is accepted ({@link prepareSelect}); the instance is locked down first, so file access
 * outside the day files fails in DuckDB with a Permission Error.
 *
 * @throws SearchError with DuckDB's own message when the statement is refused, fails or times out.
 */
export async function runSql(source: LogsSource, range: TimeRange, sql: string, options: SqlOptions = {}): Promise<SqlResult> {
  const { rowLimit = 1000, offset = 0, timeLimitMs = 30_000, maxText = DEFAULT_RESULT_TEXT } = options
  const countTo = Math.max(options.countTo ?? 0, offset + rowLimit)
  const relation = await openLocked(source, range)
  try {
    const c = relation.connection
    const prepared = await prepareSelect(c, sql)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      c.interrupt()
    }, timeLimitMs)
    try {
      return await readPage(await prepared.stream(), { offset, rowLimit, countTo, maxText })
    } catch (e) {
      if (timedOut) throw new SearchError(`The query ran longer than ${timeLimitMs / 1000} s and was stopped.`)
      throw new SearchError((e as Error).message)
    } finally {
      clearTimeout(timer)
      prepared.destroySync()
    }
  } finally {
    await relation.close()
  }
}

/**
 * Reads `result` a chunk at a time: skips `offset` rows, prints the next ones row by row
 * until `rowLimit` rows or `maxText` characters, then only counts up to `countTo` rows.
 * Memory stays at one chunk beyond what is returned.
 */
async function readPage(
  result: DuckDBResult,
  { offset, rowLimit, countTo, maxText }: { offset: number; rowLimit: number; countTo: number; maxText: number },
): Promise<SqlResult> {
  const names = result.columnNames()
  const types = result.columnTypes()
  const columns = names.map((name, i) => ({ name, type: types[i]!.toString() }))
  const rows: (string | null)[][] = []
  let counted = 0
  let text = 0
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const skipped = Math.min(chunk.rowCount, Math.max(0, offset - counted))
    const printed = Math.min(chunk.rowCount - skipped, rowLimit - rows.length)
    const vectors = printed > 0 ? names.map((_, i) => chunk!.getColumnVector(i)) : []
    for (let r = skipped; r < skipped + printed; r++) {
      const row = vectors.map((vector) => {
        const value = vector.getItem(r)
        return value === null ? null : String(value)
      })
      text += row.reduce((n, v) => n + (v?.length ?? 0), 0)
      if (text > maxText) return { columns, rows, counted: counted + r, truncated: true, cutAtText: maxText }
      rows.push(row)
    }
    if (counted + chunk.rowCount > countTo) return { columns, rows, counted: countTo, truncated: true }
    counted += chunk.rowCount
  }
  return { columns, rows, counted, truncated: false }
}

/** Export file formats. */
export const EXPORT_FORMATS = ['csv', 'parquet'] as const
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** What to export: a browse filter (with the columns the screen hides), or a SQL statement. */
export type ExportQuery = { kind: 'filter'; filters: readonly Filter[]; hidden?: readonly string[] } | { kind: 'sql'; sql: string }

/** A finished export file; stream it, then call `remove()`. */
export interface ExportFile {
  path: string
  remove(): Promise<void>
}

/**
 * The DuckDB instance of an export that reads no day the writer holds: 100 MB of buffers
 * and one thread. bench/export.ts (5 million rows, a 1.17 GB CSV): the writer's
 * instance with the sort grew the server by 2,351 MiB; this one without it by 104 MiB
 * (CSV) and 119 MiB (Parquet). With two threads or a sort, DuckDB went past 200 MB or
 * ran out of memory at this limit. One thread also leaves the other core to the engines.
 */
function exportInstance(dir: string): Record<string, string> {
  return { memory_limit: '100MB', threads: '1', temp_directory: join(dir, 'spill') }
}

/** Default of {@link ExportLimits.maxBytes}: 2 GiB, about 9 million rows of bench/export.ts's CSV. */
export const DEFAULT_EXPORT_MAX_BYTES = 2 * 1024 ** 3
/** Default of {@link ExportLimits.timeLimitMs}: 300 s, the longest statement time limit. */
export const DEFAULT_EXPORT_TIME_LIMIT_MS = 300_000
/** How often a running export's file size is compared with its cap. */
const SIZE_CHECK_MS = 200

/** What stops an export before it ends by itself; the partial file is deleted. */
export interface ExportLimits {
  /** The export is interrupted after this long, in milliseconds. Default {@link DEFAULT_EXPORT_TIME_LIMIT_MS}. */
  timeLimitMs?: number
  /** The export is interrupted once its file is larger than this, in bytes. Default {@link DEFAULT_EXPORT_MAX_BYTES}. */
  maxBytes?: number
  /** Interrupts the export when it aborts: the client went away, or the server is stopping. */
  signal?: AbortSignal
}

/** What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). */
const FORMULA_START = ['=', '+', '-', '@', '\t', '\r']

/**
 * SQL: text `value` with a `'` put before it when it starts like a formula, so a
 * spreadsheet shows it as text; other values unchanged.
 */
function csvText(value: string): string {
  return `CASE WHEN left(${value}, 1) IN (${FORMULA_START.map(quoteLiteral).join(', ')}) THEN '''' || ${value} ELSE ${value} END`
}

/**
 * The SELECT list of a CSV export over `columns`, each read through `expr`: text cells
 * and header names escaped ({@link csvText}), other values as they are — a negative
 * number is no formula.
 */
function csvList(columns: readonly LogColumn[], expr: (index: number) => string): string {
  const header = (name: string) => (FORMULA_START.some((ch) => name.startsWith(ch)) ? `'${name}` : name)
  return columns.map((col, i) => `${col.type === 'VARCHAR' ? csvText(expr(i)) : expr(i)} AS ${quoteIdent(header(col.name))}`).join(', ')
}

/**
 * Writes the rows of `query` over `range` to a temp file in {@link exportDir}, with
 * DuckDB's `COPY … TO`: CSV with a header, or Parquet with zstd. There is no row cap,
 * but `limits` bound its time and size. CSV text cells that start like a formula get a
 * leading `'` ({@link csvText}); Parquet keeps every value. Browse exports are in stored
 * order (each day's rows as they were received), not sorted: a sort of the whole match
 * needs memory in proportion to it. Past days are read in a memory-limited instance
 * ({@link exportInstance}); a range with today is read through the writer's instance,
 * whose memory DuckDB's own default limit bounds.
 *
 * @throws SearchError for a bad filter, a statement that is not a SELECT, or an export
 * stopped by one of `limits` (its file deleted).
 */
export async function exportLogs(source: LogsSource, range: TimeRange, query: ExportQuery, format: ExportFormat, limits: ExportLimits = {}): Promise<ExportFile> {
  const { timeLimitMs = DEFAULT_EXPORT_TIME_LIMIT_MS, maxBytes = DEFAULT_EXPORT_MAX_BYTES, signal } = limits
  const dir = exportDir(source.dataDir, source.engine)
  await mkdir(dir, { recursive: true })
  const path = join(dir, `${randomBytes(12).toString('hex')}.${format}`)
  const remove = () => rm(path, { force: true })
  const options = format === 'csv' ? 'FORMAT csv, HEADER true' : "FORMAT parquet, COMPRESSION 'zstd'"
  const relation = await openLocked(source, range, { ownInstance: exportInstance(dir) })
  try {
    const c = relation.connection
    let copy: string
    let params: DuckDBValue[] = []
    if (query.kind === 'filter') {
      const stored = await logColumns(c)
      const where = await checkedWhere(c, query.filters, stored)
      // As the screen shows them: its order, without the columns the chooser hid.
      const columns = screenColumns(stored, query.hidden)
      if (columns.length === 0) throw new SearchError('Every column is hidden; show at least one to export.')
      const list = format === 'csv' ? csvList(columns, (i) => quoteIdent(columns[i]!.name)) : columns.map((col) => quoteIdent(col.name)).join(', ')
      copy = `COPY (SELECT ${list} FROM logs WHERE ${where.sql}) TO ${quoteLiteral(path)} (${options})`
      params = where.params
    } else {
      // The statement alone must be one SELECT; wrapped, it must still be one statement,
      // so nothing in it can close the parenthesis and append options of its own.
      const prepared = await prepareSelect(c, query.sql)
      const columns = Array.from({ length: prepared.columnCount }, (_, i) => ({ name: prepared.columnName(i), type: prepared.columnType(i).toString() }))
      prepared.destroySync()
      const statement = query.sql.replace(/[\s;]+$/, '')
      // Read by position: the statement's own column names may repeat.
      const aliases = columns.map((_, i) => quoteIdent(`c${i}`))
      const select = format === 'csv' ? `SELECT ${csvList(columns, (i) => `__q.${aliases[i]}`)} FROM (\n${statement}\n) AS __q(${aliases.join(', ')})` : statement
      copy = `COPY (\n${select}\n) TO ${quoteLiteral(path)} (${options})`
      const extracted = await c.extractStatements(copy).catch(userError)
      if (extracted.count !== 1) throw new SearchError('This statement cannot be exported.')
    }
    await copyWithin(c, copy, params, path, { timeLimitMs, maxBytes, signal })
  } catch (e) {
    await remove()
    throw e
  } finally {
    await relation.close()
  }
  return { path, remove }
}

/** `1.5 GB`: bytes in decimal units, as the messages say them. */
function sizeText(bytes: number): string {
  const [unit, scale] = bytes >= 1e9 ? ['GB', 1e9] : bytes >= 1e6 ? ['MB', 1e6] : ['kB', 1e3]
  return `${Number((bytes / (scale as number)).toFixed(1))} ${unit}`
}

/**
 * Runs `copy` (a `COPY … TO path`), interrupting it when it runs past `timeLimitMs`, its
 * file grows past `maxBytes` (checked every {@link SIZE_CHECK_MS}, and once more at the
 * end), or `signal` aborts.
 *
 * @throws SearchError with DuckDB's message, or saying which limit stopped it.
 */
async function copyWithin(
  c: DuckDBConnection,
  copy: string,
  params: DuckDBValue[],
  path: string,
  { timeLimitMs, maxBytes, signal }: { timeLimitMs: number; maxBytes: number; signal: AbortSignal | undefined },
): Promise<void> {
  const stopped = {
    time: `The export ran longer than ${timeLimitMs / 1000} s and was stopped; choose a shorter range or a smaller result.`,
    size: `The export passed ${sizeText(maxBytes)} and was stopped; choose a shorter range, a smaller result, or Parquet.`,
    cancelled: 'The export was cancelled: the download was closed.',
  }
  let why: keyof typeof stopped | undefined
  let running = true
  const stop = (reason: keyof typeof stopped) => {
    // A size check still in flight when the COPY ends must not interrupt the next statement.
    if (why || !running) return
    why = reason
    c.interrupt()
  }
  if (signal?.aborted) throw new SearchError(stopped.cancelled)
  const onAbort = () => stop('cancelled')
  signal?.addEventListener('abort', onAbort)
  const timer = setTimeout(() => stop('time'), timeLimitMs)
  const tooLarge = async () => ((await stat(path).catch(() => undefined))?.size ?? 0) > maxBytes
  const sizer = setInterval(() => void tooLarge().then((large) => large && stop('size')), SIZE_CHECK_MS)
  try {
    await c.run(copy, params)
  } catch (e) {
    throw new SearchError(why ? stopped[why] : (e as Error).message)
  } finally {
    running = false
    clearTimeout(timer)
    clearInterval(sizer)
    signal?.removeEventListener('abort', onAbort)
  }
  // Finished between two checks, or interrupted too late to fail: the limits still hold.
  if (why) throw new SearchError(stopped[why])
  if (await tooLarge()) throw new SearchError(stopped.size)
}

function userError(e: Error): never {
  throw new SearchError(e.message)
}
