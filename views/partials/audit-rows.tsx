/**
 * @module
 * Rows of the audit log table.
 */
import type { AuditEntry } from '../../src/system/system-store.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Props of {@link AuditRows}. */
export interface AuditRowsProps {
  entries: AuditEntry[]
  /** The display zone (IANA name). */
  timeZone: string
}

/**
 * `<tr>` per audit entry; missing values show as a dash. An entry without a user came
 * from the shell (no address either) or from a signed-out visitor, e.g. a failed login.
 */
export function AuditRows({ entries, timeZone }: AuditRowsProps) {
  return (
    <>
      {entries.map((e) => (
        <tr>
          <td data-label="Time" class="nowrap">
            <ZonedTime ms={e.atMs} timeZone={timeZone} />
          </td>
          <td data-label="User">{e.userName ?? <span class="muted">{e.address === null ? 'shell' : 'signed out'}</span>}</td>
          <td data-label="Action">
            <code class="action">{e.action}</code>
          </td>
          <td data-label="Target">{e.target ?? <span class="muted">—</span>}</td>
          <td data-label="Details" class="cell-wrap">
            {e.details ?? <span class="muted">—</span>}
          </td>
          <td data-label="Address" class="nowrap">
            {e.address ?? <span class="muted">—</span>}
          </td>
        </tr>
      ))}
    </>
  )
}
