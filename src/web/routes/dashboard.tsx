/**
 * @module
 * The dashboard (`/`, viewer+) and its Server-Sent Events stream (`/events`, or
 * `/events?engine=<name>` for the engine page): once a second, per engine, the new rate
 * sample for the chart and the HTML of the same `EngineTotals` partial the page rendered.
 */
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { DashboardPage } from '../../../views/pages/dashboard-page.js'
import { EngineTotals } from '../../../views/partials/engine-card.js'
import type { DataSizeTracker } from '../../system/data-size-tracker.js'
import type { ConsoleControl } from '../control.js'
import { engineCardProps, engineTotalsProps } from '../engine-card-props.js'
import type { RateSampler } from '../rate-sampler.js'

/** What {@link dashboardRoutes} needs; `control` and `rates` are absent without engines. */
export interface DashboardRoutesOptions {
  control?: ConsoleControl | undefined
  rates?: RateSampler | undefined
  dataSizes: DataSizeTracker
}

/** `GET /` and `GET /events`; mount at `/`. */
export function dashboardRoutes({ control, rates, dataSizes }: DashboardRoutesOptions): Hono {
  const app = new Hono()

  app.get('/', (c) => {
    const sizes = new Map(dataSizes.sizes().map((s) => [s.name, s.bytes]))
    const engines = control && rates ? control.supervisor.engines().map((r) => engineCardProps(r, rates, sizes)) : []
    return c.render(<DashboardPage engines={engines} live={control !== undefined} timeZone={c.var.timeZone} nowMs={Date.now()} />, {
      title: 'Dashboard',
      active: 'dashboard',
    })
  })

  app.get('/events', (c) => {
    if (!control || !rates) return c.body(null, 204)
    // `?engine=<name>`: one engine's page listens to its own card only.
    const only = c.req.query('engine')
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {}
      const unsubscribe = rates.subscribe(() => wake())
      stream.onAbort(() => wake())
      try {
        while (!stream.aborted) {
          await new Promise<void>((resolve) => (wake = resolve))
          if (stream.aborted) break
          for (const r of control.supervisor.engines()) {
            if (only !== undefined && r.name !== only) continue
            const latest = rates.series(r.name).at(-1)
            if (latest === undefined) continue
            const html = await (<EngineTotals {...engineTotalsProps(r, latest)} />).toString()
            await stream.writeSSE({ event: 'engine', data: JSON.stringify({ name: r.name, sample: latest, html }) })
          }
        }
      } finally {
        unsubscribe()
      }
    })
  })
  return app
}
