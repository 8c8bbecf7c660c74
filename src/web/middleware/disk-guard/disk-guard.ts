/**
 * @module
 * Tells the layout whether the disk guard is on (SPEC §8), so every console page shows
 * the banner while engines drop rows for want of space, and stops showing it by itself
 * once they store again.
 */
import type { MiddlewareHandler } from 'hono'
import type { DiskGuardState } from '../../../supervisor/disk-guard.js'

/**
 * Sets `c.var.diskGuard` from `state()` on each request: the state when the guard is on,
 * `null` otherwise (or when there are no engines, as in console-only tests).
 *
 * @example
 * ```ts
 * app.use(diskGuard(() => control?.supervisor.diskGuard.state()))
 * ```
 */
export const diskGuard = (state: () => DiskGuardState | undefined): MiddlewareHandler =>
  async function diskGuard(c, next) {
    const now = state()
    c.set('diskGuard', now?.full ? now : null)
    await next()
  }
