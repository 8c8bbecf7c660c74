/**
 * @module
 * Waiting in tests, always with a deadline (issue 14): a regression then fails with what
 * was awaited and what was seen instead of hanging the whole run. Tests still never
 * assert how long something took; the deadline is only a generous upper bound.
 */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the failure message ("the 20k corpus stored"). */
  what: string
  /** Give up after this long, in ms. Default 10,000. */
  timeoutMs?: number
  /** Pause between checks, in ms. Default 20. */
  intervalMs?: number
  /** The state seen at the deadline, added to the failure message. */
  detail?: () => unknown
}

/**
 * Resolves once `condition()` holds; throws when it still does not after `timeoutMs`.
 *
 * @example
 * ```ts
 * await waitFor(() => runner.counters().stored === 100, { what: '100 rows stored', detail: () => runner.counters() })
 * ```
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { what, timeoutMs = 10_000, intervalMs = 20, detail }: WaitForOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() >= deadline) {
      const seen = detail ? `; seen: ${JSON.stringify(detail(), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`)
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/**
 * `promise`, or a rejection naming `what` if it has not settled within `timeoutMs`
 * (a stream read, an exit): for single awaits that have no condition to poll.
 */
export async function withDeadline<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Waits until `pred` holds on `source.counters()` (an engine runner's); the counters seen
 * at the deadline are in the failure message.
 */
export function untilCounters<C>(source: { counters(): C }, pred: (counters: C) => boolean, what: string, timeoutMs?: number): Promise<void> {
  return waitFor(() => pred(source.counters()), { what, detail: () => source.counters(), ...(timeoutMs === undefined ? {} : { timeoutMs }) })
}
