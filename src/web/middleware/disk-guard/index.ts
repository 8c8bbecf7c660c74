/**
 * @module
 * Disk-guard state for the console banner.
 */
import type { DiskGuardState } from '../../../supervisor/disk-guard.js'

export { diskGuard } from './disk-guard.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The disk guard while it stops storing; `null` when engines store normally. */
    diskGuard: DiskGuardState | null
  }
}
