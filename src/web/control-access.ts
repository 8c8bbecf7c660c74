/**
 * @module
 * Small helpers shared by the configuration pages: the running server (or a 503 when the
 * console runs without one), the admin check for forms, and turning a refused edit into
 * a message.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ConsoleControl } from './control.js'

/** The control, or 503 when the console is not attached to a running server. */
export function requireControl(control: ConsoleControl | undefined): ConsoleControl {
  if (!control) throw new HTTPException(503, { message: 'This console is not attached to a running logsift server.' })
  return control
}

/** True when the signed-in user may change configuration. */
export function canEdit(c: Context): boolean {
  return c.var.user?.role === 'admin'
}

/** A positive integer typed in a form, `undefined` when empty, or a message. */
export function parseCount(text: string, label: string): { value?: number; error?: string } {
  const t = text.trim()
  if (t === '') return {}
  if (!/^\d{1,10}$/.test(t)) return { error: `${label} must be a whole number.` }
  return { value: Number(t) }
}
