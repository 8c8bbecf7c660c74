/**
 * @module
 * The native path from a {@link RowChunk} into a day file's appender. The addon fills
 * DuckDB's vectors and commits on libuv worker threads through the C API of the very
 * `libduckdb` that `@duckdb/node-bindings` loaded, so storing rows costs the JavaScript
 * thread nothing per row.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { DuckDBAppender } from '@duckdb/node-api'
import { native } from '../engine/native.js'
import type { RowChunk } from '../engine/row-chunk.js'

const require = createRequire(import.meta.url)
// The bindings load `libduckdb` from their platform package; the addon opens that same file.
native.useDuckDb(join(dirname(require.resolve(`@duckdb/node-bindings-${process.platform}-${process.arch}/package.json`)), 'libduckdb.so'))

/** The bindings-level appender inside a node-api appender (a non-`#` private field). */
function bindingsAppender(appender: DuckDBAppender): object {
  const inner = (appender as unknown as { appender?: unknown }).appender
  if (typeof inner !== 'object' || inner === null) throw new Error('this @duckdb/node-api version hides its appender; logsift cannot store rows')
  return inner
}

/**
 * Appends the rows of `chunk` received in `[fromUs, toUs)` to `appender`, whose table
 * columns are `table` in order; resolves with the rows appended. Nothing else may use
 * the appender until it settles.
 */
export function appendChunk(appender: DuckDBAppender, chunk: RowChunk, table: readonly string[], fromUs: number, toUs: number): Promise<number> {
  return native.appendChunk(bindingsAppender(appender), chunk, [...table], fromUs, toUs)
}

/** Commits the appender's rows off the JavaScript thread. */
export function flushAppender(appender: DuckDBAppender): Promise<void> {
  return native.flushAppender(bindingsAppender(appender))
}
