/**
 * @module
 * A cumulative histogram of durations, shaped like a Prometheus histogram: fixed upper
 * bounds, a count per bound of observations at or below it, a sum and a count. Each
 * engine keeps one for its commit (flush) durations; `/metrics` prints it.
 */

/**
 * Default upper bounds in seconds: a commit normally takes milliseconds, and one that
 * takes seconds eats into the 2 s visibility promise of SPEC §4, so the bounds cover both.
 */
export const FLUSH_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** A snapshot: `buckets[i]` counts observations ≤ `bounds[i]` (cumulative). */
export interface HistogramSnapshot {
  /** Upper bounds in seconds, ascending; `+Inf` is implied and equals `count`. */
  bounds: readonly number[]
  buckets: number[]
  /** Sum of all observations, in seconds. */
  sum: number
  count: number
}

/** Observations of durations. */
export class LatencyHistogram {
  private readonly counts: number[]
  private sum = 0
  private count = 0

  constructor(private readonly bounds: readonly number[] = FLUSH_BUCKETS_SECONDS) {
    this.counts = bounds.map(() => 0)
  }

  /** Records one duration given in milliseconds (what the writer measures). */
  observeMs(ms: number): void {
    const seconds = ms / 1000
    this.sum += seconds
    this.count++
    const i = this.bounds.findIndex((b) => seconds <= b)
    if (i >= 0) this.counts[i]!++
  }

  /** Adds every observation of `other` (same bounds) to this one. */
  add(other: LatencyHistogram): void {
    if (other.bounds.join() !== this.bounds.join()) throw new Error(`histogram bounds differ: [${other.bounds.join()}] vs [${this.bounds.join()}]`)
    other.counts.forEach((c, i) => (this.counts[i]! += c))
    this.sum += other.sum
    this.count += other.count
  }

  /** The cumulative counts now. */
  snapshot(): HistogramSnapshot {
    let running = 0
    const buckets = this.counts.map((c) => (running += c))
    return { bounds: this.bounds, buckets, sum: this.sum, count: this.count }
  }
}
