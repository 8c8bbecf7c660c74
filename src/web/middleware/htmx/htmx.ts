/**
 * @module
 * Tells handlers whether htmx asked for a fragment, so one handler serves both the page
 * and its partial (STYLE §4).
 */
import type { MiddlewareHandler } from 'hono'

/**
 * Sets `c.var.htmx`: `true` when htmx sent the request and wants a fragment. Boosted
 * requests (`HX-Boosted`, from `hx-boost` links and forms) want the whole page, so they
 * count as `false`.
 *
 * @example
 * ```ts
 * app.use(htmx())
 * app.get('/system', (c) => (c.var.htmx ? c.html(<SystemStats … />) : c.render(…)))
 * ```
 */
export const htmx = (): MiddlewareHandler =>
  async function htmx(c, next) {
    c.set('htmx', c.req.header('hx-request') === 'true' && c.req.header('hx-boosted') !== 'true')
    await next()
  }
