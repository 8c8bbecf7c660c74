/**
 * @module
 * One engine on the dashboard: state, where it listens, totals since the server started
 * (they go on across config applies), the queue, and the live chart. The dashboard's SSE stream sends the HTML of {@link EngineTotals} every second,
 * so the page and the stream render the same component.
 */
import type { EngineCounters } from '../../src/supervisor/engine-runner.js'
import { RATE_COUNTERS, type RateCounter, type RateSample, type Totals } from '../../src/web/rate-sampler.js'
import { formatBytes } from '../components/format.js'

/** Props of {@link EngineTotals}. */
export interface EngineTotalsProps {
  name: string
  state: string
  totals: Totals
  /** The last second's rates, if sampled yet. */
  latest?: RateSample | undefined
  /** The TCP/TLS counters beside the identity; shown once any is above zero. */
  tcp?: Pick<EngineCounters, 'truncated' | 'truncated_by_close' | 'refused_max_connections'> | undefined
  /** Field values left NULL over the backtracking budget; shown once above zero. */
  regexBudgetExceeded?: number | undefined
  /** The disk journal's backlog; shown when the engine has a journal (`journal_max_bytes` above 0). */
  journal?: Pick<EngineCounters, 'journal_bytes' | 'journal_max_bytes' | 'journal_records' | 'journal_lag_seconds'> | undefined
}

/** Tile labels, in {@link RATE_COUNTERS} order; `live.js` draws the chart's series in the same order and colours. */
const LABELS: Record<RateCounter, string> = {
  received: 'Received',
  stored: 'Stored',
  rejected: 'Rejected',
  dropped_backpressure: 'Dropped: queue full',
  dropped_journal_full: 'Dropped: journal full',
  dropped_journal_error: 'Dropped: journal error',
  dropped_disk_full: 'Dropped: disk full',
  dropped_write_error: 'Dropped: write error',
  kernel_drops: 'Kernel drops',
}

const count = new Intl.NumberFormat('en-US')

/**
 * State badge, one tile per counter (the rate now and the total since the server
 * started), the queue's depth, the journal's backlog, and the TCP limits' and the regex
 * budget's counters when they count anything.
 */
export function EngineTotals({ name, state, totals, latest, tcp, regexBudgetExceeded, journal }: EngineTotalsProps) {
  return (
    <div class="engine-totals" id={`totals-${name}`}>
      <p class="engine-state">
        <span class={`state state-${state}`}>{state}</span>
      </p>
      <dl class="counter-grid">
        {RATE_COUNTERS.map((k) => (
          <div class={`counter counter-${k}`} data-counter={k}>
            <dt>{LABELS[k]}</dt>
            <dd>
              <span class="counter-rate">{count.format(latest?.[k] ?? 0)}/s</span>
              <span class="counter-total" title="since the server started">
                {count.format(totals[k])}
              </span>
            </dd>
          </div>
        ))}
        <div class="counter counter-queue_depth" data-counter="queue_depth">
          <dt>Queue</dt>
          <dd>
            <span class="counter-rate">{count.format(totals.queue_depth)}</span>
            <span class="counter-capacity">of {count.format(totals.queue_capacity)} rows</span>
          </dd>
        </div>
      </dl>
      {journal && journal.journal_max_bytes > 0 && (
        <p class="engine-journal" data-journal-records={journal.journal_records}>
          Journal: {count.format(journal.journal_records)} chunks waiting, {formatBytes(journal.journal_bytes)} of {formatBytes(journal.journal_max_bytes)}, lag {journal.journal_lag_seconds.toFixed(1)} s
        </p>
      )}
      {tcp && (tcp.truncated > 0 || tcp.truncated_by_close > 0 || tcp.refused_max_connections > 0) && (
        <p class="engine-tcp-limits">
          TCP/TLS since the server started: {count.format(tcp.truncated)} messages cut at the maximum size, {count.format(tcp.truncated_by_close)} cut short by a closed connection, {count.format(tcp.refused_max_connections)} connections refused over the maximum
        </p>
      )}
      {regexBudgetExceeded !== undefined && regexBudgetExceeded > 0 && (
        <p class="engine-regex-budget">
          Since the server started: {count.format(regexBudgetExceeded)} field {regexBudgetExceeded === 1 ? 'value' : 'values'} stored as NULL because a look-around or back-reference pattern was over its work budget
        </p>
      )}
    </div>
  )
}

/** A socket an engine has bound. */
export interface ListenSocket {
  protocol: 'udp' | 'tcp' | 'tls'
  /** `host:port` as bound. */
  address: string
}

/** Props of {@link EngineCard}. */
export interface EngineCardProps extends EngineTotalsProps {
  className: string
  listen: readonly ListenSocket[]
  dataBytes?: number | undefined
  series: readonly RateSample[]
}

/**
 * The chart's data as the static `live.js` reads it: seconds, one array per counter of
 * {@link RATE_COUNTERS}, then the queue depth.
 */
export function chartData(series: readonly RateSample[]): string {
  return JSON.stringify([series.map((s) => s.atMs / 1000), ...RATE_COUNTERS.map((k) => series.map((s) => s[k])), series.map((s) => s.queue_depth)])
}

/** A card per engine. */
export function EngineCard(props: EngineCardProps) {
  return (
    <section class="card engine-card" data-engine={props.name} aria-labelledby={`engine-${props.name}-title`}>
      <header class="engine-card-head">
        <h2 id={`engine-${props.name}-title`}>{props.name}</h2>
        <p class="muted engine-meta">
          class <code>{props.className}</code>
          {(['udp', 'tcp', 'tls'] as const).map((protocol) => {
            const addresses = props.listen.filter((s) => s.protocol === protocol).map((s) => s.address)
            return addresses.length > 0 && <> · {protocol.toUpperCase()} {addresses.join(', ')}</>
          })}
          {props.dataBytes !== undefined && <> · {formatBytes(props.dataBytes)} stored</>}
        </p>
        <p class="engine-links">
          <a href={`/tail?engine=${props.name}`}>Live tail</a>
          <a href={`/engines/${props.name}`}>Settings</a>
        </p>
      </header>
      <EngineTotals name={props.name} state={props.state} totals={props.totals} latest={props.latest} tcp={props.tcp} regexBudgetExceeded={props.regexBudgetExceeded} journal={props.journal} />
      <div class="chart" data-chart={chartData(props.series)} role="img" aria-label={`Messages per second of ${props.name} by outcome and drop cause, and its queue depth, last 5 minutes`}></div>
    </section>
  )
}
