/**
 * @module
 * Role checks, run on the server for every route (SPEC §7): signed-out visitors are sent
 * to the login page, signed-in users without the role get 403.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Role } from '../../../system/system-store.js'

/** Where to send a signed-out visitor, remembering the page they wanted (GET only). */
function loginUrl(c: Context): string {
  const params = new URLSearchParams()
  if (c.req.method === 'GET') {
    const url = new URL(c.req.url)
    params.set('next', url.pathname + url.search)
  }
  if (c.var.sessionExpired) params.set('expired', '1')
  const query = params.toString()
  return query ? `/login?${query}` : '/login'
}

/**
 * Lets the request through when its user has `role` (`viewer` admits admins too).
 * Without a session: 303 to `/login?next=…`, or 401 with `HX-Redirect` for an htmx
 * fragment request (a redirect would be swapped into the page). Wrong role: 403.
 *
 * @example
 * ```ts
 * app.use('/users/*', requireRole('admin'))
 * ```
 */
export const requireRole = (role: Role): MiddlewareHandler =>
  async function requireRole(c, next) {
    const user = c.var.user
    if (!user) {
      if (c.var.htmx) {
        c.header('HX-Redirect', loginUrl(c))
        return c.body(null, 401)
      }
      return c.redirect(loginUrl(c), 303)
    }
    if (role === 'admin' && user.role !== 'admin') {
      throw new HTTPException(403, { message: 'This page is for admins.' })
    }
    await next()
  }
