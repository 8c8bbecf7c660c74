/**
 * @module
 * Browse (viewer+, SPEC §6): `GET /browse` — engine, range and filters from the URL, one
 * keyset page of matching rows; `GET /browse/count` — the total of those rows, which the
 * page loads after itself when finding the page did not count them (a filter is a scan
 * of the whole range, the page usually is not); `GET /browse/row` — one row in full;
 * `GET /browse/export` — the whole match as CSV or Parquet, streamed, audited;
 * `GET /browse/histogram` — the match per bucket of time, loaded after the page;
 * `GET /browse/top?column=` — a column's most frequent values in the match, on demand.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { BrowsePage, CONTEXT_SIZES, PAGE_SIZES, OP_LABELS, RowTotal } from '../../../views/pages/browse-page.js'
import { LogRowPage } from '../../../views/pages/log-row-page.js'
import { BrowseHistogram } from '../../../views/partials/browse-histogram.js'
import { TopValuesList } from '../../../views/partials/top-values.js'
import {
  browseLogs,
  countLogs,
  FILTER_OPS,
  findLogRow,
  surroundingRows,
  SearchError,
  type Filter,
  type FilterOp,
  type LogColumn,
  type LogPage,
  type RowKey,
} from '../../store/log-search.js'
import { chooseBuckets, histogramLogs, topValues } from '../../store/log-summary.js'
import { EMPTY_COLUMNS } from '../../store/query.js'
import { chosenEngine, chosenView, exportHandler, type DataRoutesOptions } from '../log-data.js'
import { requireRole } from '../middleware/auth/index.js'
import { utcOffsetMs, wallTime, type ChosenRange } from '../time-range.js'

const DEFAULT_PAGE_SIZE = 100
const DEFAULT_CONTEXT = 10

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

/** The view settings of {@link viewSettings}. */
interface ViewSettings {
  pageSize: number
  top?: string
  /** Columns the chooser hid (`hide`, repeated). */
  hidden: string[]
  params: [string, string][]
}

/**
 * The view settings that are not the query: rows per page (`n`, when one of
 * {@link PAGE_SIZES}), the column whose top values are open (`top`) and the hidden
 * columns (`hide`). Links that change the query (a bar of the histogram, a top value,
 * an export) keep them.
 */
function viewSettings(c: Context, hidden: string[] = c.req.queries('hide') ?? []): ViewSettings {
  const n = Number(c.req.query('n'))
  const pageSize = (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE_SIZE
  const top = c.req.query('top') || undefined
  const params: [string, string][] = [['n', String(pageSize)], ...(top ? [['top', top] as [string, string]] : []), ...hidden.map((h): [string, string] => ['hide', h])]
  return { pageSize, ...(top ? { top } : {}), hidden, params }
}

/**
 * The columns the chooser's form leaves hidden: it sends `chooser=1` and a `show` per
 * ticked box, so what it hides are the offered columns not ticked — a column that
 * appears later (a new class field) is shown.
 */
function chosenHidden(c: Context, offered: readonly LogColumn[]): string[] | undefined {
  if (c.req.query('chooser') !== '1') return undefined
  const shown = c.req.queries('show') ?? []
  return offered.filter((col) => col.name !== 'received_at' && !shown.includes(col.name)).map((col) => col.name)
}

/** A filter list as the query string's repeated `col`, `op`, `val`. */
export function filterParams(filters: Filter[]): [string, string][] {
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
    let settings = viewSettings(c)
    const pageSize = settings.pageSize
    const base = (extra: [string, string][] = []) => viewQuery(engine ?? '', range, [...filterParams(filters), ...settings.params, ...extra])
    if (drop !== undefined && engine !== undefined) {
      // "Remove" submits the form; answer with the view's own address, minus that filter.
      const kept = filters.filter((_, i) => i !== drop)
      return c.redirect(`/browse?${viewQuery(engine, range, [...filterParams(kept), ...settings.params])}`, 303)
    }
    const after = parseKey(c.req.query('after'))
    const pageNumber = after ? Math.max(2, Number(c.req.query('p')) || 2) : 1
    let page: LogPage | undefined
    let error: { message: string; filter?: number } | undefined
    if (source) {
      try {
        page = await browseLogs(source, range, { filters, pageSize, ...(after ? { after } : {}) })
      } catch (e) {
        if (!(e instanceof SearchError)) throw e
        error = { message: e.message, ...(e.filter === undefined ? {} : { filter: e.filter }) }
        c.status(400)
      }
    }
    // When reading failed: the engine's columns now (SPEC §4's fixed ones without an engine), and those filtered on.
    const known = source?.columns ?? EMPTY_COLUMNS
    const columns = page?.columns ?? [...known, ...filters.filter((f) => !known.some((x) => x.name === f.column)).map((f) => ({ name: f.column, type: 'VARCHAR' }))]
    const chosen = chosenHidden(c, columns)
    if (chosen) settings = viewSettings(c, chosen)
    const summary = viewQuery(engine ?? '', range, [...filterParams(filters), ...settings.params])
    const links = {
      view: base(after ? [['after', `${after.receivedAtUs}.${after.rowid}`], ['p', String(pageNumber)]] : []),
      count: `/browse/count?${viewQuery(engine ?? '', range, filterParams(filters))}`,
      histogram: `/browse/histogram?${summary}`,
      top: `/browse/top?${summary}`,
      csv: `/browse/export?${base([['format', 'csv']])}`,
      parquet: `/browse/export?${base([['format', 'parquet']])}`,
      ...(after ? { first: `/browse?${base()}` } : {}),
      ...(page?.next ? { next: `/browse?${base([['after', `${page.next.receivedAtUs}.${page.next.rowid}`], ['p', String(pageNumber + 1)]])}` } : {}),
    }
    return c.render(
      <BrowsePage
        engines={engines}
        engine={engine}
        range={range}
        timeZone={timeZone}
        filters={filters}
        columns={columns}
        pageSize={pageSize}
        top={settings.top}
        hidden={settings.hidden}
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

  app.get('/histogram', async (c) => {
    const { engine, source, range, timeZone } = chosenView(c, control, now())
    if (!source || !engine) throw new HTTPException(404, { message: 'There is no engine to chart.' })
    const { filters } = readFilters(c)
    const settings = viewSettings(c)
    const buckets = chooseBuckets(range.from, range.to, utcOffsetMs(range.from, timeZone))
    const histogram = await histogramLogs(source, range, filters, buckets).catch(badRequest)
    const bars = histogram.counts.map((_, i) => {
      // The first and last buckets may reach past the range: a bar narrows to its part of it.
      const fromText = wallTime(Math.max(range.from, buckets.originMs + i * buckets.widthMs), timeZone)
      const toText = wallTime(Math.min(range.to, buckets.originMs + (i + 1) * buckets.widthMs), timeZone)
      const custom = { ...range, key: 'custom' as const, fromText, toText }
      return { fromText, toText, href: `/browse?${viewQuery(engine, custom, [...filterParams(filters), ...settings.params])}` }
    })
    return c.html(<BrowseHistogram histogram={histogram} buckets={bars} timeZone={timeZone} />)
  })

  app.get('/top', async (c) => {
    const { engine, source, range } = chosenView(c, control, now())
    if (!source || !engine) throw new HTTPException(404, { message: 'There is no engine to read values from.' })
    const column = c.req.query('column') ?? ''
    if (column === '') throw new HTTPException(400, { message: 'Choose a column to see its top values.' })
    const { filters } = readFilters(c)
    const settings = viewSettings(c)
    const top = await topValues(source, range, filters, column).catch(badRequest)
    const links = top.values.map(({ value }) => {
      if (value === null) return { filtered: false }
      // A first click adds "= value"; on a value filtered with "=" already, the click turns it into "≠".
      const at = filters.findIndex((f) => f.column === top.column && f.op === 'eq' && f.value === value)
      const changed = at < 0 ? [...filters, { column: top.column, op: 'eq' as const, value }] : filters.map((f, i) => (i === at ? { ...f, op: 'ne' as const } : f))
      // The view's settings stay (page size, hidden columns), with this column's top values open.
      const params: [string, string][] = [...filterParams(changed), ['n', String(settings.pageSize)], ['top', top.column], ...settings.hidden.map((h): [string, string] => ['hide', h])]
      return { filtered: at >= 0, href: `/browse?${viewQuery(engine, range, params)}` }
    })
    return c.html(<TopValuesList top={top} links={links} />)
  })

  app.get('/row', async (c) => {
    const { engine, source } = chosenEngine(c, control)
    const key = parseKey(`${c.req.query('at') ?? ''}.${c.req.query('id') ?? ''}`)
    if (!source || !engine || !key) throw new HTTPException(404, { message: 'There is no such row.' })
    const count = Number(c.req.query('context') ?? DEFAULT_CONTEXT)
    if (!(CONTEXT_SIZES as readonly number[]).includes(count)) throw new HTTPException(400, { message: `Context is ${CONTEXT_SIZES.join(', ')} rows before and after.` })
    const allSenders = c.req.query('senders') === 'all'
    const row = await findLogRow(source, key)
    if (!row) throw new HTTPException(404, { message: 'There is no such row (its day may have been deleted by retention).' })
    const around = await surroundingRows(source, key, { count, sameSender: !allSenders })
    const contextHref = (n: number, all: boolean) =>
      `/browse/row?${new URLSearchParams({ engine, at: String(key.receivedAtUs), id: String(key.rowid), context: String(n), ...(all ? { senders: 'all' } : {}) })}#context`
    const referer = c.req.header('referer')
    let back = `/browse?engine=${encodeURIComponent(engine)}`
    // The Referer is whatever the client sent; one that is not a URL just gives no way back.
    if (referer && URL.canParse(referer, c.req.url)) {
      const url = new URL(referer, c.req.url)
      if (url.origin === new URL(c.req.url).origin && url.pathname === '/browse') back = url.pathname + url.search
    }
    const context = {
      count,
      allSenders,
      rows: around?.rows ?? [],
      columns: around?.columns ?? row.columns,
      sizes: CONTEXT_SIZES.map((n) => ({ n, href: contextHref(n, allSenders) })),
      toggle: contextHref(count, !allSenders),
    }
    return c.render(<LogRowPage engine={engine} rowKey={key} columns={row.columns} values={row.values} timeZone={source.timezone} back={back} context={context} />, {
      title: 'Row',
      active: 'browse',
    })
  })

  app.get(
    '/export',
    exportHandler({ control, exports, now }, (c) => {
      const { filters } = readFilters(c)
      const described = filters.map((f) => `${f.column} ${OP_LABELS[f.op]} ${f.value}`).join(' and ') || 'no filter'
      return { query: { kind: 'filter', filters, hidden: viewSettings(c).hidden }, described: `browse: {range}; ${described}` }
    }),
  )

  return app
}

/** A {@link SearchError} (bad column, bad filter) as a 400 with its message; anything else as it is. */
function badRequest(e: unknown): never {
  if (e instanceof SearchError) throw new HTTPException(400, { message: e.message })
  throw e
}
