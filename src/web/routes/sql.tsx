/**
 * @module
 * SQL (viewer+, SPEC §6, §7): `GET /sql` runs one read-only statement over the view
 * `logs` of the chosen engine and range, within row, size and time limits; `GET /sql/export`
 * writes its full result as CSV or Parquet within the same time limit, streamed and audited. What may run is
 * decided by DuckDB (statement type, locked-down instance), see `store/log-search.ts`.
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { EXAMPLE_SQL, ROW_LIMITS, SqlColumnList, SqlPage, type SqlPageView } from '../../../views/pages/sql-page.js'
import { runSql, SearchError, viewColumns, type LogColumn, type SqlResult } from '../../store/log-search.js'
import { chosenView, exportHandler, timeLimitS, type DataRoutesOptions } from '../log-data.js'
import { requireRole } from '../middleware/auth/index.js'

const DEFAULT_ROW_LIMIT = 1000

/**
 * Rows shown per page: a page re-runs the statement and skips the earlier rows unprinted,
 * so 10,000 rows never reach the browser at once (issue 18: usable in under 2 s).
 */
const PAGE_ROWS = 500

/** Longest SQL text kept in an audit entry, in characters. */
const AUDIT_SQL_CHARS = 500

/** `/sql` and its export; mount at `/sql`. */
export function sqlRoutes({ control, exports, now = Date.now }: DataRoutesOptions): Hono {
  const app = new Hono()
  app.use('*', requireRole('viewer'))

  app.get('/', async (c) => {
    const { engines, engine, source, timeZone, range } = chosenView(c, control, now())
    const sql = c.req.query('q')
    const rowLimit = (ROW_LIMITS as readonly number[]).includes(Number(c.req.query('limit'))) ? Number(c.req.query('limit')) : DEFAULT_ROW_LIMIT
    const pageText = c.req.query('page') ?? '1'
    const pageNumber = /^[1-9]\d{0,5}$/.test(pageText) ? Number(pageText) : undefined
    const offset = ((pageNumber ?? 1) - 1) * PAGE_ROWS
    const limitS = timeLimitS(c)
    let result: SqlResult | undefined
    let error: string | undefined
    let elapsedMs: number | undefined
    let view: SqlPageView | undefined
    if (pageNumber === undefined || offset >= rowLimit) {
      error = `There is no page ${pageText} of at most ${rowLimit} rows, ${PAGE_ROWS} a page.`
      c.status(400)
    } else if (sql !== undefined && sql.trim() !== '' && source) {
      try {
        const started = performance.now()
        result = await runSql(source, range, sql, { offset, rowLimit: Math.min(PAGE_ROWS, rowLimit - offset), countTo: rowLimit, timeLimitMs: limitS * 1000 })
        elapsedMs = Math.round(performance.now() - started)
        const href = (p: number) => {
          const url = new URL(c.req.url)
          url.searchParams.set('page', String(p))
          return `${url.pathname}${url.search}`
        }
        const lastPage = Math.ceil(result.counted / PAGE_ROWS)
        view = {
          offset,
          page: pageNumber,
          pages: lastPage,
          previous: pageNumber > 1 ? href(pageNumber - 1) : undefined,
          next: pageNumber < lastPage ? href(pageNumber + 1) : undefined,
        }
      } catch (e) {
        if (!(e instanceof SearchError)) throw e
        error = e.message
        c.status(400)
      }
    }
    const columns = source ? await viewColumns(source, range) : []
    return c.render(
      <SqlPage
        engines={engines}
        engine={engine}
        range={range}
        timeZone={timeZone}
        columns={columns}
        sql={sql ?? EXAMPLE_SQL}
        rowLimit={rowLimit}
        timeLimitS={limitS}
        result={result}
        view={view}
        elapsedMs={elapsedMs}
        error={error}
      />,
      { title: 'SQL', active: 'sql' },
    )
  })

  // The column list alone, for htmx when the engine or range changes.
  app.get('/columns', async (c) => {
    const { source, range } = chosenView(c, control, now())
    const columns: LogColumn[] = source ? await viewColumns(source, range) : []
    return c.html(<SqlColumnList columns={columns} />)
  })

  app.get(
    '/export',
    exportHandler({ control, exports, now }, (c) => {
      const sql = c.req.query('q') ?? ''
      if (sql.trim() === '') throw new HTTPException(400, { message: 'Write a query to export its result.' })
      const text = sql.length > AUDIT_SQL_CHARS ? `${sql.slice(0, AUDIT_SQL_CHARS)}…` : sql
      // The form's time limit applies to the export as to the run.
      return { query: { kind: 'sql', sql }, described: `SQL: {range}; ${text}`, timeLimitMs: timeLimitS(c) * 1000 }
    }),
  )

  return app
}
