/**
 * @module
 * Caps request bodies before anything reads them (issue 16.3: a 200 MB anonymous POST to
 * `/login` was parsed whole, for the CSRF field, and raised RSS to 1 GB). hono's
 * `bodyLimit` answers a declared `Content-Length` over the limit at once and stops reading
 * a chunked body at the limit; the node server then drops the rest of the upload.
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'

/** Options of {@link bodyLimits}. */
export interface BodyLimitsOptions {
  /** Largest body, in bytes, of a request no entry of `byPrefix` matches. */
  defaultBytes: number
  /** Larger (or smaller) limits by path prefix: `{ '/classes': 4 << 20 }` covers `/classes` and `/classes/…`. */
  byPrefix?: Record<string, number>
}

function size(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`
}

function limit(bytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: bytes,
    onError: () => {
      throw new HTTPException(413, { message: `The request is larger than the ${size(bytes)} this page accepts.` })
    },
  })
}

/**
 * Refuses a request whose body is over its path's limit with 413 and a message naming
 * the limit.
 *
 * @example
 * ```ts
 * app.use(bodyLimits({ defaultBytes: 64 << 10, byPrefix: { '/classes': 4 << 20 } }))
 * ```
 */
export const bodyLimits = ({ defaultBytes, byPrefix = {} }: BodyLimitsOptions): MiddlewareHandler => {
  const fallback = limit(defaultBytes)
  const routes = Object.entries(byPrefix).map(([prefix, bytes]) => ({ prefix, check: limit(bytes) }))
  return async function bodyLimits(c, next) {
    const path = c.req.path
    const route = routes.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`))
    return (route?.check ?? fallback)(c, next)
  }
}
