/**
 * @module
 * One day file held open for writing: its own DuckDB instance (a second process cannot
 * open the file meanwhile; a second connection in this process can), the `logs` table
 * and {@link LANES} appenders the addon fills (see `native-append.ts`). Adds columns the
 * table lacks before appending; columns a chunk lacks are NULL and values of another
 * type are converted, so no row is ever refused for its shape.
 *
 * Why lanes: DuckDB compresses a transaction's rows in the thread that commits them. With
 * one appender, a commit of a second's rows took longer than a second at high rates while
 * the next appends waited behind it (bench/README.md). Each lane is a connection with its
 * own appender and transaction. Appends go to the active lane; the writer's timer seals
 * it, commits it in the background and moves appends to an idle lane, so commits run in
 * parallel beside the appends.
 *
 * Journaled rows (those with `journalRecords`, when the day is opened with a journal id):
 * a lane then holds its rows in an explicit transaction — rows of a DuckDB appender
 * join the transaction open on its connection — and commits, in that same transaction,
 * a `journal_commits` row per chunk naming the journal records the rows came from. After
 * a crash the writer reads these rows back and acknowledges those records again, so the
 * journal replays exactly the records whose rows were not committed.
 */

import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api'
import type { ColumnType } from '../engine/batch.js'
import type { RowChunk } from '../engine/row-chunk.js'
import type { DaySpan } from './day-files.js'
import { checkDayFile, DamagedDayFileError, isDamage } from './day-file-check.js'
import { appendChunk, flushAppender } from './native-append.js'
import { quoteIdent, quoteLiteral } from './sql-quote.js'

/** A column of the `logs` table; `type` is undefined for a type logsift never writes. */
interface TableColumn {
  name: string
  type: ColumnType | undefined
}

const SQL_TYPES: Record<ColumnType, string> = {
  varchar: 'VARCHAR',
  integer: 'INTEGER',
  utinyint: 'UTINYINT',
  timestamptz: 'TIMESTAMPTZ',
}

const FROM_SQL: Record<string, ColumnType> = {
  VARCHAR: 'varchar',
  INTEGER: 'integer',
  UTINYINT: 'utinyint',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
}

/**
 * Appenders per day file: one taking appends while up to two commit, one per core of the
 * reference machine. More would only hold more uncommitted rows in memory.
 */
export const LANES = 3

/**
 * Rows per row group of a day file (DuckDB's default is 122,880). A commit writes its
 * whole row groups compressed, once, in the committing thread. At high rates a commit
 * holds a second's rows, 100,000 or more, which with the default size would mostly go
 * through the write-ahead log and be compressed by a later, single-threaded checkpoint. Smaller
 * row groups also let a time-range query skip more (zone maps are per row group).
 */
const ROW_GROUP_ROWS = 32_768
const DEFAULT_ROW_GROUP_ROWS = 122_880

/** The day file's name inside its instance (which is in memory, so that the file can be attached with its row-group size). */
const DAY_DATABASE = 'day_file'

/** Rows DuckDB moves at a time: appends, commits, scans and checkpoints each hold whole vectors. */
const VECTOR_ROWS = 2048

/** The longest message: a UDP datagram's largest payload (TCP/TLS messages are capped lower by default). */
export const MAX_MESSAGE_BYTES = 65_507

/**
 * The text length a day file is first opened for: syslog lines are far shorter (RFC 3164
 * allows 1,024 bytes, RFC 5424 receivers must take 2,048), and the limit it gives stays
 * near the base. A longer value reopens the files for {@link MAX_MESSAGE_BYTES}.
 */
export const ORDINARY_TEXT_BYTES = 4096

/** Memory for written blocks and small working sets, the limit that served lines of ordinary length. */
const BASE_MEMORY_BYTES = 128 * 2 ** 20

/**
 * The day file instance's `memory_limit` for text values of up to `longestTextBytes`
 * (its text capacity).
 * A vector cannot be spilled while it is worked on, so a vector of the longest values
 * must fit pinned at once; each lane may commit one while a checkpoint rewrites another.
 * For 64 KiB datagrams that is 2,048 × 65,507 bytes = 128 MiB a vector, ≈ 640 MiB in all:
 * with 128 MB they failed a checkpoint ("failed to pin block") after about 2,000 rows and
 * DuckDB invalidated the file (bench/README.md). For lines of ordinary length it stays
 * near the base: DuckDB caches written blocks up to its limit, and a fixed limit of
 * 640 MiB took the collector past 1 GB at 200k msg/s of 300-byte lines.
 */
export function dayMemoryLimitBytes(longestTextBytes: number): number {
  return BASE_MEMORY_BYTES + (LANES + 1) * VECTOR_ROWS * longestTextBytes
}

/**
 * Settings of a day file's instance.
 * - DuckDB keeps written blocks cached up to `memory_limit` (by default 80% of RAM), so
 *   without one the collector's memory grows with the data it stores; queries on
 *   today's file run in this instance too and spill to disk beyond it. The limit is
 *   {@link dayMemoryLimitBytes} of the text capacity the file is opened for, fixed at
 *   open: the console locks the instance's configuration (`lockDown`, log-search.ts),
 *   after which `SET memory_limit` is refused, so a longer value reopens the file
 *   instead (`DuckDBWriter`). It is never lowered for an open file: checkpoints pin
 *   those values again after their commit.
 * - Its allocator (jemalloc) keeps freed memory until a task's peak passes
 *   `allocator_flush_threshold` (default 128 MB); a low threshold and background purging
 *   give memory back while ingest runs.
 * - Dictionary compression is off (set in {@link OpenDay.open}): DuckDB analysed every
 *   text block for it, hashing each string, and then mostly chose FSST anyway. Without
 *   it storing costs about a fifth less CPU per row for a file of the same size
 *   (bench/README.md); a column of few distinct values is somewhat larger in FSST.
 */
const DAY_FILE_SETTINGS = {
  allocator_flush_threshold: '16MB',
  allocator_background_threads: 'true',
}

/** First and last number of the journal records a chunk's rows came from. */
export type JournalRecords = readonly [number, number]

/** Told of each commit: rows committed, how long DuckDB took in milliseconds, and the journal records now stored. */
export type CommitListener = (rows: number, ms: number, records: readonly JournalRecords[]) => void

/** The table of committed journal records in each day file (see the module comment). */
export const JOURNAL_COMMITS = 'journal_commits'

/** What a lane's commit stored. */
interface Committed {
  rows: number
  records: JournalRecords[]
}

/** How DuckDB says that a commit failed only in the automatic checkpoint after it. */
const DURABLE_DESPITE = /COMMIT succeeded and is durable/

/** Rows a day file could not store, and why. */
export interface WriteLoss {
  rows: number
  error: Error
}

/** One appender on a connection of its own. Its operations run one at a time, in call order. */
class Lane {
  /** Rows appended since the lane's last commit. */
  pendingRows = 0
  /** Whether an append was queued after the last commit was. */
  dirty = false
  private appender: DuckDBAppender | undefined
  private last: Promise<unknown> = Promise.resolve()
  private queued = 0
  /** Journal records of the rows appended since the last commit. */
  private records: JournalRecords[] = []
  /** Whether the lane's connection has a transaction open. */
  private inTransaction = false

  /** `journalId`: the journal of journaled chunks, whose records are committed with their rows. */
  constructor(
    readonly connection: DuckDBConnection,
    private readonly journalId: string | undefined,
  ) {}

  /** Whether operations are queued or running. */
  get busy(): boolean {
    return this.queued > 0
  }

  /** Resolves with the lane once every operation started so far has settled. */
  async idle(): Promise<Lane> {
    while (this.busy) await this.last
    return this
  }

  /** Appends after the lane's earlier operations; resolves when the rows are in the appender. */
  append(chunk: RowChunk, table: readonly string[], fromUs: number, toUs: number): Promise<void> {
    this.dirty = true
    const records = this.journalId === undefined ? null : chunk.journalRecords
    return this.run(async () => {
      if (records && !this.inTransaction) {
        await this.connection.run('BEGIN TRANSACTION')
        this.inTransaction = true
      }
      this.appender ??= await this.connection.createAppender('logs', 'main', DAY_DATABASE)
      this.pendingRows += await appendChunk(this.appender, chunk, table, fromUs, toUs)
      if (records) this.records.push([records[0]!, records[1]!])
    })
  }

  /**
   * Commits the lane's rows after its earlier operations; resolves with how many were
   * committed, their journal records and, when the commit failed, why. Rows of a failed
   * commit stay counted in `pendingRows`: the day file is abandoned then, and they are
   * counted as lost (their journal records are not acknowledged, so a journal replays
   * them at the next start).
   */
  commit(): Promise<Committed & { error?: Error }> {
    this.dirty = false
    return this.run(async () => {
      const rows = this.pendingRows
      const records = this.records
      if (rows === 0 || this.appender === undefined) return { rows: 0, records: [] }
      try {
        await flushAppender(this.appender)
        if (this.inTransaction) {
          const values = records.map(([first, last]) => `(${quoteLiteral(this.journalId!)}, ${first}, ${last})`)
          await this.connection.run(`INSERT INTO ${JOURNAL_COMMITS} VALUES ${values.join(', ')}`)
          await this.connection.run('COMMIT')
        }
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e))
        // The rows are in the write-ahead log; only the checkpoint after them failed.
        if (DURABLE_DESPITE.test(error.message)) return { ...this.committed(), error }
        // Nothing of the transaction is stored.
        if (this.inTransaction) await this.connection.run('ROLLBACK').catch(() => undefined)
        this.inTransaction = false
        return { rows: 0, records: [], error }
      }
      return this.committed()
    })
  }

  /** What the lane's last commit stored; the lane starts afresh. */
  private committed(): Committed {
    const done = { rows: this.pendingRows, records: this.records }
    this.inTransaction = false
    this.pendingRows = 0
    this.records = []
    return done
  }

  /** Drops the appender (bound to the table's columns of its day) once the lane is idle. */
  closeAppender(): Promise<void> {
    return this.run(async () => {
      this.appender?.closeSync()
      this.appender = undefined
    })
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    this.queued++
    const run = this.last.then(op).finally(() => this.queued--)
    // The chain only orders operations; each caller sees its own failure.
    this.last = run.catch(() => undefined)
    return run
  }
}

/** A day file open for appending. Built by {@link OpenDay.open}. */
export class OpenDay {
  private columns: TableColumn[]
  /** The lane appends go to; the others are committing or idle. */
  private active: Lane
  private failed: Error | undefined
  private released = false

  private constructor(
    readonly span: DaySpan,
    readonly path: string,
    private readonly onCommit: CommitListener,
    private readonly instance: DuckDBInstance,
    /** For schema changes and checkpoints; the lanes have their own. */
    private readonly connection: DuckDBConnection,
    private readonly lanes: Lane[],
    columns: TableColumn[],
    /** The longest text value the instance's memory limit is sized for. */
    readonly textCapacity: number,
  ) {
    this.columns = columns
    this.active = lanes[0]!
  }

  /**
   * Opens (creating if needed) the file at `path`; an existing `logs` table is appended to.
   * `onCommit` hears of every commit, including those a schema change forces.
   *
   * @throws DamagedDayFileError when an existing file is damaged (see `day-file-check.ts`).
   */
  static async open(span: DaySpan, path: string, onCommit: CommitListener, journalId?: string, textCapacity = ORDINARY_TEXT_BYTES): Promise<OpenDay> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // Spilled blocks go beside the file, as for a file-backed instance, not into the working directory.
    const instance = await DuckDBInstance.create(':memory:', {
      ...DAY_FILE_SETTINGS,
      memory_limit: `${Math.ceil(dayMemoryLimitBytes(textCapacity) / 2 ** 20)}MiB`,
      temp_directory: `${path}.tmp`,
    })
    try {
      const connection = await instance.connect()
      // Given as an option of DuckDBInstance.create, DuckDB 1.5 ignores this one.
      await connection.run(`SET disabled_compression_methods = 'dictionary'`)
      const rowGroupRows = await rowGroupRowsOf(connection, path)
      await connection.run(`ATTACH ${quoteLiteral(path)} AS ${DAY_DATABASE} (ROW_GROUP_SIZE ${rowGroupRows})`)
      await connection.run(`USE ${DAY_DATABASE}`)
      if (journalId !== undefined) await connection.run(`CREATE TABLE IF NOT EXISTS ${JOURNAL_COMMITS} (journal_id VARCHAR, first_record BIGINT, last_record BIGINT)`)
      const lanes: Lane[] = []
      for (let i = 0; i < LANES; i++) lanes.push(new Lane(await connectDay(instance), journalId))
      return new OpenDay(span, path, onCommit, instance, connection, lanes, await readColumns(connection), textCapacity)
    } catch (cause) {
      instance.closeSync()
      if (cause instanceof DamagedDayFileError) throw cause
      if (isDamage(cause)) throw new DamagedDayFileError(path, cause)
      throw new Error(`cannot open day file ${path}`, { cause })
    }
  }

  /**
   * The first failed append or commit. DuckDB may have invalidated the instance then
   * (it does when a checkpoint fails), so the file is no longer written: the writer
   * {@link abandon}s it and opens the file anew.
   */
  get failure(): Error | undefined {
    return this.failed
  }

  /** Rows appended since the last commit. */
  get pendingRows(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.pendingRows, 0)
  }

  /** A new connection to this file's instance, with the day file as its default database; the caller closes it. */
  connect(): Promise<DuckDBConnection> {
    return connectDay(this.instance)
  }

  /**
   * Starts appending the rows of `chunk` received in `[fromUs, toUs)` on the active lane
   * and resolves with `appended`, which settles when the rows are in the appender;
   * `chunk` must live until then. The first chunk creates the table with its columns in
   * chunk order (SPEC §4 order); a later chunk with new columns adds them. A chunk with
   * no rows only does that, so a table can exist before its first row. Calls must not
   * overlap each other, {@link rotate} or {@link flush}.
   */
  async startAppend(chunk: RowChunk, fromUs: number, toUs: number): Promise<{ appended: Promise<void> }> {
    this.throwIfFailed()
    try {
      await this.ensureColumns(chunk.columns())
    } catch (e) {
      throw this.fail(e)
    }
    if (chunk.rowCount === 0) return { appended: Promise.resolve() }
    // Appended anyway, the values might fail a checkpoint and DuckDB invalidate the file.
    if (chunk.longestTextBytes > this.textCapacity) throw this.fail(new Error(`a value of ${chunk.longestTextBytes} bytes is longer than the ${this.textCapacity} this file was opened for`))
    return {
      appended: this.active.append(chunk, this.columnNames, fromUs, toUs).catch((e: unknown) => {
        throw this.fail(e)
      }),
    }
  }

  /**
   * Starts committing the active lane's rows and moves appends to an idle lane, waiting
   * for one while every other lane is still committing (so rows wait in the engine's
   * queue). Resolves, once appends can go on, with `committed`, which settles when the
   * commit has. The writer's timer calls this: commits then run beside the appends, on
   * as many threads as lanes are committing.
   */
  async rotate(): Promise<{ committed: Promise<void> }> {
    this.throwIfFailed()
    const sealed = this.active
    if (!sealed.dirty) return { committed: Promise.resolve() }
    const committed = this.commit([sealed])
    this.active = await Promise.race(this.lanes.filter((lane) => lane !== sealed).map((lane) => lane.idle()))
    return { committed }
  }

  /**
   * Commits the appended rows of every lane; until then they are invisible even to other
   * connections of this instance.
   */
  flush(): Promise<void> {
    this.throwIfFailed()
    return this.commit(this.lanes)
  }

  /**
   * Commits `lanes` in parallel, each once its earlier appends are in; DuckDB compresses
   * and writes on worker threads. When a lane fails, the others' rows are still
   * committed and counted, and the first failure is thrown.
   */
  private async commit(lanes: Lane[]): Promise<void> {
    const started = performance.now()
    const results = await Promise.all(lanes.map((lane) => lane.commit()))
    let rows = 0
    const records: JournalRecords[] = []
    for (const r of results) {
      rows += r.rows
      records.push(...r.records)
    }
    if (rows > 0) this.onCommit(rows, performance.now() - started, records)
    const failed = results.find((r) => r.error !== undefined)
    if (failed !== undefined) throw this.fail(failed.error)
  }

  /** The journal records `journalId`'s rows in this file came from, as committed. */
  async committedRecords(journalId: string): Promise<JournalRecords[]> {
    const exists = await this.connection.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE database_name = '${DAY_DATABASE}' AND table_name = '${JOURNAL_COMMITS}'`)
    if (exists.currentRowCount === 0) return []
    const reader = await this.connection.runAndReadAll(`SELECT first_record, last_record FROM ${JOURNAL_COMMITS} WHERE journal_id = ${quoteLiteral(journalId)}`)
    return reader.getRows().map(([first, last]) => [Number(first), Number(last)] as const)
  }

  /** Folds the write-ahead log into the file, so a read-only reader sees every row. */
  async checkpoint(): Promise<void> {
    await this.flush()
    try {
      await this.connection.run(`CHECKPOINT ${DAY_DATABASE}`)
    } catch (e) {
      throw this.fail(e)
    }
  }

  /**
   * Commits and releases the file, so other processes can open it. Resolves with the
   * rows that could not be committed (and why) instead of throwing: they are lost, and
   * the caller counts them; the file is released either way.
   */
  async close(): Promise<WriteLoss | undefined> {
    if (this.failed === undefined) {
      try {
        await this.flush()
        await this.closeAppenders()
        for (const lane of this.lanes) lane.connection.closeSync()
        await this.connection.run(`USE memory`)
        await this.connection.run(`DETACH ${DAY_DATABASE}`)
      } catch (e) {
        this.fail(e)
      }
    }
    if (this.failed !== undefined) return this.abandon()
    this.release()
    return undefined
  }

  /**
   * Releases the file without committing, after a failure: resolves with the rows appended
   * but not committed, which are lost. Idempotent; a second call reports none.
   */
  async abandon(): Promise<WriteLoss> {
    const error = this.failed ?? new Error(`day file ${this.path} was abandoned`)
    // Appends and commits under way settle first, so every row is either committed or counted here.
    await Promise.all(this.lanes.map((lane) => lane.idle()))
    const rows = this.pendingRows
    for (const lane of this.lanes) lane.pendingRows = 0
    this.release()
    return { rows, error }
  }

  /** Closes every connection and the instance; DuckDB rolls back what is uncommitted. */
  private release(): void {
    if (this.released) return
    this.released = true
    for (const lane of this.lanes) lane.connection.closeSync()
    this.connection.closeSync()
    this.instance.closeSync()
  }

  /** Records the first failure and returns `cause` as an error naming the file. */
  /** Marks a released file failed, so that the writer opens it again (see {@link failure}). */
  markFailed(cause: unknown): void {
    this.fail(cause)
  }

  private fail(cause: unknown): Error {
    const error = new Error(`cannot write day file ${this.path}`, { cause })
    this.failed ??= error
    return error
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw new Error(`day file ${this.path} is not written after a failure`, { cause: this.failed })
  }

  private get columnNames(): string[] {
    return this.columns.map((c) => c.name)
  }

  private async closeAppenders(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.closeAppender()))
  }

  /**
   * Creates the table, or adds the columns it lacks. `original_log` is declared FSST, so
   * DuckDB does not analyse other encodings for its nearly unique lines (bench/README.md).
   */
  private async ensureColumns(columns: readonly { name: string; type: ColumnType }[]): Promise<void> {
    if (this.columns.length === 0) {
      const list = [`received_at TIMESTAMPTZ`, ...columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPES[c.type]}${c.name === 'original_log' ? ' USING COMPRESSION fsst' : ''}`)]
      await this.connection.run(`CREATE TABLE IF NOT EXISTS logs (${list.join(', ')})`)
    } else {
      const have = new Set(this.columns.map((c) => c.name))
      const missing = columns.filter((c) => !have.has(c.name))
      if (missing.length === 0) return
      // The appenders are bound to the old column list: commit them before the table changes.
      await this.flush()
      await this.closeAppenders()
      for (const c of missing) await this.connection.run(`ALTER TABLE logs ADD COLUMN ${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`)
    }
    this.columns = await readColumns(this.connection)
  }
}

/**
 * Checks an existing day file at `path` ({@link checkDayFile}) and returns the row-group
 * size to attach it with: {@link ROW_GROUP_ROWS}, unless
 * its table already has larger row groups (a file from before logsift used smaller ones).
 * DuckDB 1.5 fails to append to such a table with a smaller size ("Could not find node
 * in column segment tree"), so that file keeps DuckDB's default.
 */
async function rowGroupRowsOf(connection: DuckDBConnection, path: string): Promise<number> {
  if (!existsSync(path)) return ROW_GROUP_ROWS
  await connection.run(`ATTACH ${quoteLiteral(path)} AS day_file_probe (READ_ONLY)`)
  try {
    await checkDayFile(connection, 'day_file_probe', path)
    const table = await connection.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE database_name = 'day_file_probe' AND schema_name = 'main' AND table_name = 'logs'`)
    if (table.currentRowCount === 0) return ROW_GROUP_ROWS
    const largest = await connection.runAndReadAll(
      `SELECT max(count) FROM pragma_storage_info('day_file_probe.main.logs') WHERE column_name = 'received_at' AND segment_type <> 'VALIDITY'`,
    )
    return Number(largest.getRows()[0]![0] ?? 0) > ROW_GROUP_ROWS ? DEFAULT_ROW_GROUP_ROWS : ROW_GROUP_ROWS
  } finally {
    await connection.run('DETACH day_file_probe')
  }
}

/** A connection whose unqualified names resolve in the day file. */
async function connectDay(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect()
  await connection.run(`USE ${DAY_DATABASE}`)
  return connection
}

async function readColumns(connection: DuckDBConnection): Promise<TableColumn[]> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'logs'
     ORDER BY column_index`,
  )
  return reader.getRows().map(([name, type]) => ({ name: String(name), type: FROM_SQL[String(type)] }))
}
