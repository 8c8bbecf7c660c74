/**
 * @module
 * `GET /metrics` (SPEC §8): the Prometheus text format for a scraper holding the bearer
 * token of `metrics.token`, or for any signed-in console user (viewer or admin). Mounted
 * after the session middleware, so `c.var.user` is known, but before the first-run
 * redirect, so a scraper is answered even before the first admin exists.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { ConsoleControl } from '../control.js'
import { METRICS_CONTENT_TYPE, renderMetrics } from '../prometheus.js'

/** True when `given` equals `expected`, in time independent of where they differ. */
function tokenMatches(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * The metrics endpoint; mount at `/metrics`. The token is read from the running plan on
 * each request, so a reload that sets or changes it applies at once.
 */
export function metricsRoutes(control: ConsoleControl): Hono {
  const app = new Hono()
  app.get('/', async function metrics(c) {
    const header = c.req.header('authorization')
    const token = control.supervisor.current.metrics.token
    const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
    const allowed = bearer !== undefined ? token !== undefined && tokenMatches(bearer, token) : c.var.user !== null
    if (!allowed) {
      c.header('WWW-Authenticate', 'Bearer realm="logsift metrics"')
      return c.text('unauthorized\n', 401)
    }
    c.header('Content-Type', METRICS_CONTENT_TYPE)
    c.header('Cache-Control', 'no-store')
    return c.body(await renderMetrics(control.supervisor))
  })
  return app
}
