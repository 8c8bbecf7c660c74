/**
 * @module
 * One engine on the dashboard: state, where it listens, totals since start and the live
 * chart. The dashboard's SSE stream sends the HTML of {@link EngineTotals} every second,
 * so the page and the stream render the same component.
 */
import type { EngineCounters } from '../../src/supervisor/engine-runner.js'
import type { RateSample } from '../../src/web/rate-sampler.js'
import { formatBytes } from '../components/format.js'

/** The series a chart draws, in legend order; names as in SPEC §4. */
export const RATE_SERIES = ['received', 'stored', 'rejected', 'dropped', 'kernel_drops'] as const

/** Totals since the engine started, summed like `totalsOf`. */
export interface EngineTotalsValues {
  received: number
  stored: number
  rejected: number
  dropped: number
  kernel_drops: number
}

/** Props of {@link EngineTotals}. */
export interface EngineTotalsProps {
  name: string
  state: string
  totals: EngineTotalsValues
  /** The last second's rates, if sampled yet. */
  latest?: RateSample | undefined
  /** The TCP/TLS limit counters; shown once either is above zero. */
  tcp?: Pick<EngineCounters, 'truncated' | 'refused_max_connections'> | undefined
  /** The disk journal's backlog; shown when the engine has a journal (`journal_max_bytes` above 0). */
  journal?: Pick<EngineCounters, 'journal_bytes' | 'journal_max_bytes' | 'journal_records' | 'journal_lag_seconds'> | undefined
}

const LABELS: Record<(typeof RATE_SERIES)[number], string> = {
  received: 'Received',
  stored: 'Stored',
  rejected: 'Rejected',
  dropped: 'Dropped',
  kernel_drops: 'Kernel drops',
}

const count = new Intl.NumberFormat('en-US')

/** State badge, one tile per counter (the rate now and the total since start), and the TCP limits' counters when they count anything. */
export function EngineTotals({ name, state, totals, latest, tcp, journal }: EngineTotalsProps) {
  return (
    <div class="engine-totals" id={`totals-${name}`}>
      <p class="engine-state">
        <span class={`state state-${state}`}>{state}</span>
      </p>
      <dl class="counter-grid">
        {RATE_SERIES.map((k) => (
          <div class={`counter counter-${k}`} data-counter={k}>
            <dt>{LABELS[k]}</dt>
            <dd>
              <span class="counter-rate">{count.format(latest?.[k] ?? 0)}/s</span>
              <span class="counter-total" title="since start">
                {count.format(totals[k])}
              </span>
            </dd>
          </div>
        ))}
      </dl>
      {journal && journal.journal_max_bytes > 0 && (
        <p class="engine-journal" data-journal-records={journal.journal_records}>
          Journal: {count.format(journal.journal_records)} chunks waiting, {formatBytes(journal.journal_bytes)} of {formatBytes(journal.journal_max_bytes)}, lag {journal.journal_lag_seconds.toFixed(1)} s
        </p>
      )}
      {tcp && (tcp.truncated > 0 || tcp.refused_max_connections > 0) && (
        <p class="engine-tcp-limits">
          TCP/TLS since start: {count.format(tcp.truncated)} messages cut at the maximum size, {count.format(tcp.refused_max_connections)} connections refused over the maximum
        </p>
      )}
    </div>
  )
}

/** Props of {@link EngineCard}. */
export interface EngineCardProps extends EngineTotalsProps {
  className: string
  udp: string[]
  dataBytes?: number | undefined
  series: readonly RateSample[]
}

/** The chart's data as the static `dashboard.js` reads it: seconds, then one array per series. */
export function chartData(series: readonly RateSample[]): string {
  return JSON.stringify([series.map((s) => s.atMs / 1000), ...RATE_SERIES.map((k) => series.map((s) => s[k]))])
}

/** A card per engine. */
export function EngineCard(props: EngineCardProps) {
  return (
    <section class="card engine-card" data-engine={props.name} aria-labelledby={`engine-${props.name}-title`}>
      <header class="engine-card-head">
        <h2 id={`engine-${props.name}-title`}>{props.name}</h2>
        <p class="muted engine-meta">
          class <code>{props.className}</code> · UDP {props.udp.join(', ')}
          {props.dataBytes !== undefined && <> · {formatBytes(props.dataBytes)} stored</>}
        </p>
        <p class="engine-links">
          <a href={`/tail?engine=${props.name}`}>Live tail</a>
          <a href={`/engines/${props.name}`}>Settings</a>
        </p>
      </header>
      <EngineTotals name={props.name} state={props.state} totals={props.totals} latest={props.latest} tcp={props.tcp} journal={props.journal} />
      <div class="chart" data-chart={chartData(props.series)} role="img" aria-label={`Messages per second of ${props.name}, last 5 minutes`}></div>
    </section>
  )
}
