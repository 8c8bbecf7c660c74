/**
 * @module
 * Copies batch columns into a DuckDB data chunk without touching rows one by one where
 * it can: fixed-width columns (TIMESTAMPTZ, INTEGER, UTINYINT) are one memcpy from the
 * engine's typed array, validity is one bitmask copy, and strings of at most 12 ASCII
 * characters are written straight into DuckDB's inline `duckdb_string_t` layout, so only
 * longer strings cost a native call each.
 *
 * Measured on the 2-core dev box, 200,000 rows of 15 columns: row appender ≈2.2 s,
 * `setColumnValues` ≈1.7 s, plain `vector_assign_string_element` for every string ≈1.1 s,
 * this ≈0.95 s — of which DuckDB's own commit (`flushSync`, compression) is ≈0.65 s and
 * filling ≈0.23 s.
 */

import duckdb from '@duckdb/node-bindings'
import { endianness } from 'node:os'
import type { Column } from '../engine/batch.js'

// Validity masks and string lengths are copied as raw little-endian bytes.
if (endianness() !== 'LE') throw new Error('logsift writes DuckDB vectors as little-endian bytes; this host is big-endian')

/** What fills one column of the chunk. */
export type ColumnSource =
  | { kind: 'received_at'; values: BigInt64Array }
  | { kind: 'column'; column: Column }
  | { kind: 'null'; varchar: boolean }

/** Rows in one DuckDB vector (STANDARD_VECTOR_SIZE); a chunk holds at most this many. */
export const VECTOR_SIZE = duckdb.vector_size()

// Scratch space reused for every chunk: the writer runs on one thread.
const bits = new Uint8Array(VECTOR_SIZE / 8)
const strings = new Uint8Array(VECTOR_SIZE * 16)
const longRows = new Int32Array(VECTOR_SIZE)

/**
 * Fills `chunk` (already reset) with rows `[offset, offset + count)` of the sources, one
 * source per chunk column, and sets its size. `count` must not exceed {@link VECTOR_SIZE}.
 */
export function fillChunk(chunk: duckdb.DataChunk, sources: readonly ColumnSource[], offset: number, count: number): void {
  duckdb.data_chunk_set_size(chunk, count)
  sources.forEach((source, index) => {
    const vector = duckdb.data_chunk_get_vector(chunk, index)
    switch (source.kind) {
      case 'received_at':
        copyFixed(vector, source.values, offset, count)
        setValidity(vector, undefined, offset, count)
        return
      case 'null':
        // NULL strings still get zeroed structs: DuckDB may look at a string's length
        // before its validity bit, and a reset chunk holds the previous chunk's bytes.
        if (source.varchar) {
          strings.fill(0, 0, count * 16)
          duckdb.copy_data_to_vector(vector, 0, strings.buffer, 0, count * 16)
        }
        bits.fill(0)
        writeValidity(vector, count)
        return
      case 'column': {
        const column = source.column
        if (column.type === 'varchar') fillStrings(vector, column.values, offset, count)
        else {
          copyFixed(vector, column.values, offset, count)
          setValidity(vector, column.valid, offset, count)
        }
      }
    }
  })
}

function copyFixed(vector: duckdb.Vector, values: BigInt64Array | Int32Array | Uint8Array, offset: number, count: number): void {
  const size = values.BYTES_PER_ELEMENT
  duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + offset * size, count * size)
}

function setValidity(vector: duckdb.Vector, valid: Uint8Array | undefined, offset: number, count: number): void {
  bits.fill(0)
  if (valid === undefined) bits.fill(0xff, 0, Math.ceil(count / 8))
  else for (let i = 0; i < count; i++) if (valid[offset + i] !== 0) bits[i >> 3]! |= 1 << (i & 7)
  writeValidity(vector, count)
}

/**
 * Writes `bits` as the vector's validity mask. Always written, even when every row is
 * valid, because a reset chunk may keep the previous chunk's NULLs.
 */
function writeValidity(vector: duckdb.Vector, count: number): void {
  duckdb.vector_ensure_validity_writable(vector)
  // The mask is an array of uint64 words; bit i of byte i/8 is row i on little-endian hosts.
  duckdb.copy_data_to_vector_validity(vector, 0, bits.buffer, 0, Math.ceil(count / 64) * 8)
}

function fillStrings(vector: duckdb.Vector, values: readonly (string | null)[], offset: number, count: number): void {
  bits.fill(0)
  strings.fill(0, 0, count * 16)
  let longs = 0
  for (let i = 0; i < count; i++) {
    const s = values[offset + i]
    if (s === null || s === undefined) continue
    bits[i >> 3]! |= 1 << (i & 7)
    // duckdb_string_t inlined form: uint32 length, then up to 12 bytes, zero padded.
    const length = s.length
    let inline = length <= 12
    if (inline) {
      const base = i * 16
      for (let k = 0; k < length; k++) {
        const c = s.charCodeAt(k)
        if (c > 0x7f) {
          inline = false
          break
        }
        strings[base + 4 + k] = c
      }
      if (inline) strings[base] = length
      else strings.fill(0, base, base + 16)
    }
    if (!inline) longRows[longs++] = i
  }
  duckdb.copy_data_to_vector(vector, 0, strings.buffer, 0, count * 16)
  for (let k = 0; k < longs; k++) {
    const row = longRows[k]!
    duckdb.vector_assign_string_element(vector, row, values[offset + row]!)
  }
  writeValidity(vector, count)
}
