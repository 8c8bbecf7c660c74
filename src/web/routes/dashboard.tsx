/**
 * @module
 * The dashboard (`/`, viewer+) and its Server-Sent Events stream (`/events`): once a
 * second, per engine, the new rate sample for the chart and the HTML of the same
 * `EngineTotals` partial the page rendered.
 */
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { DashboardPage } from '../../../views/pages/dashboard-page.js'
import { EngineTotals, type EngineCardProps } from '../../../views/partials/engine-card.js'
import type { EngineRunner } from '../../supervisor/engine-runner.js'
import type { DataSizeTracker } from '../../system/data-size-tracker.js'
import type { ConsoleControl } from '../control.js'
import { totalsOf, type RateSampler } from '../rate-sampler.js'

/** What {@link dashboardRoutes} needs; `control` and `rates` are absent without engines. */
export interface DashboardRoutesOptions {
  control?: ConsoleControl | undefined
  rates?: RateSampler | undefined
  dataSizes: DataSizeTracker
}

function card(r: EngineRunner, rates: RateSampler, sizes: Map<string, number>): EngineCardProps {
  const series = rates.series(r.name)
  const counters = r.counters()
  return {
    name: r.name,
    className: r.plan.className,
    udp: r.plan.udp,
    state: r.state,
    totals: totalsOf(counters),
    latest: series.at(-1),
    tcp: counters,
    regexBudgetExceeded: counters.regex_budget_exceeded,
    journal: counters,
    series,
    dataBytes: sizes.get(r.name),
  }
}

/** `GET /` and `GET /events`; mount at `/`. */
export function dashboardRoutes({ control, rates, dataSizes }: DashboardRoutesOptions): Hono {
  const app = new Hono()

  app.get('/', (c) => {
    const sizes = new Map(dataSizes.sizes().map((s) => [s.name, s.bytes]))
    const engines = control && rates ? control.supervisor.engines().map((r) => card(r, rates, sizes)) : []
    return c.render(<DashboardPage engines={engines} live={control !== undefined} timeZone={c.var.timeZone} nowMs={Date.now()} />, {
      title: 'Dashboard',
      active: 'dashboard',
    })
  })

  app.get('/events', (c) => {
    if (!control || !rates) return c.body(null, 204)
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {}
      const unsubscribe = rates.subscribe(() => wake())
      stream.onAbort(() => wake())
      try {
        while (!stream.aborted) {
          await new Promise<void>((resolve) => (wake = resolve))
          if (stream.aborted) break
          for (const r of control.supervisor.engines()) {
            const latest = rates.series(r.name).at(-1)
            if (latest === undefined) continue
            const counters = r.counters()
            const html = await (<EngineTotals name={r.name} state={r.state} totals={totalsOf(counters)} latest={latest} tcp={counters} regexBudgetExceeded={counters.regex_budget_exceeded} journal={counters} />).toString()
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
