/**
 * @module
 * SQL (viewer+, SPEC §6, §7): `GET /sql` runs one read-only statement over the view
 * `logs` of the chosen engine and range, within row, size and time limits; `GET /sql/export`
 * writes its full result as CSV or Parquet within the same time limit, streamed and audited. What may run is
 * decided by DuckDB (statement type, locked-down instance), see `store/log-search.ts`.
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { EXAMPLE_SQL, ROW_LIMITS, SqlPage } from '../../../views/pages/sql-page.js'
import { runSql, SearchError, type SqlResult } from '../../store/log-search.js'
import { chosenView, exportHandler, timeLimitS, type DataRoutesOptions } from '../log-data.js'
import { requireRole } from '../middleware/auth/index.js'

const DEFAULT_ROW_LIMIT = 1000

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
    const limitS = timeLimitS(c)
    let result: SqlResult | undefined
    let error: string | undefined
    let elapsedMs: number | undefined
    if (sql !== undefined && sql.trim() !== '' && source) {
      try {
        const started = performance.now()
        result = await runSql(source, range, sql, { rowLimit, timeLimitMs: limitS * 1000 })
        elapsedMs = Math.round(performance.now() - started)
      } catch (e) {
        if (!(e instanceof SearchError)) throw e
        error = e.message
        c.status(400)
      }
    }
    return c.render(
      <SqlPage
        engines={engines}
        engine={engine}
        range={range}
        timeZone={timeZone}
        sql={sql ?? EXAMPLE_SQL}
        rowLimit={rowLimit}
        timeLimitS={limitS}
        result={result}
        elapsedMs={elapsedMs}
        error={error}
      />,
      { title: 'SQL', active: 'sql' },
    )
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
