/**
 * @module
 * The rows of a browse page: a compact table with a sticky header, the receive time
 * linking to the row's detail, log text in monospace. Every value is text from the
 * network, so JSX escapes it; nothing goes through `raw()`.
 */
import type { LogColumn, LogRow, RowKey } from '../../src/store/log-search.js'
import { formatMicros } from '../../src/web/time-range.js'

/** Props of {@link LogTable}. */
export interface LogTableProps {
  engine: string
  columns: LogColumn[]
  rows: { key: RowKey; values: LogRow }[]
  timeZone: string
}

/** How a value reads in a cell: TIMESTAMPTZ (µs) in the zone, NULL as an empty cell. */
export function cellText(column: LogColumn, value: LogRow[string], timeZone: string, digits: 3 | 6 = 3): string | null {
  if (value === null || value === undefined) return null
  if (column.type === 'TIMESTAMP WITH TIME ZONE') return formatMicros(BigInt(value), timeZone, digits)
  return String(value)
}

/** Link to the detail page of a row. */
export function rowHref(engine: string, key: RowKey): string {
  return `/browse/row?${new URLSearchParams({ engine, at: String(key.receivedAtUs), id: String(key.rowid) })}`
}

/** The table; columns NULL in every row shown are left out (and named below it). */
export function LogTable({ engine, columns, rows, timeZone }: LogTableProps) {
  const shown = columns.filter((c) => c.name === 'received_at' || rows.some((r) => r.values[c.name] !== null && r.values[c.name] !== undefined))
  const hidden = columns.filter((c) => !shown.includes(c))
  return (
    <>
      <div class="data-scroll" tabindex={0} role="region" aria-label="Rows">
        <table class="table data-table">
          <thead>
            <tr>
              {shown.map((c) => (
                <th scope="col" data-column={c.name}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                {shown.map((c) => {
                  const text = cellText(c, r.values[c.name], timeZone)
                  if (c.name === 'received_at') {
                    return (
                      <td data-column={c.name}>
                        <a href={rowHref(engine, r.key)} title="Show this row">
                          {text}
                        </a>
                      </td>
                    )
                  }
                  return (
                    <td data-column={c.name} title={c.name === 'original_log' && text !== null ? text : undefined}>
                      {text}
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hidden.length > 0 && <p class="data-note muted">Empty on this page: {hidden.map((c) => c.name).join(', ')}.</p>}
    </>
  )
}
