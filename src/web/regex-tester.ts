/**
 * @module
 * The regex tester's model: a class applied to sample lines through the engine's own
 * `extract()`, so the columns shown are exactly the ones ingestion would store, with the
 * fields that found nothing and, for a pattern that does not compile, where it fails.
 */
import type { Column } from '../engine/batch.js'
import { checkClass, classColumns, extractAsync, type ClassDefinition } from '../engine/extract.js'

/** Most lines tested at once; more is a paste accident, not a test. */
export const MAX_TEST_LINES = 1000

/** A pattern that does not compile. */
export interface TesterProblem {
  field: string
  pattern: string
  /** 0-based character offset in `pattern`, when the compiler gives one. */
  position?: number | undefined
  message: string
}

/** One tested line. */
export interface TestedLine {
  text: string
  /** One value per column of {@link TesterResult.columns}; null is NULL (no match). */
  values: (string | number | null)[]
  /** Fields all of whose columns are NULL for this line. */
  unmatched: string[]
  /** Of those, the ones NULL because their backtracking search was over the work budget. */
  overBudget: string[]
}

/** What the tester shows. */
export interface TesterResult {
  problem?: TesterProblem
  /** Stored columns in order, each with the field that fills it. */
  columns: { name: string; field: string }[]
  lines: TestedLine[]
}

function valueAt(col: Column, i: number): string | number | null {
  if (col.type === 'varchar') return col.values[i] ?? null
  if (col.valid && col.valid[i] === 0) return null
  return Number(col.values[i])
}

/**
 * Applies `cls` to `lines` (at most {@link MAX_TEST_LINES}) as ingestion does, off the
 * event loop: a slow pattern delays this answer only, not other requests.
 */
export async function testClass(cls: ClassDefinition, lines: readonly string[]): Promise<TesterResult> {
  const problem = checkClass(cls)
  if (problem !== null) {
    const pattern = cls.fields.find((f) => f.name === problem.field)?.pattern ?? ''
    return { problem: { field: problem.field, pattern, position: problem.position, message: problem.message }, columns: [], lines: [] }
  }
  const columns = classColumns(cls).map((c) => ({ name: c.name, field: c.field }))
  const sample = lines.slice(0, MAX_TEST_LINES)
  const result = await extractAsync(cls, [...sample])
  const byName = new Map(result.columns.map((c) => [c.name, c]))
  const cols = columns.map((c) => byName.get(c.name)!)
  const overBudget = new Map<number, string[]>()
  for (const { line, field } of result.overBudget) overBudget.set(line, [...(overBudget.get(line) ?? []), field])
  return {
    columns,
    lines: sample.map((text, i) => {
      const values = cols.map((c) => valueAt(c, i))
      const unmatched = cls.fields
        .map((f) => f.name)
        .filter((f) => columns.every((c, j) => c.field !== f || values[j] === null))
      return { text, values, unmatched, overBudget: overBudget.get(i) ?? [] }
    }),
  }
}

/** The lines of a pasted text: one per line; the newline after the last line does not add an empty one. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  return text.replace(/\r?\n$/, '').split(/\r?\n/)
}
