/**
 * @module
 * Flash message middleware.
 */
import type { Flash } from '../../../../views/components/alert.js'

export { flash, setFlash } from './flash.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** Message left by the previous POST, shown once. */
    flash: Flash | null
  }
}
