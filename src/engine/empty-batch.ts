/**
 * @module
 * A batch with no rows but every column of a class, so the writer can create the day's
 * table before the first message arrives (queries on a quiet engine then find `logs`).
 */
import type { Batch, Column } from './batch.js'
import { rowColumns, type ClassDefinition } from './extract.js'

/** The zero-row batch of `cls`, with the `structured_data` column unless `structuredData` is false. */
export function emptyBatch(cls: ClassDefinition, structuredData = true): Batch {
  const columns = rowColumns(cls, structuredData).map((c): Column => {
    switch (c.type) {
      case 'varchar':
        return { name: c.name, type: c.type, values: [] }
      case 'integer':
        return { name: c.name, type: c.type, values: new Int32Array(0) }
      case 'utinyint':
        return { name: c.name, type: c.type, values: new Uint8Array(0) }
      case 'timestamptz':
        return { name: c.name, type: c.type, values: new BigInt64Array(0) }
    }
  })
  return { rowCount: 0, receivedAtUs: new BigInt64Array(0), columns }
}
