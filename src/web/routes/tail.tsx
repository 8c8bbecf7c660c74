/**
 * @module
 * Live tail (`/tail`, viewer+): a listener on the engine runner's stored batches keeps
 * the last {@link ROWS_PER_SECOND} rows of each second and counts the rest; once a second
 * the SSE stream sends them as `TailRows` HTML with the sample rate.
 */
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { TailPage } from '../../../views/pages/tail-page.js'
import { TailRate, TailRows, TailZone, type TailRow } from '../../../views/partials/tail-rows.js'
import type { Column } from '../../engine/batch.js'
import { chunkRows, type RowChunk } from '../../engine/row-chunk.js'
import { classColumns } from '../../engine/extract.js'
import type { EngineRunner } from '../../supervisor/engine-runner.js'
import type { ConsoleControl } from '../control.js'

/** Most rows sent per second: a browser table cannot show more usefully. */
export const ROWS_PER_SECOND = 20

/** The columns the tail shows between `received_at` and the message text. */
function tailColumns(r: EngineRunner): string[] {
  const cls = classColumns({ name: r.plan.className, fields: r.plan.fields }).map((c) => c.name)
  return ['sender_ip', 'sender', ...cls]
}

function cell(col: Column | undefined, i: number): string | number | null {
  if (col === undefined) return null
  if (col.type === 'varchar') return col.values[i] ?? null
  if (col.valid && col.valid[i] === 0) return null
  return col.type === 'timestamptz' ? new Date(Number(col.values[i]! / 1000n)).toISOString() : col.values[i]!
}

/** Collects a second's sample of rows from one runner. */
class TailSample {
  rows: TailRow[] = []
  received = 0

  constructor(private readonly columns: string[]) {}

  /** Keeps the newest rows of `chunk`; cheap, since it runs on the runner's pump. */
  add(chunk: RowChunk): void {
    this.received += chunk.rowCount
    const batch = chunkRows(chunk, ROWS_PER_SECOND)
    const byName = new Map(batch.columns.map((c) => [c.name, c]))
    const cols = this.columns.map((n) => byName.get(n))
    const log = byName.get('original_log')
    for (let i = 0; i < batch.rowCount; i++) {
      const text = cell(log, i)
      this.rows.push({ receivedAtMs: Number(batch.receivedAtUs[i]! / 1000n), values: cols.map((c) => cell(c, i)), log: text === null ? null : String(text) })
    }
    if (this.rows.length > ROWS_PER_SECOND) this.rows.splice(0, this.rows.length - ROWS_PER_SECOND)
  }

  take(): { rows: TailRow[]; received: number } {
    const out = { rows: this.rows.reverse(), received: this.received }
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
    return c.render(
      <TailPage engines={runners.map((r) => r.name)} engine={runner?.name} columns={runner ? tailColumns(runner) : []} timeZone={c.var.timeZone} nowMs={Date.now()} />,
      { title: 'Live tail', active: 'tail' },
    )
  })

  app.get('/events', (c) => {
    const name = c.req.query('engine') ?? ''
    if (!control?.supervisor.engine(name)) return c.body(null, 204)
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
            sample = new TailSample(columns)
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
          await stream.writeSSE({ event: 'rows', data: JSON.stringify({ columns, html, rate, zone }) })
        }
      } finally {
        unsubscribe()
      }
    })
  })
  return app
}
