/**
 * @module
 * Builds batches by hand — they are the engine's input format, not a mock — and reads
 * day files back through separate connections, with timestamps as exact microseconds.
 */

import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Batch, Column, ColumnType } from '../../src/engine/batch.js'

/** A fresh temporary data directory. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'logsift-store-'))
}

/** A row as tests write it: `received_at` in µs, other columns by name; absent or null is NULL. */
export type Row = { received_at: bigint } & Record<string, string | number | bigint | null | undefined>

/** The fixed columns of SPEC §4 after received_at, then fields, then original_log. */
export function specColumns(fields: [string, ColumnType][] = []): [string, ColumnType][] {
  return [
    ['sender_ip', 'varchar'],
    ['sender', 'varchar'],
    ['facility', 'utinyint'],
    ['severity', 'utinyint'],
    ['hostname', 'varchar'],
    ['app_name', 'varchar'],
    ['proc_id', 'varchar'],
    ['msg_id', 'varchar'],
    ['log_time', 'timestamptz'],
    ...fields,
    ['original_log', 'varchar'],
  ]
}

/** Builds the columnar batch of `rows` with the given columns, in order. */
export function makeBatch(columns: [string, ColumnType][], rows: Row[]): Batch {
  const n = rows.length
  const cols = columns.map(([name, type]): Column => {
    const raw = rows.map((r) => r[name] ?? null)
    const valid = Uint8Array.from(raw, (v) => (v === null ? 0 : 1))
    switch (type) {
      case 'varchar':
        return { name, type, values: raw.map((v) => (v === null ? null : String(v))) }
      case 'integer':
        return { name, type, values: Int32Array.from(raw, (v) => Number(v ?? 0)), valid }
      case 'utinyint':
        return { name, type, values: Uint8Array.from(raw, (v) => Number(v ?? 0)), valid }
      case 'timestamptz':
        return { name, type, values: BigInt64Array.from(raw, (v) => BigInt(v ?? 0)), valid }
    }
  })
  return { rowCount: n, receivedAtUs: BigInt64Array.from(rows, (r) => r.received_at), columns: cols }
}

/** Microseconds since the epoch of an ISO instant. */
export function us(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 1000n
}

/** Every row of `logs`, ordered by received_at, timestamps as µs bigints. */
export async function readRows(connection: DuckDBConnection, from = 'logs'): Promise<Record<string, unknown>[]> {
  const columns = await connection.runAndReadAll(`SELECT * FROM ${from} LIMIT 0`)
  const select = columns
    .columnNames()
    .map((name, i) => (columns.columnTypes()[i]!.toString() === 'TIMESTAMP WITH TIME ZONE' ? `epoch_us("${name}") AS "${name}"` : `"${name}"`))
  const reader = await connection.runAndReadAll(`SELECT ${select.join(', ')} FROM ${from} ORDER BY received_at, rowid`)
  return reader.getRowObjectsJS()
}

/** `[name, type]` of each column of `logs`, in table order. */
export async function describe(connection: DuckDBConnection): Promise<[string, string][]> {
  const reader = await connection.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'logs' AND database_name = current_database() ORDER BY column_index`)
  return reader.getRows().map(([n, t]) => [String(n), String(t)])
}

/**
 * Opens `file` READ_ONLY from a separate Node process, as the duckdb CLI or Python would.
 *
 * @returns the row count, or the error message when the file cannot be opened.
 */
export function countFromOtherProcess(file: string): { count?: number; error?: string } {
  const script = `
    const { DuckDBInstance } = require('@duckdb/node-api')
    DuckDBInstance.create(process.argv[1], { access_mode: 'READ_ONLY' })
      .then((db) => db.connect())
      .then((c) => c.runAndReadAll('SELECT count(*)::INTEGER FROM logs'))
      .then((r) => console.log(JSON.stringify({ count: r.getRows()[0][0] })))
      .catch((e) => console.log(JSON.stringify({ error: e.message })))`
  const result = spawnSync(process.execPath, ['-e', script, file], { cwd: process.cwd(), encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as { count?: number; error?: string }
}

/** A clock the test moves by hand. */
export function manualClock(iso: string): { now(): number; set(iso: string): void } {
  let now = Date.parse(iso)
  return {
    now: () => now,
    set: (to: string) => {
      now = Date.parse(to)
    },
  }
}
