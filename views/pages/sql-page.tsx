/**
 * @module
 * SQL (SPEC §6, §7): read-only DuckDB SQL over the view `logs` of the chosen engine and
 * days, with row, text-size and time limits, the result as a table, DuckDB's message on failure,
 * and export of the full result. A GET form: a query can be bookmarked.
 */
import type { LogColumn, SqlResult } from '../../src/store/log-search.js'
import { quoteIdent } from '../../src/store/sql-quote.js'
import { microsToMs, type ChosenRange } from '../../src/web/time-range.js'
import { Alert } from '../components/alert.js'
import { formatDuckDbTimestampTz, parseDuckDbTimestampTz } from '../components/format.js'
import { PageHeader } from '../components/page-header.js'
import { RangeFields, RangeHint } from '../components/range-fields.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Display row limits offered. */
export const ROW_LIMITS = [100, 1000, 10_000] as const

/** The statement shown on a fresh page. */
export const EXAMPLE_SQL = 'SELECT received_at, sender_ip, original_log\nFROM logs\nORDER BY received_at DESC\nLIMIT 100'

/** Props of {@link SqlPage}. */
export interface SqlPageProps {
  engines: string[]
  engine?: string
  range: ChosenRange
  timeZone: string
  sql: string
  rowLimit: number
  timeLimitS: number
  /** Columns of `logs` for the chosen engine and range, with their DuckDB types. */
  columns: LogColumn[]
  result?: SqlResult
  /** Where `result` sits among all the rows: set with it. */
  view?: SqlPageView
  /** How long the server took to run the query and read its rows, in ms. */
  elapsedMs?: number
  error?: string
}

/** Which page of a result is shown, and the links to its neighbours. */
export interface SqlPageView {
  /** Rows of the result before this page's first. */
  offset: number
  /** 1-based. */
  page: number
  /** Pages of the rows counted. */
  pages: number
  previous?: string
  next?: string
}

/** How a column name goes into SQL: as it is when DuckDB reads it so, else quoted. */
function columnRef(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quoteIdent(name)
}

/** The columns of `logs` and their types; a click on a name puts it into the query at the cursor (sql-editor.js). */
export function SqlColumnList({ columns }: { columns: LogColumn[] }) {
  return (
    <ul class="sql-columns">
      {columns.map((c) => (
        <li>
          <button type="button" class="sql-column mono" data-insert={columnRef(c.name)} title={`Insert ${c.name}`}>
            {c.name}
          </button>{' '}
          <span class="muted sql-column-type">{c.type}</span>
        </li>
      ))}
    </ul>
  )
}

/** "8 rows", or "Rows 501–1,000 of 10,000" when the result has more than one page. */
function rowsText(result: SqlResult, view: SqlPageView, n: Intl.NumberFormat): string {
  if (view.pages <= 1) return result.rows.length === 1 ? '1 row' : `${n.format(result.rows.length)} rows`
  const total = result.truncated ? `more than ${n.format(result.counted)}` : n.format(result.counted)
  return `Rows ${n.format(view.offset + 1)}–${n.format(view.offset + result.rows.length)} of ${total}`
}

/**
 * One value of a result. A TIMESTAMPTZ reads in the display zone, as DuckDB prints it
 * with `SET TimeZone`. Only the display changes: the query runs with DuckDB's own TimeZone
 * setting, and exports keep the typed value.
 */
export function SqlValue({ column, text, timeZone }: { column: LogColumn; text: string | null; timeZone: string }) {
  if (text === null) return <span class="null">NULL</span>
  const us = column.type === 'TIMESTAMP WITH TIME ZONE' ? parseDuckDbTimestampTz(text) : undefined
  if (us === undefined) return <>{text}</>
  return <ZonedTime ms={microsToMs(us)} timeZone={timeZone} text={formatDuckDbTimestampTz(us, timeZone)} />
}

/** The form and, after a run, the result or the error. */
export function SqlPage(props: SqlPageProps) {
  const { result } = props
  const n = new Intl.NumberFormat('en-US')
  // Plain navigation, not hx-boost: exports answer with downloads, and every view is a URL of its own.
  return (
    <div class="data-page" hx-boost="false">
      <PageHeader
        title="SQL"
        description="Read-only DuckDB SQL over the view logs: every row of the engine in the chosen time range, all days combined."
      />
      <div class="stack">
        <section class="card" aria-labelledby="sql-form-title">
          <h2 id="sql-form-title" class="visually-hidden">
            Query
          </h2>
          {/* Not boosted: the export buttons answer with a download, which htmx would try to swap in. */}
          <form method="get" action="/sql" class="query-form" hx-boost="false">
            <div class="query-grid">
              <RangeFields engines={props.engines} engine={props.engine} range={props.range} />
            </div>
            <RangeHint timeZone={props.timeZone} range={props.range} />
            <div class="sql-columns-box" hx-get="/sql/columns" hx-trigger="change from:#q-engine, change from:#q-range, change from:#q-from, change from:#q-to" hx-include="closest form" hx-sync="this:queue last">
              <p class="sql-columns-title" id="sql-columns-title">
                Columns of <span class="mono">logs</span> · click to insert
              </p>
              <SqlColumnList columns={props.columns} />
            </div>
            <div class="field">
              <label for="q-sql">Query</label>
              <textarea name="q" id="q-sql" class="mono sql-text" rows={7} spellcheck={false} aria-describedby="q-sql-hint">
                {props.sql}
              </textarea>
              <p class="field-hint" id="q-sql-hint">
                One SELECT statement, run with Ctrl+Enter (⌘+Enter); files other than the engine's day files, every write and functions that change DuckDB's state are refused.
              </p>
            </div>
            <div class="query-actions">
              <div class="field field-inline">
                <label for="q-limit">Rows at most</label>
                <select name="limit" id="q-limit">
                  {ROW_LIMITS.map((l) => (
                    <option value={String(l)} selected={l === props.rowLimit}>
                      {n.format(l)} rows
                    </option>
                  ))}
                </select>
              </div>
              <div class="field field-inline">
                <label for="q-timeout">Time limit (s)</label>
                <input type="number" name="timeout" id="q-timeout" class="input-narrow" min="1" max="300" value={String(props.timeLimitS)} />
              </div>
              <button type="submit" class="button button-primary" data-run title="Ctrl+Enter (⌘+Enter) in the query box">
                Run
              </button>
              <button type="submit" class="button" formaction="/sql/export" name="format" value="csv">
                Export CSV
              </button>
              <button type="submit" class="button" formaction="/sql/export" name="format" value="parquet">
                Export Parquet
              </button>
            </div>
          </form>
        </section>
        {props.range.error && <Alert kind="error">{props.range.error} Using the last hour.</Alert>}
        {props.error && (
          <div class="alert alert-error alert-block" role="alert">
            <div>
              <p>The query failed.</p>
              <pre class="sql-error">{props.error}</pre>
            </div>
          </div>
        )}
        {result && props.view && (
          <section class="card card-flush" aria-labelledby="sql-result-title">
            <div class="results-head">
              <h2 id="sql-result-title" class="results-title">
                {rowsText(result, props.view, n)}
                {props.elapsedMs !== undefined && ` in ${n.format(props.elapsedMs)} ms`}
                {props.view.pages > 1 && <span class="muted results-sub"> · page {n.format(props.view.page)} of {n.format(props.view.pages)}</span>}
                {result.cutAtText !== undefined ? (
                  <span class="muted results-sub"> · cut at {n.format(result.cutAtText / 1e6)} MB of text, more exist; export for all of them</span>
                ) : (
                  result.truncated && <span class="muted results-sub"> · more exist; export for all of them</span>
                )}
              </h2>
              {(props.view.previous || props.view.next) && <SqlPager view={props.view} />}
            </div>
            {result.columns.length === 0 || result.rows.length === 0 ? (
              <p class="empty-state">No rows.</p>
            ) : (
              <div class="data-scroll" tabindex={0} role="region" aria-label="Result">
                <table class="table data-table sql-table">
                  <thead>
                    <tr>
                      {result.columns.map((c) => (
                        <th scope="col" title={c.type}>
                          {c.name}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {result.rows.map((row) => (
                      <tr>
                        {row.map((v, i) => (
                          <td>
                            <SqlValue column={result.columns[i]!} text={v} timeZone={props.timeZone} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}
      </div>
    </div>
  )
}

/** Previous and next page of a result; each link re-runs the statement for its page. */
function SqlPager({ view }: { view: SqlPageView }) {
  return (
    <nav class="pager sql-pager" aria-label="Result pages">
      {view.previous && (
        <a class="button button-small" href={view.previous} rel="prev">
          ← Previous
        </a>
      )}
      {view.next && (
        <a class="button button-small" href={view.next} rel="next">
          Next →
        </a>
      )}
    </nav>
  )
}
