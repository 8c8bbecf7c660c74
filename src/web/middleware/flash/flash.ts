/**
 * @module
 * One-shot messages across a redirect ("User ann created."): after a POST the handler
 * answers 303 (so reload does not resubmit) and the next page shows the message once.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Flash } from '../../../../views/components/alert.js'

const COOKIE = 'logsift_flash'

/** Queues `flash` for the next page the browser loads. */
export function setFlash(c: Context, flash: Flash): void {
  setCookie(c, COOKIE, JSON.stringify(flash), { path: '/', httpOnly: true, sameSite: 'Strict', maxAge: 60, secure: c.var.secureCookies })
}

function parse(value: string | undefined): Flash | null {
  if (!value) return null
  try {
    const parsed = JSON.parse(value) as Partial<Flash>
    if ((parsed.kind === 'success' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text }
    }
  } catch {
    // A mangled cookie is just no message.
  }
  return null
}

/**
 * Sets `c.var.flash` from the cookie and clears it, on GET requests only, so that the
 * message survives the 303 and is shown by the page the browser lands on.
 */
export const flash = (): MiddlewareHandler =>
  async function flash(c, next) {
    c.set('flash', null)
    if (c.req.method === 'GET') {
      const value = getCookie(c, COOKIE)
      if (value !== undefined) {
        c.set('flash', parse(value))
        deleteCookie(c, COOKIE, { path: '/', secure: c.var.secureCookies })
      }
    }
    await next()
  }
