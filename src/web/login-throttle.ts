/**
 * @module
 * Rate limit on failed logins (SPEC §7). An attempt is counted when it starts, before the
 * password is hashed, so concurrent guesses cannot all pass the check (issue 16.5). Three
 * windows apply:
 *
 * - per address and user name (default 10): one address guessing one account;
 * - per address (default 20): one address guessing many accounts;
 * - per user name over all addresses (default 100): many addresses guessing one account.
 *   This one is not applied to an address the user has signed in from before, so guesses
 *   from elsewhere cannot lock the real user out where they usually work; a brand-new
 *   address waits like the attacker's do.
 *
 * State is in memory; a restart forgets it, which only helps an attacker who can restart
 * the server.
 */

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed attempts allowed per address within the window. Default 20. */
  maxPerAddress?: number
  /** Failed attempts allowed per user name from one address within the window. Default 10. */
  maxPerUser?: number
  /** Failed attempts allowed per user name from all addresses it never signed in from. Default 100. */
  maxPerUserAllAddresses?: number
  /** Sliding window in ms. Default 15 minutes. */
  windowMs?: number
  /** How long a successful sign-in keeps its address known for that user, in ms. Default 30 days. */
  knownAddressMs?: number
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number
}

/** A started attempt: either refused for `retryAfterMs`, or counted and allowed. */
export type LoginAttempt =
  | { allowed: false; retryAfterMs: number }
  | { allowed: true; readonly keys: readonly string[]; readonly at: number; readonly address: string; readonly name: string }

// Bounds memory under a spray of random names: beyond this many keys the oldest go first.
const MAX_KEYS = 10_000

/**
 * Counts login attempts in sliding windows.
 *
 * @example
 * ```ts
 * const attempt = throttle.begin(address, name)
 * if (!attempt.allowed) return tooManyAttempts(attempt.retryAfterMs)
 * if (await verify(name, password)) throttle.succeeded(attempt)
 * ```
 */
export class LoginThrottle {
  private readonly maxPerAddress: number
  private readonly maxPerUser: number
  private readonly maxPerUserAllAddresses: number
  private readonly windowMs: number
  private readonly knownAddressMs: number
  private readonly now: () => number
  private readonly attempts = new Map<string, number[]>()
  /** `address + user` of past successful sign-ins → when. */
  private readonly known = new Map<string, number>()

  constructor({
    maxPerAddress = 20,
    maxPerUser = 10,
    maxPerUserAllAddresses = 100,
    windowMs = 15 * 60_000,
    knownAddressMs = 30 * 24 * 3_600_000,
    now = Date.now,
  }: LoginThrottleOptions = {}) {
    this.maxPerAddress = maxPerAddress
    this.maxPerUser = maxPerUser
    this.maxPerUserAllAddresses = maxPerUserAllAddresses
    this.windowMs = windowMs
    this.knownAddressMs = knownAddressMs
    this.now = now
  }

  /**
   * How long, in ms, until an attempt from `address` for `name` is allowed; 0 when it is.
   * Only looks: use {@link begin} for the attempt itself.
   */
  retryAfterMs(address: string, name: string): number {
    return Math.max(0, ...this.limits(address, name).map(([key, max]) => this.wait(key, max)))
  }

  /**
   * Starts an attempt: refused while any window is full, else counted as a failure right
   * away (undone by {@link succeeded}). Synchronous, so no other request can slip in
   * between the check and the count.
   */
  begin(address: string, name: string): LoginAttempt {
    const retryAfterMs = this.retryAfterMs(address, name)
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs }
    const at = this.now()
    const keys = this.limits(address, name).map(([key]) => key)
    for (const key of keys) {
      const times = this.recent(key)
      times.push(at)
      // Re-inserting moves the key to the end, so the map's first key is the stalest.
      this.attempts.delete(key)
      this.attempts.set(key, times)
    }
    while (this.attempts.size > MAX_KEYS) this.attempts.delete(this.attempts.keys().next().value!)
    return { allowed: true, keys, at, address, name }
  }

  /**
   * The attempt was right: it no longer counts, the failures of this address for this
   * name are forgotten, and the address becomes known for the name.
   */
  succeeded(attempt: LoginAttempt): void {
    if (!attempt.allowed) return
    for (const key of attempt.keys) {
      const times = this.attempts.get(key)
      const i = times?.lastIndexOf(attempt.at) ?? -1
      if (i >= 0) times!.splice(i, 1)
    }
    this.attempts.delete(pairKey(attempt.address, attempt.name))
    const known = pairKey(attempt.address, attempt.name)
    this.known.delete(known)
    this.known.set(known, this.now())
    while (this.known.size > MAX_KEYS) this.known.delete(this.known.keys().next().value!)
  }

  /** The windows an attempt from `address` for `name` is counted in, with their limits. */
  private limits(address: string, name: string): [string, number][] {
    const limits: [string, number][] = [
      [pairKey(address, name), this.maxPerUser],
      [`a:${address}`, this.maxPerAddress],
    ]
    const signedInAt = this.known.get(pairKey(address, name))
    const known = signedInAt !== undefined && signedInAt > this.now() - this.knownAddressMs
    if (!known) limits.push([`u:${name}`, this.maxPerUserAllAddresses])
    return limits
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    return (this.attempts.get(key) ?? []).filter((t) => t > cutoff)
  }

  private wait(key: string, max: number): number {
    const times = this.recent(key)
    if (times.length < max) return 0
    return times[times.length - max] + this.windowMs - this.now()
  }
}

function pairKey(address: string, name: string): string {
  return `p:${address}\n${name}`
}
