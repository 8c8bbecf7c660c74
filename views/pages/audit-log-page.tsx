/**
 * @module
 * Audit log (admin, SPEC §6): who changed what, and when, newest first, paged by id.
 */
import type { AuditEntry } from '../../src/system/system-store.js'
import { PageHeader } from '../components/page-header.js'
import { AuditRows } from '../partials/audit-rows.js'

/** Props of {@link AuditLogPage}. */
export interface AuditLogPageProps {
  entries: AuditEntry[]
  /** The display zone (IANA name). */
  timeZone: string
  /** Link to the next (older) page, when there is one. */
  olderHref?: string
  /** Shown on pages after the first, back to the newest entries. */
  newestHref?: string
}

/** The audit table with paging links. */
export function AuditLogPage({ entries, timeZone, olderHref, newestHref }: AuditLogPageProps) {
  return (
    <>
      <PageHeader title="Audit log" description="Every change made through the console or the logsift CLI." />
      <section class="card card-flush">
        {entries.length === 0 ? (
          <div class="empty-state">
            <p class="empty-title">No entries</p>
            <p>Changes to users, sessions and configuration appear here.</p>
          </div>
        ) : (
          <div class="table-wrap">
            <table class="table table-stack">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">User</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                <AuditRows entries={entries} timeZone={timeZone} />
              </tbody>
            </table>
          </div>
        )}
      </section>
      {(olderHref || newestHref) && (
        <nav class="pager" aria-label="Audit log pages">
          {newestHref && (
            <a href={newestHref} class="button">
              ← Newest
            </a>
          )}
          {olderHref && (
            <a href={olderHref} class="button">
              Older entries →
            </a>
          )}
        </nav>
      )}
    </>
  )
}
