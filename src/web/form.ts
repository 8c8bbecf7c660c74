/**
 * @module
 * Reading console forms: text fields only, so a crafted multipart upload can never reach
 * a handler as a `File`.
 */
import type { Context } from 'hono'

/** The request's form fields; a missing or non-text field reads as `''`. */
export async function readForm(c: Context): Promise<(name: string) => string> {
  const body = await c.req.parseBody()
  return (name) => {
    const value = body[name]
    return typeof value === 'string' ? value : ''
  }
}

/**
 * `next` if it is a path on this site, else `/`: a login link must not send the user to
 * another site (`//evil.example`, `/\evil.example`).
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  return next
}
