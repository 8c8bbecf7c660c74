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
 * Like {@link readForm}, and `list(name)` gives every value of a field a form repeats
 * (one per row of a table of inputs), in document order.
 */
export async function readRepeatedForm(c: Context): Promise<{ field: (name: string) => string; list: (name: string) => string[] }> {
  const body = await c.req.parseBody({ all: true })
  const list = (name: string) => {
    const value = body[name]
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => (typeof v === 'string' ? v : ''))
  }
  // The last of repeated values, as `readForm` reads them.
  return { field: (name) => list(name).at(-1) ?? '', list }
}

// Browsers drop tabs and newlines from a URL and read `\` as `/`, so these are never part of
// a path worth keeping (`/\t/evil.example` is `//evil.example`).
const UNSAFE_IN_NEXT = /[\u0000-\u001f\u007f\\]/

/**
 * `next` if it is a path on this site, normalised (`/a/../b` is `/b`), else `/`: a login
 * link must not send the user to another site (`//evil.example`, `/\evil.example`,
 * `/%09/evil.example`, issue 16.6).
 */
export function safeNext(next: string | undefined): string {
  if (!next || UNSAFE_IN_NEXT.test(next) || !next.startsWith('/')) return '/'
  const base = 'http://logsift.invalid'
  let url: URL
  try {
    url = new URL(next, base)
  } catch {
    return '/'
  }
  if (url.origin !== base) return '/'
  // A proxy or browser may decode `%2F` and `%5C` once more; the decoded path must still be ours.
  let decoded: string
  try {
    decoded = decodeURIComponent(url.pathname)
  } catch {
    return '/'
  }
  if (decoded.startsWith('//') || UNSAFE_IN_NEXT.test(decoded)) return '/'
  return url.pathname + url.search + url.hash
}
