/**
 * @module
 * Browse (viewer+, SPEC §6): `GET /browse` — engine, range and filters from the URL, one
 * keyset page of matching rows; `GET /browse/count` — the total of those rows, which the
 * page loads after itself when finding the page did not count them (a filter is a scan
 * of the whole range, the page usually is not); `GET /browse/row` — one row in full;
 * `GET /browse/export` — the whole match as CSV or Parquet, streamed, audited.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { BrowsePage, PAGE_SIZES, OP_LABELS, RowTotal } from '../../../views/pages/browse-page.js'
import { LogRowPage } from '../../../views/pages/log-row-page.js'
import {
  browseLogs,
  countLogs,
  FILTER_OPS,
  findLogRow,
  SearchError,
  type Filter,
  type FilterOp,
  type LogPage,
  type RowKey,
} from '../../store/log-search.js'
import { EMPTY_COLUMNS } from '../../store/query.js'
import { chosenEngine, chosenView, exportHandler, type DataRoutesOptions } from '../log-data.js'
import { requireRole } from '../middleware/auth/index.js'
import type { ChosenRange } from '../time-range.js'


const DEFAULT_PAGE_SIZE = 100

/** The filters of the query string (`col`, `op`, `val` repeated); rows with an empty value are the form's blank "add" row. */
export function readFilters(c: Context): { filters: Filter[]; drop?: number } {
  const cols = c.req.queries('col') ?? []
  const ops = c.req.queries('op') ?? []
  const vals = c.req.queries('val') ?? []
  const filters: Filter[] = []
  for (let i = 0; i < cols.length; i++) {
    const value = vals[i] ?? ''
    if (value === '') continue
    const op = ops[i] ?? 'eq'
    if (!(FILTER_OPS as readonly string[]).includes(op)) throw new HTTPException(400, { message: `Unknown comparison "${op}".` })
    filters.push({ column: cols[i]!, op: op as FilterOp, value })
  }
  const drop = c.req.query('drop')
  return /^\d{1,3}$/.test(drop ?? '') ? { filters, drop: Number(drop) } : { filters }
}

/** The query string of a data view: engine, range, then extras in order. */
export function viewQuery(engine: string, range: ChosenRange, extra: [string, string][] = []): string {
  const q = new URLSearchParams({ engine, range: range.key })
  if (range.key === 'custom') {
    q.set('from', range.fromText)
    q.set('to', range.toText)
  }
  for (const [k, v] of extra) q.append(k, v)
  return q.toString()
}

function filterParams(filters: Filter[]): [string, string][] {
  return filters.flatMap((f): [string, string][] => [
    ['col', f.column],
    ['op', f.op],
    ['val', f.value],
  ])
}

// The largest JavaScript date, in µs: a row time past it has no day file, and turning it
// into a date throws. Row ids are DuckDB BIGINTs.
const MAX_TIME_US = 8_640_000_000_000_000_000n
const MAX_ROWID = 2n ** 63n - 1n

/** A `received_at µs.rowid` key; undefined if it is not one, 400 if it names no possible row. */
function parseKey(text: string | undefined): RowKey | undefined {
  const m = /^(-?\d{1,20})\.(\d{1,20})$/.exec(text ?? '')
  if (!m) return undefined
  const key = { receivedAtUs: BigInt(m[1]!), rowid: BigInt(m[2]!) }
  const abs = key.receivedAtUs < 0n ? -key.receivedAtUs : key.receivedAtUs
  if (abs > MAX_TIME_US || key.rowid > MAX_ROWID) throw new HTTPException(400, { message: 'This row address is out of range.' })
  return key
}

/** `/browse` and its row and export routes; mount at `/browse`. */
export function browseRoutes({ control, exports, now = Date.now }: DataRoutesOptions): Hono {
  const app = new Hono()
  app.use('*', requireRole('viewer'))

  app.get('/', async (c) => {
    const { engines, engine, source, timeZone, range } = chosenView(c, control, now())
    const { filters, drop } = readFilters(c)
    const pageSize = (PAGE_SIZES as readonly number[]).includes(Number(c.req.query('n'))) ? Number(c.req.query('n')) : DEFAULT_PAGE_SIZE
    const base = (extra: [string, string][] = []) => viewQuery(engine ?? '', range, [...filterParams(filters), ['n', String(pageSize)], ...extra])
    if (drop !== undefined && engine !== undefined) {
      // "Remove" submits the form; answer with the view's own address, minus that filter.
      const kept = filters.filter((_, i) => i !== drop)
      return c.redirect(`/browse?${viewQuery(engine, range, [...filterParams(kept), ['n', String(pageSize)]])}`, 303)
    }
    const after = parseKey(c.req.query('after'))
    const pageNumber = after ? Math.max(2, Number(c.req.query('p')) || 2) : 1
    let page: LogPage | undefined
    let error: string | undefined
    if (source) {
      try {
        page = await browseLogs(source, range, { filters, pageSize, ...(after ? { after } : {}) })
      } catch (e) {
        if (!(e instanceof SearchError)) throw e
        error = e.message
        c.status(400)
      }
    }
    const links = {
      count: `/browse/count?${viewQuery(engine ?? '', range, filterParams(filters))}`,
      csv: `/browse/export?${base([['format', 'csv']])}`,
      parquet: `/browse/export?${base([['format', 'parquet']])}`,
      ...(after ? { first: `/browse?${base()}` } : {}),
      ...(page?.next ? { next: `/browse?${base([['after', `${page.next.receivedAtUs}.${page.next.rowid}`], ['p', String(pageNumber + 1)]])}` } : {}),
    }
    // Before any day was read (or when reading failed): SPEC §4's fixed columns, and those filtered on.
    const columns = page?.columns ?? [...EMPTY_COLUMNS, ...filters.filter((f) => !EMPTY_COLUMNS.some((x) => x.name === f.column)).map((f) => ({ name: f.column, type: 'VARCHAR' }))]
    return c.render(
      <BrowsePage
        engines={engines}
        engine={engine}
        range={range}
        timeZone={timeZone}
        filters={filters}
        columns={columns}
        pageSize={pageSize}
        pageNumber={pageNumber}
        page={page}
        error={error}
        links={links}
      />,
      { title: 'Browse', active: 'browse' },
    )
  })

  app.get('/count', async (c) => {
    const { engine, source, range } = chosenView(c, control, now())
    if (!source || !engine) throw new HTTPException(404, { message: 'There is no engine to count in.' })
    try {
      return c.html(<RowTotal total={await countLogs(source, range, readFilters(c).filters)} />)
    } catch (e) {
      if (e instanceof SearchError) throw new HTTPException(400, { message: e.message })
      throw e
    }
  })

  app.get('/row', async (c) => {
    const { engine, source } = chosenEngine(c, control)
    const key = parseKey(`${c.req.query('at') ?? ''}.${c.req.query('id') ?? ''}`)
    if (!source || !engine || !key) throw new HTTPException(404, { message: 'There is no such row.' })
    const row = await findLogRow(source, key)
    if (!row) throw new HTTPException(404, { message: 'There is no such row (its day may have been deleted by retention).' })
    const referer = c.req.header('referer')
    let back = `/browse?engine=${encodeURIComponent(engine)}`
    // The Referer is whatever the client sent; one that is not a URL just gives no way back.
    if (referer && URL.canParse(referer, c.req.url)) {
      const url = new URL(referer, c.req.url)
      if (url.origin === new URL(c.req.url).origin && url.pathname === '/browse') back = url.pathname + url.search
    }
    return c.render(<LogRowPage engine={engine} columns={row.columns} values={row.values} timeZone={source.timezone} back={back} />, {
      title: 'Row',
      active: 'browse',
    })
  })

  app.get(
    '/export',
    exportHandler({ control, exports, now }, (c) => {
      const { filters } = readFilters(c)
      const described = filters.map((f) => `${f.column} ${OP_LABELS[f.op]} ${f.value}`).join(' and ') || 'no filter'
      return { query: { kind: 'filter', filters }, described: `browse: {range}; ${described}` }
    }),
  )

  return app
}
