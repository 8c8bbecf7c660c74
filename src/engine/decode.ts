/**
 * @module
 * Turns the addon's batch object into the typed {@link Batch} the writer consumes. The
 * arrays are taken over as they are (no copy): the native side moved them into JS.
 */
import type { Batch, Column } from './batch.js'
import type { NativeBatch, NativeColumn } from './native.js'

/** Narrows one native column to the {@link Column} union by its declared type. */
export function decodeColumn(c: NativeColumn): Column {
  const valid = c.valid ?? undefined
  switch (c.type) {
    case 'varchar':
      return { name: c.name, type: 'varchar', values: c.values as (string | null)[] }
    case 'integer':
      return { name: c.name, type: 'integer', values: c.values as Int32Array, valid }
    case 'utinyint':
      return { name: c.name, type: 'utinyint', values: c.values as Uint8Array, valid }
    case 'timestamptz':
      return { name: c.name, type: 'timestamptz', values: c.values as BigInt64Array, valid }
  }
}

/** Decodes a whole batch. */
export function decodeBatch(b: NativeBatch): Batch {
  return { rowCount: b.rowCount, receivedAtUs: b.receivedAtUs, columns: b.columns.map(decodeColumn) }
}
