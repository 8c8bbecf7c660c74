/**
 * @module
 * Browse filters (SPEC §6) tested on rows in memory, for the live tail: the rows it shows
 * have not been read back from a day file, so {@link filterWhere}'s SQL cannot run on
 * them. Each operator answers as its SQL does, NULL included.
 */
import { cidrRange, isAddressColumn, SearchError, type Filter } from './log-search.js'

/** A value of a row as the tail holds it; NULL as null. */
export type CellOf = (column: string) => string | number | null

/** A column a filter may name, and whether it holds whole numbers. */
export interface MatchColumn {
  name: string
  integer: boolean
}

/**
 * A test of `filters` (combined with AND) on one row.
 *
 * @throws SearchError for what {@link filterWhere} refuses: an unknown column, CIDR on a
 * column that holds no address, a CIDR that does not parse, a non-integer value for an
 * integer column, and a regex that does not compile.
 */
export function rowMatcher(filters: readonly Filter[], columns: readonly MatchColumn[]): (cell: CellOf) => boolean {
  const tests = filters.map((f): ((cell: CellOf) => boolean) => {
    const column = columns.find((c) => c.name === f.column)
    if (column === undefined) throw new SearchError(`There is no column "${f.column}" in the chosen days.`)
    const text = (cell: CellOf) => {
      const v = cell(f.column)
      return v === null ? null : String(v)
    }
    switch (f.op) {
      case 'eq':
      case 'ne': {
        const wanted = column.integer ? wholeNumber(column.name, f.value) : f.value
        const equal = (cell: CellOf) => {
          const v = text(cell)
          return v !== null && (column.integer ? BigInt(v) === BigInt(wanted) : v === wanted)
        }
        // As IS DISTINCT FROM: NULL is not the value, so "≠" keeps it.
        return f.op === 'eq' ? equal : (cell) => !equal(cell)
      }
      case 'prefix':
        return (cell) => text(cell)?.startsWith(f.value) ?? false
      case 'contains':
        return (cell) => text(cell)?.includes(f.value) ?? false
      case 'regex': {
        let re: RegExp
        try {
          re = new RegExp(f.value, 'u')
        } catch (e) {
          throw new SearchError(`The regex "${f.value}" does not compile: ${(e as Error).message}`)
        }
        return (cell) => {
          const v = text(cell)
          return v !== null && re.test(v)
        }
      }
      case 'cidr': {
        if (!isAddressColumn(column.name)) throw new SearchError(`CIDR applies to address columns (sender_ip and *_ip), not to ${column.name}.`)
        const range = cidrRange(f.value)
        if (typeof range === 'string') throw new SearchError(range)
        const [lo, hi] = range.family === 4 ? [BigInt(range.lo), BigInt(range.hi)] : [BigInt(`0x${range.lo}`), BigInt(`0x${range.hi}`)]
        return (cell) => {
          const address = addressNumber(text(cell), range.family)
          return address !== undefined && address >= lo && address <= hi
        }
      }
    }
  })
  return (cell) => tests.every((t) => t(cell))
}

function wholeNumber(column: string, value: string): string {
  if (!/^-?\d{1,20}$/.test(value.trim())) throw new SearchError(`${column} holds whole numbers; "${value}" is not one.`)
  return value.trim()
}

/** A stored address of `family` as an integer; undefined for NULL or an address of the other family. */
function addressNumber(text: string | null, family: 4 | 6): bigint | undefined {
  if (text === null) return undefined
  if (family === 4) {
    const parts = text.split('.')
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n)
  }
  if (!text.includes(':')) return undefined
  const range = cidrRange(text)
  return typeof range === 'string' || range.family !== 6 ? undefined : BigInt(`0x${range.lo}`)
}
