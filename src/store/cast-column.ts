/**
 * @module
 * Converts a batch column to the type its table column already has. Columns keep the
 * type they were created with (SPEC §4), so when a class change makes the engine send,
 * say, INTEGER values for a column a day file holds as VARCHAR, the values are converted
 * rather than the row lost. Values that do not fit become NULL.
 */

import type { Column, ColumnType } from '../engine/batch.js'

/** `column` as `type`; the same object when the types already agree. */
export function castColumn(column: Column, type: ColumnType, rowCount: number): Column {
  if (column.type === type) return column
  const text = asText(column, rowCount)
  const name = column.name
  if (type === 'varchar') return { name, type, values: text }
  if (type === 'timestamptz') {
    const values = new BigInt64Array(rowCount)
    const valid = new Uint8Array(rowCount)
    text.forEach((t, i) => {
      const ms = t === null ? NaN : Date.parse(t)
      if (Number.isFinite(ms)) [values[i], valid[i]] = [BigInt(ms) * 1000n, 1]
    })
    return { name, type, values, valid }
  }
  const [min, max] = type === 'integer' ? [-2147483648, 2147483647] : [0, 255]
  const values = type === 'integer' ? new Int32Array(rowCount) : new Uint8Array(rowCount)
  const valid = new Uint8Array(rowCount)
  text.forEach((t, i) => {
    const n = t === null || !/^-?\d+$/.test(t) ? NaN : Number(t)
    if (n >= min && n <= max) [values[i], valid[i]] = [n, 1]
  })
  return type === 'integer' ? { name, type, values: values as Int32Array, valid } : { name, type, values: values as Uint8Array, valid }
}

function asText(column: Column, rowCount: number): (string | null)[] {
  if (column.type === 'varchar') return column.values
  const out: (string | null)[] = new Array(rowCount)
  for (let i = 0; i < rowCount; i++) {
    if (column.valid !== undefined && column.valid[i] === 0) out[i] = null
    else if (column.type === 'timestamptz') out[i] = new Date(Number(column.values[i]! / 1000n)).toISOString()
    else out[i] = String(column.values[i])
  }
  return out
}
