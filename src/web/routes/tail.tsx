/**
 * @module
 * Live tail (`/tail`, viewer+): a listener on the engine runner's stored batches keeps
 * the last {@link ROWS_PER_SECOND} rows of each second and counts the rest; once a second
 * the SSE stream sends them as `TailRows` HTML with the sample rate.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { streamSSE } from 'hono/streaming'
import { TailPage } from '../../../views/pages/tail-page.js'
import { TailRate, TailRows, TailZone, type TailRow, type TailValue } from '../../../views/partials/tail-rows.js'
import type { Column } from '../../engine/batch.js'
import { chunkRows, type RowChunk } from '../../engine/row-chunk.js'
import { classColumns } from '../../engine/extract.js'
import type { EngineRunner } from '../../supervisor/engine-runner.js'
import { rowMatcher, type CellOf, type MatchColumn } from '../../store/filter-match.js'
import { SearchError, type Filter } from '../../store/log-search.js'
import type { ConsoleControl } from '../control.js'
import { filterParams, readFilters } from './browse.js'

/** Most rows sent per second: a browser table cannot show more usefully. */
export const ROWS_PER_SECOND = 20

/** The columns the tail shows between `received_at` and the message text, and whether each holds whole numbers. */
function tailColumnTypes(r: EngineRunner): MatchColumn[] {
  const cls = classColumns({ name: r.plan.className, fields: r.plan.fields }).map((c) => ({ name: c.name, integer: c.type !== 'varchar' }))
  return [{ name: 'sender_ip', integer: false }, { name: 'sender', integer: false }, ...cls]
}

function tailColumns(r: EngineRunner): string[] {
  return tailColumnTypes(r).map((c) => c.name)
}

/** The tail's row test for the Browse filters of the request; a filter it cannot apply is a 400. */
function tailMatcher(c: Context, r: EngineRunner): { filters: Filter[]; matches?: (cell: CellOf) => boolean } {
  const { filters } = readFilters(c)
  if (filters.length === 0) return { filters }
  try {
    return { filters, matches: rowMatcher(filters, [...tailColumnTypes(r), { name: 'original_log', integer: false }]) }
  } catch (e) {
    if (e instanceof SearchError) throw new HTTPException(400, { message: e.message })
    throw e
  }
}

/** Row `i` of `col` for the filters: a time as its UTC ISO text. */
function cell(col: Column | undefined, i: number): string | number | null {
  const value = tailValue(col, i)
  return typeof value === 'object' && value !== null ? new Date(value.atUs / 1000).toISOString() : value
}

/**
 * Row `i` of `col` as the tail shows it: a TIMESTAMPTZ stays an instant, which
 * {@link TailRows} writes in the display zone of the second it is sent.
 */
export function tailValue(col: Column | undefined, i: number): TailValue {
  if (col === undefined) return null
  if (col.type === 'varchar') return col.values[i] ?? null
  if (col.valid && col.valid[i] === 0) return null
  return col.type === 'timestamptz' ? { atUs: Number(col.values[i]!) } : col.values[i]!
}

/** Collects a second's sample of rows from one runner. */
class TailSample {
  rows: TailRow[] = []
  received = 0

  constructor(
    private readonly columns: string[],
    private readonly matches?: (cell: CellOf) => boolean,
  ) {}

  /**
   * Keeps the newest rows of `chunk` (that match the filter): cheap, since it runs on the
   * runner's pump — without a filter only the newest rows are decoded; with one, every
   * row is, and `received` counts the matches.
   */
  add(chunk: RowChunk): void {
    const batch = chunkRows(chunk, this.matches ? undefined : ROWS_PER_SECOND)
    const byName = new Map(batch.columns.map((c) => [c.name, c]))
    const cols = this.columns.map((n) => byName.get(n))
    const log = byName.get('original_log')
    if (!this.matches) this.received += chunk.rowCount
    for (let i = 0; i < batch.rowCount; i++) {
      if (this.matches) {
        if (!this.matches((name) => cell(byName.get(name), i))) continue
        this.received++
      }
      const text = cell(log, i)
      const atUs = batch.receivedAtUs[i]!
      this.rows.push({ atUs: Number(atUs), receivedAtMs: Number(atUs / 1000n), values: cols.map((c) => tailValue(c, i)), log: text === null ? null : String(text) })
    }
    if (this.rows.length > ROWS_PER_SECOND) {
      // Receiver threads hand over their chunks in turn, not in time order: keep the newest by time.
      this.rows.sort((a, b) => a.atUs - b.atUs)
      this.rows.splice(0, this.rows.length - ROWS_PER_SECOND)
    }
  }

  /** The second's rows, newest first. */
  take(): { rows: TailRow[]; received: number } {
    const out = { rows: this.rows.sort((a, b) => b.atUs - a.atUs), received: this.received }
    this.rows = []
    this.received = 0
    return out
  }
}

/** `/tail` and `/tail/events`; mount at `/tail`. */
export function tailRoutes(control: ConsoleControl | undefined): Hono {
  const app = new Hono()

  app.get('/', (c) => {
    const runners = control?.supervisor.engines() ?? []
    const asked = c.req.query('engine')
    const runner = runners.find((r) => r.name === asked) ?? runners[0]
    const { filters, drop } = readFilters(c)
    if (runner && drop !== undefined) {
      // "Remove" submits the form: answer with the tail's address minus that filter.
      const kept = new URLSearchParams([['engine', runner.name], ...filterParams(filters.filter((_, i) => i !== drop))])
      return c.redirect(`/tail?${kept}`, 303)
    }
    let error: string | undefined
    if (runner) {
      try {
        tailMatcher(c, runner)
      } catch (e) {
        if (!(e instanceof HTTPException)) throw e
        error = e.message
        c.status(400)
      }
    }
    const types = runner ? [{ name: 'received_at', type: 'TIMESTAMP WITH TIME ZONE' }, ...tailColumnTypes(runner).map((t) => ({ name: t.name, type: t.integer ? 'INTEGER' : 'VARCHAR' })), { name: 'original_log', type: 'VARCHAR' }] : []
    const events = runner && error === undefined ? `/tail/events?${new URLSearchParams([['engine', runner.name], ...filterParams(filters)])}` : undefined
    return c.render(
      <TailPage
        engines={runners.map((r) => r.name)}
        engine={runner?.name}
        columns={runner ? tailColumns(runner) : []}
        filters={filters}
        filterColumns={types.filter((t) => t.name !== 'received_at')}
        events={events}
        error={error}
        timeZone={c.var.timeZone}
        nowMs={Date.now()}
      />,
      { title: 'Live tail', active: 'tail' },
    )
  })

  app.get('/events', (c) => {
    const name = c.req.query('engine') ?? ''
    const first = control?.supervisor.engine(name)
    if (!control || !first) return c.body(null, 204)
    tailMatcher(c, first)
    return streamSSE(c, async (stream) => {
      let runner: EngineRunner | undefined
      let unsubscribe = () => {}
      let sample = new TailSample([])
      let columns: string[] = []
      try {
        while (!stream.aborted) {
          // A settings change replaces the runner: follow the current one.
          const now = control.supervisor.engine(name)
          if (now === undefined) break
          const cols = tailColumns(now)
          if (now !== runner || cols.join() !== columns.join()) {
            unsubscribe()
            runner = now
            columns = cols
            sample = new TailSample(columns, tailMatcher(c, now).matches)
            const s = sample
            const off = now.onBatch((b) => s.add(b))
            unsubscribe = () => void off()
          }
          await stream.sleep(1000)
          const { rows, received } = sample.take()
          // Read every second: a zone set on the Settings page applies to the next rows.
          const timeZone = control.supervisor.current.timezone
          const html = await (<TailRows columns={columns} rows={rows} timeZone={timeZone} />).toString()
          const rate = await (<TailRate shown={rows.length} received={received} />).toString()
          const zone = await (<TailZone timeZone={timeZone} atMs={Date.now()} />).toString()
          await stream.writeSSE({ event: 'rows', data: JSON.stringify({ columns, html, count: rows.length, rate, zone }) })
        }
      } finally {
        unsubscribe()
      }
    })
  })
  return app
}
