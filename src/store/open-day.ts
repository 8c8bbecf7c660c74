/**
 * @module
 * One day file held open for writing: its own DuckDB instance (a second process cannot
 * open the file meanwhile; a second connection in this process can), the `logs` table,
 * an appender and a reusable data chunk. Adds columns the table lacks before appending,
 * and fills columns a batch lacks with NULL, so no row is ever refused for its shape.
 */

import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DuckDBDataChunk, DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api'
import type { Batch, Column, ColumnType } from '../engine/batch.js'
import { castColumn } from './cast-column.js'
import type { DaySpan } from './day-files.js'
import { fillChunk, VECTOR_SIZE, type ColumnSource } from './fill-chunk.js'

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
  private appender: { appender: DuckDBAppender; chunk: DuckDBDataChunk } | undefined
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
      instance = await DuckDBInstance.create(path)
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
   * Appends every row of `batch`. The first batch creates the table with its columns in
   * batch order (SPEC §4 order); a later batch with new columns adds them. A batch with
   * no rows only does that, so a table can exist before its first row.
   */
  async append(batch: Batch): Promise<void> {
    await this.ensureColumns(batch.columns)
    if (batch.rowCount === 0) return
    const byName = new Map(batch.columns.map((c) => [c.name, c]))
    const sources: ColumnSource[] = this.columns.map((table): ColumnSource => {
      if (table.name === 'received_at') return { kind: 'received_at', values: batch.receivedAtUs }
      const column = byName.get(table.name)
      if (column === undefined || table.type === undefined) return { kind: 'null', varchar: table.type === 'varchar' }
      return { kind: 'column', column: castColumn(column, table.type, batch.rowCount) }
    })
    const { appender, chunk } = await this.ensureAppender()
    for (let offset = 0; offset < batch.rowCount; offset += VECTOR_SIZE) {
      chunk.reset()
      fillChunk(chunk.chunk, sources, offset, Math.min(VECTOR_SIZE, batch.rowCount - offset))
      appender.appendDataChunk(chunk)
    }
    this.pendingRows += batch.rowCount
  }

  /**
   * Commits the appended rows; until then they are invisible even to other connections
   * of this instance. Blocks the thread while DuckDB compresses and writes (hundreds of
   * ms per 200k rows), hence `Sync`.
   */
  flushSync(): void {
    const rows = this.pendingRows
    if (rows === 0) return
    const started = performance.now()
    this.appender?.appender.flushSync()
    this.pendingRows = 0
    this.onCommit(rows, performance.now() - started)
  }

  /** Folds the write-ahead log into the file, so a read-only reader sees every row. */
  async checkpoint(): Promise<void> {
    this.flushSync()
    await this.connection.run('CHECKPOINT')
  }

  /** Commits and releases the file, so other processes can open it. */
  closeSync(): void {
    this.flushSync()
    this.closeAppender()
    this.connection.closeSync()
    this.instance.closeSync()
  }

  private async ensureColumns(columns: readonly Column[]): Promise<void> {
    if (this.columns.length === 0) {
      const list = [`received_at TIMESTAMPTZ`, ...columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`)]
      await this.connection.run(`CREATE TABLE IF NOT EXISTS logs (${list.join(', ')})`)
    } else {
      const have = new Set(this.columns.map((c) => c.name))
      const missing = columns.filter((c) => !have.has(c.name))
      if (missing.length === 0) return
      // The appender is bound to the old column list: commit it before the table changes.
      this.flushSync()
      this.closeAppender()
      for (const c of missing) await this.connection.run(`ALTER TABLE logs ADD COLUMN ${quoteIdent(c.name)} ${SQL_TYPES[c.type]}`)
    }
    this.columns = await readColumns(this.connection)
  }

  private async ensureAppender(): Promise<{ appender: DuckDBAppender; chunk: DuckDBDataChunk }> {
    if (this.appender === undefined) {
      const appender = await this.connection.createAppender('logs')
      // The chunk takes the appender's own types, so a column of a type logsift never
      // writes (added by hand) still gets a matching, all-NULL vector.
      const chunk = DuckDBDataChunk.create(Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i)))
      this.appender = { appender, chunk }
    }
    return this.appender
  }

  private closeAppender(): void {
    this.appender?.appender.closeSync()
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
