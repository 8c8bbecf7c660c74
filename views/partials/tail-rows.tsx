/**
 * @module
 * Rows of the live tail. The same component renders the first (empty) table body and
 * every second's SSE message. Values are log text from the network: JSX escapes them.
 */
import { formatMicros } from '../../src/web/time-range.js'
import { zoneNote } from '../components/format.js'
import { ZonedTime } from '../components/zoned-time.js'

/** A value of the tail: text, a number, an instant (µs since the epoch) or NULL. */
export type TailValue = string | number | { atUs: number } | null

/** One row as shown: received time, one value per column (null = NULL), the message text. */
export interface TailRow {
  /** `received_at` in microseconds since the epoch: the browser keeps the table in this order. */
  atUs: number
  receivedAtMs: number
  values: TailValue[]
  /** `original_log`; null when the engine does not keep it. */
  log: string | null
}

/** Props of {@link TailRows}. */
export interface TailRowsProps {
  columns: string[]
  rows: TailRow[]
  /** The display zone (IANA name); a row shows its time of day there, the date and offset on hover. */
  timeZone: string
}

/** NULL marked, an instant as date and time in the zone like received_at (it may be another day), the rest as text. */
function Value({ value, timeZone }: { value: TailValue; timeZone: string }) {
  if (value === null) return <span class="null">NULL</span>
  if (typeof value !== 'object') return <>{String(value)}</>
  const ms = Math.floor(value.atUs / 1000)
  return <ZonedTime ms={ms} timeZone={timeZone} text={formatMicros(BigInt(value.atUs), timeZone, 3)} />
}

/** Two `<tr>` per row, newest first: the columns, then the message text across the table. */
export function TailRows({ columns, rows, timeZone }: TailRowsProps) {
  return (
    <>
      {rows.map((r) => (
        <>
        <tr class="tail-row" data-at={String(r.atUs)}>
          <td data-label="received_at" class="nowrap">
            <ZonedTime ms={r.receivedAtMs} timeZone={timeZone} text={formatMicros(BigInt(r.receivedAtMs) * 1000n, timeZone, 3).slice(11)} />
          </td>
          {r.values.map((v, i) => (
            <td data-label={columns[i]} data-column={columns[i]}>
              <Value value={v} timeZone={timeZone} />
            </td>
          ))}
        </tr>
        {r.log !== null && (
          <tr class="tail-log">
            <td colspan={columns.length + 1} data-column="original_log">{r.log}</td>
          </tr>
        )}
        </>
      ))}
    </>
  )
}

/** "Times in Asia/Kolkata (UTC+05:30)": sent with every second's rows, so a zone changed meanwhile shows. */
export function TailZone({ timeZone, atMs }: { timeZone: string; atMs: number }) {
  return (
    <p class="muted tail-zone" id="tail-zone">
      Times in {zoneNote(atMs, timeZone)}
    </p>
  )
}

/** Props of {@link TailRate}. */
export interface TailRateProps {
  shown: number
  received: number
}

/** "12 of 3,400 rows/s shown (1 in 283)": what sampling left out. */
export function TailRate({ shown, received }: TailRateProps) {
  const n = new Intl.NumberFormat('en-US')
  return (
    <p class="tail-rate muted" id="tail-rate" aria-live="polite">
      {received === 0
        ? 'Waiting for rows…'
        : shown === received
          ? `${n.format(received)} rows/s, all shown`
          : `${n.format(shown)} of ${n.format(received)} rows/s shown (1 in ${n.format(Math.round(received / Math.max(shown, 1)))})`}
    </p>
  )
}
