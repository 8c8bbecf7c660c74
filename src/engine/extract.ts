/**
 * @module
 * Extraction without sockets — exactly what ingestion does to a message (trim, UTF-8
 * repair, the class's regexes) — for the console's regex tester, tests and library users.
 */
import type { Column } from './batch.js'
import { decodeColumn } from './decode.js'
import { native, type ClassProblem, type ColumnInfo, type ExtractResult } from './native.js'

/** A class as the engine takes it: a name and ordered fields. */
export interface ClassDefinition {
  name: string
  fields: { name: string; pattern: string }[]
}

/** Columns of an extraction, one value per input line. */
export interface Extraction {
  rowCount: number
  columns: Column[]
  /** Lines that had invalid UTF-8 (replaced by U+FFFD). */
  invalidUtf8: number
  /**
   * The fields whose backtracking search (look-around, back-references) was over the work
   * budget, by 0-based line, in order: their columns are NULL, as ingestion stores them.
   */
  overBudget: { line: number; field: string }[]
}

function extraction(r: ExtractResult): Extraction {
  return { rowCount: r.rowCount, columns: r.columns.map(decodeColumn), invalidUtf8: r.invalidUtf8, overBudget: r.overBudget }
}

/**
 * Applies `cls` to `lines` (strings, or Buffers for raw bytes).
 * Throws an `InvalidArg` error naming class, field and position if a pattern is invalid.
 *
 * @example
 * extract({ name: 'c', fields: [{ name: 'user', pattern: 'user=(\\w+)' }] }, ['user=bob'])
 * // → { rowCount: 1, columns: [{ name: 'user', type: 'varchar', values: ['bob'] }], invalidUtf8: 0, overBudget: [] }
 */
export function extract(cls: ClassDefinition, lines: (string | Buffer)[]): Extraction {
  return extraction(native.extract(cls, lines))
}

/**
 * {@link extract} on a libuv worker thread: for the console, whose event loop must not wait
 * while a class runs (each backtracking field has a work budget per line, so it ends, but
 * a thousand long lines still take a while). Rejects like {@link extract} throws.
 */
export async function extractAsync(cls: ClassDefinition, lines: (string | Buffer)[]): Promise<Extraction> {
  return extraction(await native.extractAsync(cls, lines))
}

/** The columns `cls` produces; throws like {@link extract} when it does not compile. */
export function classColumns(cls: ClassDefinition): ColumnInfo[] {
  return native.classColumns(cls)
}

/**
 * Every stored column after `received_at` for rows of `cls` (header columns, then
 * `structured_data` unless `structuredData` is false, the class's columns, `original_log`);
 * `field` is empty for the fixed ones.
 */
export function rowColumns(cls: ClassDefinition, structuredData = true): ColumnInfo[] {
  return native.rowColumns(cls, structuredData)
}

/** The first problem of `cls` (field, position, message), or null when it compiles. */
export function checkClass(cls: ClassDefinition): ClassProblem | null {
  return native.checkClass(cls)
}
