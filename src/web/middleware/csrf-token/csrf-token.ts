/**
 * @module
 * Synchronizer-token CSRF protection (SPEC §7). A signed-in request must echo its
 * session's token; a signed-out one (login, setup) must echo a random cookie value
 * (double submit), which a cross-site page can neither read nor, with SameSite=Strict,
 * make the browser send. Hono's `csrf()` origin check runs before this as a second layer.
 */
import type { MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { HTTPException } from 'hono/http-exception'
import { newToken, sameSecret } from '../../../system/sessions.js'

/** Form field that carries the token in every console form. */
export const CSRF_FIELD = '_csrf'
/** Header htmx sends it in (`hx-headers` on the page shell). */
export const CSRF_HEADER = 'X-CSRF-Token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Options of {@link csrfToken}. */
export interface CsrfTokenOptions {
  /** Served over TLS: the pre-session cookie gets `Secure` and the `__Host-` prefix. */
  secure: boolean
}

/**
 * Sets `c.var.csrfToken` for forms to echo, and refuses with 403 any POST, PUT, PATCH or
 * DELETE whose `_csrf` field or `X-CSRF-Token` header does not match it.
 * Runs after the session middleware.
 */
export const csrfToken = ({ secure }: CsrfTokenOptions): MiddlewareHandler =>
  async function csrfToken(c, next) {
    const cookieName = secure ? '__Host-logsift_csrf' : 'logsift_csrf'
    let expected = c.var.session?.csrfToken
    if (!expected) {
      expected = getCookie(c, cookieName)
      if (!expected) {
        expected = newToken()
        setCookie(c, cookieName, expected, { path: '/', httpOnly: true, sameSite: 'Strict', secure })
      }
    }
    c.set('csrfToken', expected)
    if (!SAFE_METHODS.has(c.req.method)) {
      let sent = c.req.header(CSRF_HEADER)
      const type = c.req.header('content-type') ?? ''
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        const field = (await c.req.parseBody())[CSRF_FIELD]
        if (typeof field === 'string') sent = field
      }
      if (!sent || !sameSecret(sent, expected)) {
        throw new HTTPException(403, { message: 'This form has expired or came from another site. Reload the page and try again.' })
      }
    }
    await next()
  }
