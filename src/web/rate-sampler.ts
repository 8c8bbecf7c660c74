/**
 * @module
 * Per-second rates of every engine for the live dashboard: once a second the counters of
 * each runner are read and the difference to the previous reading is kept in a small ring
 * (five minutes by default). Listeners (the dashboard's SSE streams) hear each new round.
 */
import type { EngineCounters } from '../supervisor/engine-runner.js'
import type { Supervisor } from '../supervisor/supervisor.js'

/** One second of one engine, in messages per second. */
export interface RateSample {
  /** End of the second, ms since the epoch. */
  atMs: number
  received: number
  stored: number
  rejected: number
  dropped: number
  kernel_drops: number
}

/** The counters a sample is the difference of. */
type Totals = Omit<RateSample, 'atMs'>

/** Options of {@link RateSampler}. */
export interface RateSamplerOptions {
  /** Samples kept per engine. Default 300 (five minutes at one a second). */
  capacity?: number
  /** Time between samples in ms. Default 1000. */
  intervalMs?: number
  now?: () => number
}

/** What the dashboard reads and sums: `dropped` is every `dropped_*` counter together. */
export function totalsOf(c: EngineCounters): Totals {
  const dropped = Object.entries(c)
    .filter(([k]) => k.startsWith('dropped_'))
    .reduce((sum, [, v]) => sum + (typeof v === 'number' ? v : 0), 0)
  return { received: c.received, stored: c.stored, rejected: c.rejected_unknown_sender, dropped, kernel_drops: c.kernel_drops }
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
      const rate = (k: keyof Totals) => {
        const d = now[k] - before[k]
        // A restarted runner (new storage settings) counts from zero again.
        return d < 0 ? now[k] : d
      }
      ring.push({ atMs, received: rate('received'), stored: rate('stored'), rejected: rate('rejected'), dropped: rate('dropped'), kernel_drops: rate('kernel_drops') })
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
