/**
 * @module
 * The dashboard (SPEC §6): every engine with its live chart and totals. `/static/dashboard.js`
 * draws the charts and listens to `/events` for a new second of samples.
 */
import { zoneNote } from '../components/format.js'
import { PageHeader } from '../components/page-header.js'
import { EngineCard, type EngineCardProps } from '../partials/engine-card.js'

/** Props of {@link DashboardPage}. */
export interface DashboardPageProps {
  engines: EngineCardProps[]
  /** False when the console runs without engines attached (tests, tools). */
  live: boolean
  /** The display zone (IANA name): the charts' clock times are in it. */
  timeZone: string
  /** When the page is drawn, for the zone's offset now. */
  nowMs: number
}

/** The engine cards, or a hint when there is nothing to show. */
export function DashboardPage({ engines, live, timeZone, nowMs }: DashboardPageProps) {
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={`Messages per second over the last 5 minutes, drops by cause and the queue, and totals since the server started (config applies do not reset them). Times in ${zoneNote(nowMs, timeZone)}.`}
      />
      {engines.length === 0 ? (
        <div class="card empty-state">
          <p class="empty-title">No engines running</p>
          <p>{live ? 'Create one on the Engines page.' : 'This console is not attached to a running server.'}</p>
        </div>
      ) : (
        <div class="engine-cards" data-live-dashboard="/events" data-time-zone={timeZone}>
          {engines.map((e) => (
            <EngineCard {...e} />
          ))}
        </div>
      )}
    </>
  )
}
