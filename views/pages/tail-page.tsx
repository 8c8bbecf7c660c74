/**
 * @module
 * Live tail (SPEC §6): pick an engine and, as on Browse, filters; its matching rows arrive
 * through `/tail/events`, read by `/static/live.js`, sampled at high rates with the rate
 * shown. Pause holds new rows back (counting them) until Resume.
 */
import type { Filter, LogColumn } from '../../src/store/log-search.js'
import { Alert } from '../components/alert.js'
import { PageHeader } from '../components/page-header.js'
import { TailRate, TailZone } from '../partials/tail-rows.js'
import { EngineSelect } from '../components/engine-select.js'
import { FilterFieldset } from './browse-page.js'

/** Props of {@link TailPage}. */
export interface TailPageProps {
  engines: string[]
  engine?: string | undefined
  /** Column names after `received_at`. */
  columns: string[]
  filters: Filter[]
  /** Columns offered in the filter selects. */
  filterColumns: LogColumn[]
  /** The stream of matching rows; absent when there is no engine or the filter is refused. */
  events?: string | undefined
  /** Why the filter was refused. */
  error?: string | undefined
  /** The display zone (IANA name), and when the page is drawn (for its offset now). */
  timeZone: string
  nowMs: number
}

/** Engine picker, filters and the live table. */
export function TailPage({ engines, engine, columns, filters, filterColumns, events, error, timeZone, nowMs }: TailPageProps) {
  return (
    <>
      <PageHeader title="Live tail" description="Rows as they are stored, newest first. At high rates a sample is shown. Filters combine with AND." />
      <div class="stack">
      <form method="get" action="/tail" class="card form query-form" id="tail-form">
        <div class="form-inline">
          <EngineSelect engines={engines} engine={engine} id="tail-engine" />
          <button type="submit" class="button button-primary">
            Show
          </button>
        </div>
        {engine !== undefined && <FilterFieldset filters={filters} columns={filterColumns} />}
      </form>
      {error && <Alert kind="error">{error}</Alert>}
      {engine === undefined ? (
        <div class="card empty-state">
          <p class="empty-title">No engine to show</p>
        </div>
      ) : (
        <section class="card card-flush" aria-labelledby="tail-title">
          <h2 id="tail-title" class="card-flush-title">
            {engine}
          </h2>
          <div class="tail-status">
            <TailRate shown={0} received={0} />
            <TailZone timeZone={timeZone} atMs={nowMs} />
            <button type="button" class="button button-small" id="tail-pause" aria-pressed="false" title="Space pauses and resumes">
              Pause
            </button>
            <p class="muted tail-held" id="tail-held" aria-live="polite" hidden></p>
          </div>
          <div class="table-wrap tail-wrap">
            <table class="table table-stack tail-table">
              <thead>
                <tr>
                  <th scope="col">received_at</th>
                  {columns.map((c) => (
                    <th scope="col">{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody id="tail-rows" data-live-tail={events}></tbody>
            </table>
          </div>
        </section>
      )}
      </div>
    </>
  )
}
