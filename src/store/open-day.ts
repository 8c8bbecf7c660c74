/**
 * @module
 * One day file held open for writing: its own DuckDB instance (a second process cannot
 * open the file meanwhile; a second connection in this process can), the `logs` table
 * and an appender the addon fills (see `native-append.ts`). Adds columns the table lacks
 * before appending; columns a chunk lacks are NULL and values of another type are
 * converted, so no row is ever refused for its shape.
 */

import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api'
import type { ColumnType } from '../engine/batch.js'
import type { RowChunk } from '../engine/row-chunk.js'
import type { DaySpan } from './day-files.js'
import { appendChunk, flushAppender } from './native-append.js'

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
 * Settings of a day file's instance.
 * - DuckDB keeps written blocks cached up to `memory_limit` (by default 80% of RAM), so
 *   without one the collector's memory grows with the data it stores; queries on
 *   today's file run in this instance too and spill to disk beyond it.
 * - Its allocator (jemalloc) keeps freed memory until a task's peak passes
 *   `allocator_flush_threshold` (default 128 MB); a low threshold and background purging
 *   give memory back while ingest runs.
 * - By default a commit over 100 kB skips the write-ahead log and checkpoints at once,
 *   and every checkpoint recompresses the table's unfinished last row group; with
 *   commits every second that compressed each row two to three times. Commits now go to
 *   the log and a checkpoint runs per 64 MB of it: about 25% less CPU per stored row at
 *   50k rows/s (bench/README.md).
 */
const DAY_FILE_SETTINGS = {
  memory_limit: '128MB',
  allocator_flush_threshold: '16MB',
  allocator_background_threads: 'true',
  auto_checkpoint_skip_wal_threshold: String(2 ** 40),
  checkpoint_threshold: '64MB',
}

/** Told of each commit: rows committed and how long DuckDB took, in milliseconds. */
export type CommitListener = (rows: number, ms: number) => void

/** Quotes an SQL identifier. Column names come from config and regex group names. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A day file open for appending. Built by {@link OpenDay.open}. */
export class OpenDay {
  /** Rows appended since the last commit. */
  pendingRows = 0
  private appender: DuckDBAppender | undefined
  private columns: TableColumn[]

  private constructor(
    readonly span: DaySpan,
    readonly path: string,
    private readonly onCommit: CommitListener,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    columns: TableColumn[],
  ) {
    this.columns = columns
  }

  /**
   * Opens (creating if needed) the file at `path`; an existing `logs` table is appended to.
   * `onCommit` hears of every commit, including those a schema change forces.
   */
  static async open(span: DaySpan, path: string, onCommit: CommitListener): Promise<OpenDay> {
    await mkdir(dirname(path), { recursive: true })
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(path, DAY_FILE_SETTINGS)
    } catch (cause) {
      throw new Error(`cannot open day file ${path}`, { cause })
    }
    const connection = await instance.connect()
    return new OpenDay(span, path, onCommit, instance, connection, await readColumns(connection))
  }

  /** A new connection to this file's instance; the caller closes it. */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect()
  }

  /**
   * Appends the rows of `chunk` received in `[fromUs, toUs)`. The first chunk creates the
   * table with its columns in chunk order (SPEC §4 order); a later chunk with new columns
   * adds them. A chunk with no rows only does that, so a table can exist before its
   * first row.
   */
  async append(chunk: RowChunk, fromUs: number, toUs: number): Promise<void> {
    await this.ensureColumns(chunk.columns())
    if (chunk.rowCount === 0) return
    const appender = await this.ensureAppender()
    this.pendingRows += await appendChunk(appender, chunk, this.columnNames, fromUs, toUs)
  }

  /**
   * Commits the appended rows; until then they are invisible even to other connections
   * of this instance. DuckDB compresses and writes on a worker thread.
   */
  async flush(): Promise<void> {
    const rows = this.pendingRows
    if (rows === 0 || this.appender === undefined) return
    const started = performance.now()
    await flushAppender(this.appender)
    this.pendingRows = 0
    this.onCommit(rows, performance.now() - started)
  }

  /** Folds the write-ahead log into the file, so a read-only reader sees every row. */
  async checkpoint(): Promise<void> {
    await this.flush()
    await this.connection.run('CHECKPOINT')
  }

  /** Commits and releases the file, so other processes can open it. */
  async close(): Promise<void> {
    await this.flush()
    this.closeAppender()
    this.connection.closeSync()
    this.instance.closeSync()
  }

  private get columnNames(): string[] {
    return this.columns.map((c) => c.name)
  }

  /**
   * Creates the table, or adds the columns it lacks. `original_log` is always FSST:
   * DuckDB would otherwise try dictionary compression on every block of nearly unique
   * lines before choosing FSST anyway, about an eighth of the collector's CPU per row at
   * high rates (bench/README.md), for a file of the same size.
   */
  private async ensureColumns(columns: readonly { name: string; type: ColumnType }[]): Promise<void> {
    if (this.columns.length === 0) {
      const list = [`received_at TIMESTAMPTZ`, ...columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPES[c.type]}${c.name === 'original_log' ? ' USING COMPRESSION fsst' : ''}`)]
      await this.connection.run(`CREATE TABLE IF NOT EXISTS logs (${list.join(', ')})`)
    } else {
      const have = new Set(this.columns.map((c) => c.name))
      const missing = columns.filter((c) => !have.has(c.name))
      if (missing.length === 0) return
      // The appender is bound to the old column list: commit it before the table changes.
      await this.flush()
      this.closeAppender()
      for (const c of missing) await this.connection.run(`ALTER TABLE logs ADD COLUMN ${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`)
    }
    this.columns = await readColumns(this.connection)
  }

  private async ensureAppender(): Promise<DuckDBAppender> {
    this.appender ??= await this.connection.createAppender('logs')
    return this.appender
  }

  private closeAppender(): void {
    this.appender?.closeSync()
    this.appender = undefined
  }
}

async function readColumns(connection: DuckDBConnection): Promise<TableColumn[]> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'logs'
     ORDER BY column_index`,
  )
  return reader.getRows().map(([name, type]) => ({ name: String(name), type: FROM_SQL[String(type)] }))
}
