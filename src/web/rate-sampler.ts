/**
 * @module
 * Per-second rates of every engine for the live dashboard: once a second the counters of
 * each runner are read and the difference to the previous reading is kept in a small ring
 * (five minutes by default), keyed by engine name. A reload that replaces a runner keeps
 * its ring, and the counters continue (see `carried-counters.ts`), so the history goes on
 * across config applies. Listeners (the dashboard's SSE streams) hear each new round.
 */
import type { EngineCounters } from '../supervisor/engine-runner.js'
import type { Supervisor } from '../supervisor/supervisor.js'

/**
 * Counters the dashboard shows per second, by the names of SPEC §4 (`rejected` is
 * `rejected_unknown_sender`); each cause of a drop is its own series.
 */
export const RATE_COUNTERS = ['received', 'stored', 'rejected', 'dropped_backpressure', 'dropped_journal_full', 'dropped_journal_error', 'dropped_disk_full', 'dropped_write_error', 'kernel_drops'] as const

/** One of {@link RATE_COUNTERS}. */
export type RateCounter = (typeof RATE_COUNTERS)[number]

/** One second of one engine: messages per second of each counter, and the queue's depth then. */
export type RateSample = Record<RateCounter, number> & {
  /** End of the second, ms since the epoch. */
  atMs: number
  /** Rows waiting for the writer at the end of the second (a level, not a rate). */
  queue_depth: number
}

/** What the dashboard reads: the counters a sample is the difference of, and the queue now. */
export type Totals = Record<RateCounter, number> & { queue_depth: number; queue_capacity: number }

/** Options of {@link RateSampler}. */
export interface RateSamplerOptions {
  /** Samples kept per engine. Default 300 (five minutes at one a second). */
  capacity?: number
  /** Time between samples in ms. Default 1000. */
  intervalMs?: number
  now?: () => number
}

/** The dashboard's view of an engine's counters. */
export function totalsOf(c: EngineCounters): Totals {
  return {
    received: c.received,
    stored: c.stored,
    rejected: c.rejected_unknown_sender,
    dropped_backpressure: c.dropped_backpressure,
    dropped_journal_full: c.dropped_journal_full,
    dropped_journal_error: c.dropped_journal_error,
    dropped_disk_full: c.dropped_disk_full,
    dropped_write_error: c.dropped_write_error,
    kernel_drops: c.kernel_drops,
    queue_depth: c.queue_depth,
    queue_capacity: c.queue_capacity,
  }
}

/** Samples the supervisor's engines on a timer that never keeps the process alive. */
export class RateSampler {
  private readonly rings = new Map<string, RateSample[]>()
  private readonly last = new Map<string, Totals>()
  private readonly listeners = new Set<() => void>()
  private readonly capacity: number
  private readonly now: () => number

  constructor(
    private readonly supervisor: Supervisor,
    { capacity = 300, intervalMs = 1000, now = Date.now }: RateSamplerOptions = {},
  ) {
    this.capacity = capacity
    this.now = now
    // Unref'd: the sampler lives as long as the console and never holds the process open.
    setInterval(() => this.sample(), intervalMs).unref()
  }

  /** Takes one round of samples now and tells the listeners. */
  sample(): void {
    const atMs = this.now()
    const seen = new Set<string>()
    for (const runner of this.supervisor.engines()) {
      seen.add(runner.name)
      const now = totalsOf(runner.counters())
      const before = this.last.get(runner.name)
      this.last.set(runner.name, now)
      if (before === undefined) continue
      const ring = this.rings.get(runner.name) ?? []
      const rates = Object.fromEntries(RATE_COUNTERS.map((k) => [k, now[k] - before[k]])) as Record<RateCounter, number>
      ring.push({ atMs, ...rates, queue_depth: now.queue_depth })
      if (ring.length > this.capacity) ring.splice(0, ring.length - this.capacity)
      this.rings.set(runner.name, ring)
    }
    for (const name of [...this.last.keys()]) {
      if (!seen.has(name)) (this.last.delete(name), this.rings.delete(name))
    }
    for (const l of this.listeners) l()
  }

  /** The samples of `engine`, oldest first. */
  series(engine: string): readonly RateSample[] {
    return this.rings.get(engine) ?? []
  }

  /** Calls `listener` after every round; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
