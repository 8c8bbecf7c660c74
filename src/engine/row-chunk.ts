/**
 * @module
 * Rows held in native memory on their way to a day file (`crates/engine/src/row_chunk.rs`).
 * The writer stores them without turning a single value into JavaScript; only what is
 * shown (the live tail) or inspected (tests) becomes a {@link Batch}.
 */
import type { Batch } from './batch.js'
import { decodeBatch } from './decode.js'
import { native } from './native.js'

/** A native chunk of rows of one schema. Release it once stored. */
export type RowChunk = InstanceType<typeof native.RowChunk>

/** A chunk holding the rows of a batch made in JavaScript, stored like received rows. */
export function chunkFromBatch(batch: Batch): RowChunk {
  return native.RowChunk.fromBatch(batch)
}

/** The last `n` rows of `chunk` (all by default) as a batch. */
export function chunkRows(chunk: RowChunk, n?: number): Batch {
  return decodeBatch(chunk.toBatch(n))
}
