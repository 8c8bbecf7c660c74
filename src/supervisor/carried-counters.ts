/**
 * @module
 * Counters that outlive a runner. A reload that changes storage (data dir, zone, flush
 * interval) replaces an engine's runner and native engine; Prometheus `_total` semantics
 * and the accounting identity of SPEC §4 want one engine name's counters to keep counting
 * over the life of the process, so the new runner's counters start from the old one's.
 */
import type { EngineCounters } from './engine-runner.js'

/** Levels now, not running totals: the running runner's value is the truth. */
const GAUGES: ReadonlySet<string> = new Set(['queue_depth', 'queue_capacity', 'pending_commit', 'journal_bytes', 'journal_max_bytes', 'journal_records', 'journal_lag_seconds'])

/** The largest value seen, over every runner. */
const MAXIMA: ReadonlySet<string> = new Set(['max_flush_ms'])

/**
 * `current` continued from `previous`: every numeric field is summed — so a counter added
 * to {@link EngineCounters} later is carried without a change here — except gauges, taken
 * from `current`, and maxima. Fields that are not numbers are `current`'s.
 */
export function carryForward(previous: EngineCounters, current: EngineCounters): EngineCounters {
  const before = previous as unknown as Record<string, unknown>
  const out: Record<string, unknown> = { ...current }
  for (const [key, now] of Object.entries(current)) {
    const then = before[key]
    if (typeof now !== 'number' || typeof then !== 'number' || GAUGES.has(key)) continue
    out[key] = MAXIMA.has(key) ? Math.max(then, now) : then + now
  }
  return out as unknown as EngineCounters
}
