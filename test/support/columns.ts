/**
 * @module
 * Reads values out of a columnar batch by row, with NULLs as `null`, so tests can compare
 * rows with plain objects.
 */
import type { Column } from '../../src/engine/batch.js'

/** Value of `col` at `row` as JSON-like data (`bigint` stays `bigint`). */
export function valueAt(col: Column, row: number): string | number | bigint | null {
  if (col.type === 'varchar') return col.values[row] ?? null
  if (col.valid && col.valid[row] === 0) return null
  return col.values[row]!
}

/** Every row of `columns` as an object keyed by column name. */
export function rowsOf(columns: Column[], rowCount: number): Record<string, string | number | bigint | null>[] {
  const rows = []
  for (let r = 0; r < rowCount; r++) {
    const row: Record<string, string | number | bigint | null> = {}
    for (const c of columns) row[c.name] = valueAt(c, r)
    rows.push(row)
  }
  return rows
}
