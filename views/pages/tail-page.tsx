/**
 * @module
 * Live tail (SPEC §6): pick an engine, then its rows arrive through `/tail/events`,
 * read by `/static/dashboard.js`, sampled at high rates with the rate shown.
 */
import { PageHeader } from '../components/page-header.js'
import { TailRate, TailZone } from '../partials/tail-rows.js'
import { EngineSelect } from '../components/engine-select.js'

/** Props of {@link TailPage}. */
export interface TailPageProps {
  engines: string[]
  engine?: string | undefined
  /** Column names after `received_at`. */
  columns: string[]
  /** The display zone (IANA name), and when the page is drawn (for its offset now). */
  timeZone: string
  nowMs: number
}

/** Engine picker and the live table. */
export function TailPage({ engines, engine, columns, timeZone, nowMs }: TailPageProps) {
  return (
    <>
      <PageHeader title="Live tail" description="Rows as they are stored, newest first. At high rates a sample is shown." />
      <div class="stack">
      <form method="get" action="/tail" class="card form form-inline">
        <EngineSelect engines={engines} engine={engine} id="tail-engine" />
        <button type="submit" class="button">
          Show
        </button>
      </form>
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
              <tbody id="tail-rows" data-live-tail={`/tail/events?engine=${encodeURIComponent(engine)}`}></tbody>
            </table>
          </div>
        </section>
      )}
      </div>
    </>
  )
}
