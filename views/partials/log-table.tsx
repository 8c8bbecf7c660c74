/**
 * @module
 * The rows of a browse page: a compact table with a sticky header, the receive time
 * linking to the row's detail, log text in monospace. Every value is text from the
 * network, so JSX escapes it; nothing goes through `raw()`.
 */
import { screenColumns, type LogColumn, type LogRow, type RowKey } from '../../src/store/log-search.js'
import { formatMicros, microsToMs } from '../../src/web/time-range.js'
import { syslogName } from '../../src/store/syslog-names.js'
import { zoneLabel } from '../components/format.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Props of {@link LogTable}. */
export interface LogTableProps {
  engine: string
  columns: LogColumn[]
  /** Columns the chooser hid. */
  hidden?: string[]
  rows: { key: RowKey; values: LogRow }[]
  timeZone: string
  /** A row to mark (the row whose context is shown). */
  selected?: RowKey | undefined
}

/** Props of {@link CellValue}. */
export interface CellValueProps {
  column: LogColumn
  value: LogRow[string] | undefined
  timeZone: string
  /** The row detail's form of a time: microseconds and the offset in the text. Default: milliseconds, the offset on hover. */
  detailed?: boolean
}

/** How a value reads: TIMESTAMPTZ (µs) as wall time in the zone, facility and severity by name (the number on hover), NULL as nothing. */
export function CellValue({ column, value, timeZone, detailed = false }: CellValueProps) {
  if (value === null || value === undefined) return null
  const name = syslogName(column.name, value)
  if (name !== undefined) return <span title={String(value)}>{name}</span>
  if (column.type !== 'TIMESTAMP WITH TIME ZONE') return <>{String(value)}</>
  const us = BigInt(value)
  const ms = microsToMs(us)
  const wall = formatMicros(us, timeZone, detailed ? 6 : 3)
  return <ZonedTime ms={ms} timeZone={timeZone} text={detailed ? `${wall} ${zoneLabel(ms, timeZone)}` : wall} />
}

/** A column name that may break after its underscores (`destination_` / `port`), and nowhere else. */
function ColumnName({ name }: { name: string }) {
  const parts = name.split('_')
  return (
    <>
      {parts.map((part, i) =>
        i === parts.length - 1 ? (
          part
        ) : (
          <>
            {part}_<wbr />
          </>
        ),
      )}
    </>
  )
}

/** Link to the detail page of a row. */
export function rowHref(engine: string, key: RowKey): string {
  return `/browse/row?${new URLSearchParams({ engine, at: String(key.receivedAtUs), id: String(key.rowid) })}`
}

/**
 * The table in screen order ({@link screenColumns}), without the chooser's hidden
 * columns; columns NULL in every row shown are left out too (and named below it).
 */
export function LogTable({ engine, columns, hidden: chosen = [], rows, timeZone, selected }: LogTableProps) {
  const offered = screenColumns(columns, chosen)
  const shown = offered.filter((c) => c.name === 'received_at' || rows.some((r) => r.values[c.name] !== null && r.values[c.name] !== undefined))
  const hidden = offered.filter((c) => !shown.includes(c))
  return (
    <>
      <div class="data-scroll" tabindex={0} role="region" aria-label="Rows">
        <table class="table data-table log-table">
          <thead>
            <tr>
              {shown.map((c) => (
                <th scope="col" data-column={c.name}>
                  <ColumnName name={c.name} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr {...(selected && r.key.receivedAtUs === selected.receivedAtUs && r.key.rowid === selected.rowid ? { class: 'row-selected', 'aria-current': 'true' } : {})}>
                {shown.map((c) => {
                  const value = <CellValue column={c} value={r.values[c.name]} timeZone={timeZone} />
                  if (c.name === 'received_at') {
                    return (
                      <td data-column={c.name}>
                        <a href={rowHref(engine, r.key)} title="Show this row">
                          {value}
                        </a>
                      </td>
                    )
                  }
                  return <td data-column={c.name}>{value}</td>
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
