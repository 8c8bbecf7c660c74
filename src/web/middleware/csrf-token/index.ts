/**
 * @module
 * Anti-CSRF token middleware.
 */
export { csrfToken, CSRF_FIELD, CSRF_HEADER, type CsrfTokenOptions } from './csrf-token.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The token this request's forms must echo in `_csrf`. */
    csrfToken: string
  }
}
