/**
 * @module
 * Loads the signed-in user from the session cookie (SPEC §7). The user row, and so the
 * role, is read from the store on every request: a demotion or deletion applies at once.
 */
import type { MiddlewareHandler, Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { hashToken, isSessionExpired, type SessionLimits } from '../../../system/sessions.js'
import type { Session } from '../../../system/system-store.js'

/** Options of {@link session}. */
export interface SessionOptions {
  limits: SessionLimits
  /** Served over TLS: the cookie gets `Secure` and the `__Host-` prefix. */
  secure: boolean
}

/** Name of the session cookie; `__Host-` pins it to this host and path `/` under TLS. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-logsift_session' : 'logsift_session'
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure under TLS, gone when the browser closes. */
export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, sessionCookieName(secure), token, { path: '/', httpOnly: true, sameSite: 'Strict', secure })
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, sessionCookieName(secure), { path: '/', secure })
}

/**
 * Sets `c.var.user` and `c.var.session` (both `null` when signed out) and
 * `c.var.sessionExpired` when the cookie named a session that just expired.
 * Use of a session is recorded at most once per 1/60 of the idle timeout (30 s by
 * default), so a busy page does not write on every request; a session may therefore
 * end up to that much early.
 */
export const session = ({ limits, secure }: SessionOptions): MiddlewareHandler =>
  async function session(c, next) {
    const store = c.var.systemStore
    c.set('user', null)
    c.set('session', null)
    c.set('sessionExpired', false)
    const token = getCookie(c, sessionCookieName(secure))
    if (token) {
      const tokenHash = hashToken(token)
      const found: Session | null = await store.findSession(tokenHash)
      const now = store.now()
      if (found && isSessionExpired(found, now, limits)) {
        await store.deleteSession(tokenHash)
        c.set('sessionExpired', true)
      }
      const user = found && !c.var.sessionExpired ? await store.findUserById(found.userId) : null
      if (found && user) {
        c.set('user', user)
        c.set('session', found)
        if (now - found.lastSeenAtMs >= limits.idleTimeoutMs / 60) await store.touchSession(tokenHash)
      } else {
        clearSessionCookie(c, secure)
      }
    }
    await next()
  }
