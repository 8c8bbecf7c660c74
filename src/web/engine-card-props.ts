/**
 * @module
 * A running engine as the engine card shows it (`views/partials/engine-card.tsx`): the
 * dashboard, its event stream and the engine page build the card's props here, so all
 * three show the same counters.
 */
import type { EngineCardProps, EngineTotalsProps, ListenSocket } from '../../views/partials/engine-card.js'
import type { EngineRunner } from '../supervisor/engine-runner.js'
import { totalsOf, type RateSample, type RateSampler } from './rate-sampler.js'

/** The totals partial of `r` now, with `latest` as the last second's rates. */
export function engineTotalsProps(r: EngineRunner, latest: RateSample | undefined): EngineTotalsProps {
  const counters = r.counters()
  return {
    name: r.name,
    state: r.state,
    totals: totalsOf(counters),
    latest,
    tcp: counters,
    regexBudgetExceeded: counters.regex_budget_exceeded,
    journal: counters,
  }
}

/**
 * The sockets `r` has bound, once per protocol and address: a UDP address read by
 * several threads has a socket per thread, and a port 0 in the config shows as the port
 * the kernel gave.
 */
export function listenSockets(r: EngineRunner): ListenSocket[] {
  const seen = new Set<string>()
  return r.receiver.sockets().flatMap(({ protocol, address }) => {
    const key = `${protocol} ${address}`
    if (seen.has(key)) return []
    seen.add(key)
    return [{ protocol, address }]
  })
}

/** The whole card of `r`: totals, where it listens, its chart's series and its data size. */
export function engineCardProps(r: EngineRunner, rates: RateSampler, sizes: ReadonlyMap<string, number>): EngineCardProps {
  const series = rates.series(r.name)
  return {
    ...engineTotalsProps(r, series.at(-1)),
    className: r.plan.className,
    listen: listenSockets(r),
    series,
    dataBytes: sizes.get(r.name),
  }
}
