/**
 * @module
 * Engines' recent write failures for the console banner.
 */
import type { EngineWriteFailure } from '../../../supervisor/supervisor.js'

export { writeFailures } from './write-failures.js'
export type { EngineWriteFailure }

declare module 'hono' {
  interface ContextVariableMap {
    /** Engines that lost rows to failed writes lately; empty when none did. */
    writeFailures: EngineWriteFailure[]
  }
}
