/**
 * @module
 * htmx detection middleware.
 */
export { htmx } from './htmx.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** htmx asked for a fragment rather than a full page. */
    htmx: boolean
  }
}
