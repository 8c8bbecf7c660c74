/**
 * @module
 * Rate limit on failed logins (SPEC §7), per client address and per user name: an address
 * guessing many accounts and many addresses guessing one account are both slowed down.
 * State is in memory; a restart forgets it, which only helps an attacker who can restart
 * the server.
 */

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed attempts allowed per address within the window. Default 20. */
  maxPerAddress?: number
  /** Failed attempts allowed per user name within the window. Default 10. */
  maxPerUser?: number
  /** Sliding window in ms. Default 15 minutes. */
  windowMs?: number
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number
}

// Bounds memory under a spray of random names: beyond this many keys the oldest go first.
const MAX_KEYS = 10_000

/**
 * Counts failed logins in a sliding window.
 *
 * @example
 * ```ts
 * const wait = throttle.retryAfterMs(address, name)
 * if (wait > 0) return tooManyAttempts(wait)
 * if (!ok) throttle.recordFailure(address, name)
 * ```
 */
export class LoginThrottle {
  private readonly maxPerAddress: number
  private readonly maxPerUser: number
  private readonly windowMs: number
  private readonly now: () => number
  private readonly failures = new Map<string, number[]>()

  constructor({ maxPerAddress = 20, maxPerUser = 10, windowMs = 15 * 60_000, now = Date.now }: LoginThrottleOptions = {}) {
    this.maxPerAddress = maxPerAddress
    this.maxPerUser = maxPerUser
    this.windowMs = windowMs
    this.now = now
  }

  /** How long, in ms, until an attempt from `address` for `name` is allowed; 0 when it is. */
  retryAfterMs(address: string, name: string): number {
    return Math.max(this.wait(`a:${address}`, this.maxPerAddress), this.wait(`u:${name}`, this.maxPerUser))
  }

  /** Counts a failed attempt against both the address and the name. */
  recordFailure(address: string, name: string): void {
    const now = this.now()
    for (const key of [`a:${address}`, `u:${name}`]) {
      const times = this.recent(key)
      times.push(now)
      // Re-inserting moves the key to the end, so the map's first key is the stalest.
      this.failures.delete(key)
      this.failures.set(key, times)
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!)
  }

  /** Forgets the name's failures after a successful login; the address keeps its count. */
  recordSuccess(name: string): void {
    this.failures.delete(`u:${name}`)
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff)
  }

  private wait(key: string, max: number): number {
    const times = this.recent(key)
    if (times.length < max) return 0
    return times[times.length - max] + this.windowMs - this.now()
  }
}
