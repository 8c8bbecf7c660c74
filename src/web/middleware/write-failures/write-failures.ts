/**
 * @module
 * Tells the layout which engines lost rows to failed writes lately, so every console
 * page shows the banner while it matters and stops showing it by itself.
 */
import type { MiddlewareHandler } from 'hono'
import type { EngineWriteFailure } from './index.js'

/**
 * Sets `c.var.writeFailures` from `failures()` on each request: the engines whose runner
 * reports a write failure ({@link EngineRunner.writeFailure}), empty when there are none.
 *
 * @example
 * ```ts
 * app.use(writeFailures(() => control?.supervisor.writeFailures() ?? []))
 * ```
 */
export const writeFailures = (failures: () => EngineWriteFailure[]): MiddlewareHandler =>
  async function writeFailures(c, next) {
    c.set('writeFailures', failures())
    await next()
  }
