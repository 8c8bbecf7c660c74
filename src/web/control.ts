/**
 * @module
 * What the console may see and steer of the running server: the supervisor (engines,
 * their writers and counters), the config file it edits, and the live reload that applies
 * an edit. Pages that only read data need the supervisor alone.
 */
import type { ReloadSummary, Supervisor } from '../supervisor/supervisor.js'

/** The running server as the console sees it. */
export interface ConsoleControl {
  /** Running engines: `engines()`, `engine(name)` (its `store` writer, `receiver`, `counters()`), `current` plan. */
  supervisor: Supervisor
  /** Absolute path of the config file; edits go through `saveConfig` (validated, atomic, `.bak` kept). */
  configFile: string
  /** Re-reads `configFile` and applies the difference live. Throws `ConfigError` when refused. */
  reload(): Promise<ReloadSummary>
}
