/**
 * @module
 * Browse (SPEC §6): engine, time range and per-column filters in one GET form — the URL
 * is the view, so it can be bookmarked and shared — then the matching rows newest
 * first, a page at a time, with the total and CSV/Parquet export of the whole match.
 */
import { FILTER_OPS, screenColumns, type Filter, type FilterOp, type LogColumn, type LogPage } from '../../src/store/log-search.js'
import { hasTopValues } from '../../src/store/log-summary.js'
import type { ChosenRange } from '../../src/web/time-range.js'
import { Alert } from '../components/alert.js'
import { PageHeader } from '../components/page-header.js'
import { RangeFields, RangeHint } from '../components/range-fields.js'
import { LogTable } from '../partials/log-table.js'

/** Labels of the filter operators. */
export const OP_LABELS: Record<FilterOp, string> = {
  eq: 'equals',
  ne: 'not equals',
  prefix: 'starts with',
  contains: 'contains',
  regex: 'matches regex',
  cidr: 'in CIDR',
}

/** Choices of how many rows before and after a row its detail page shows. */
export const CONTEXT_SIZES = [5, 10, 50] as const

/** Rows-per-page choices. */
export const PAGE_SIZES = [50, 100, 500] as const

/** Props of {@link BrowsePage}. */
export interface BrowsePageProps {
  engines: string[]
  engine?: string
  range: ChosenRange
  timeZone: string
  filters: Filter[]
  /** Columns offered in the filter selects. */
  columns: LogColumn[]
  pageSize: number
  /** The column whose top values are open, kept in the address so a click on one reopens them. */
  top?: string | undefined
  /** Columns the chooser hid; the export leaves them out too. */
  hidden: string[]
  /** 1 for the newest rows. */
  pageNumber: number
  page?: LogPage
  /** Why the search failed; `filter` is the index of the filter at fault, whose field shows it. */
  error?: { message: string; filter?: number }
  /**
   * `count` answers the total as {@link RowTotal}, for pages that come without it;
   * `histogram` and `top` (plus `&column=`) the summaries the page loads after itself;
   * `view` is this page's own query string.
   */
  links: { next?: string; first?: string; view: string; count: string; histogram: string; top: string; csv: string; parquet: string }
}

/** "600 rows": the total of a browse, in the page or as the answer of `/browse/count`. */
export function RowTotal({ total }: { total: number }) {
  return <span class="results-total">{total === 1 ? '1 row' : `${new Intl.NumberFormat('en-US').format(total)} rows`}</span>
}

function FilterRow({ index, filter, columns, error }: { index: number; filter?: Filter; columns: LogColumn[]; error?: string | undefined }) {
  const id = `flt-${index}`
  return (
    <div class="filter-row">
      <label class="visually-hidden" for={`${id}-col`}>
        Column of filter {index + 1}
      </label>
      <select name="col" id={`${id}-col`}>
        {columns.map((c) => (
          <option value={c.name} selected={c.name === (filter?.column ?? 'original_log')}>
            {c.name}
          </option>
        ))}
      </select>
      <label class="visually-hidden" for={`${id}-op`}>
        Comparison of filter {index + 1}
      </label>
      <select name="op" id={`${id}-op`}>
        {FILTER_OPS.map((op) => (
          <option value={op} selected={op === (filter?.op ?? 'contains')}>
            {OP_LABELS[op]}
          </option>
        ))}
      </select>
      <label class="visually-hidden" for={`${id}-val`}>
        Value of filter {index + 1}
      </label>
      <input
        type="text"
        class="mono"
        name="val"
        id={`${id}-val`}
        value={filter?.value ?? ''}
        placeholder={filter ? '' : 'Add a filter: value'}
        autocomplete="off"
        spellcheck={false}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {filter ? (
        <button type="submit" name="drop" value={String(index)} class="button button-small" title="Remove this filter">
          Remove
        </button>
      ) : (
        <span class="filter-spacer" />
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {filter?.column ?? 'This filter'}: {error}
        </p>
      )}
    </div>
  )
}

/** The filters of a GET form (Browse, Live tail): one row per filter, then a blank one to add another. */
export function FilterFieldset({ filters, columns, error }: { filters: Filter[]; columns: LogColumn[]; error?: { filter?: number | undefined; message: string } | undefined }) {
  return (
    <fieldset class="filters">
      <legend>Filters</legend>
      {filters.map((f, i) => (
        <FilterRow index={i} filter={f} columns={columns} error={error?.filter === i ? error.message : undefined} />
      ))}
      <FilterRow index={filters.length} columns={columns} />
      <p class="field-hint">
        “in CIDR” takes 10.0.0.0/8 or 2001:db8::/32 on address columns; regex is RE2 syntax, unanchored.
      </p>
    </fieldset>
  )
}

/**
 * The column chooser: a GET form of the whole view with a box per column, ticked when
 * shown. It sends `chooser=1` so the server hides what is not ticked; the address then
 * keeps the choice (`hide`), and so do the search form, the pager and the exports.
 */
function ColumnChooser({ columns, hidden, view }: { columns: LogColumn[]; hidden: string[]; view: string }) {
  const kept = [...new URLSearchParams(view)].filter(([k]) => k !== 'hide')
  return (
    <details class="column-chooser">
      <summary class="button button-small">Columns</summary>
      <form method="get" action="/browse" class="column-chooser-menu">
        {kept.map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        <input type="hidden" name="chooser" value="1" />
        {screenColumns(columns)
          .filter((c) => c.name !== 'received_at')
          .map((c) => (
            <label>
              <input type="checkbox" name="show" value={c.name} checked={!hidden.includes(c.name)} />
              {c.name}
            </label>
          ))}
        <button type="submit" class="button button-small button-primary">
          Apply
        </button>
      </form>
    </details>
  )
}

/**
 * The histogram and the top values: placeholders htmx fills after the page has loaded,
 * so neither scan delays the rows.
 */
function Summaries({ columns, top, links }: { columns: LogColumn[]; top: string | undefined; links: BrowsePageProps['links'] }) {
  return (
    <div class="browse-summaries">
      <section class="card histogram-card" aria-labelledby="histogram-title">
        <h2 id="histogram-title" class="summary-title">
          Rows over time
        </h2>
        <div class="histogram muted" hx-get={links.histogram} hx-trigger="load" hx-swap="outerHTML">
          Counting rows over time…
        </div>
      </section>
      <section class="card top-values-card" aria-labelledby="top-values-title">
        <h2 id="top-values-title" class="summary-title">
          Top values
        </h2>
        <form class="top-values-form" action="/browse/top" hx-get={links.top} hx-target="#top-values" hx-trigger="change">
          <label for="top-column">Column</label>
          <select name="column" id="top-column">
            <option value="" selected={top === undefined}>
              Choose a column…
            </option>
            {columns
              .filter((c) => hasTopValues(c.name))
              .map((c) => (
                <option value={c.name} selected={c.name === top}>
                  {c.name}
                </option>
              ))}
          </select>
        </form>
        {top ? (
          <div id="top-values" hx-get={`${links.top}&${new URLSearchParams({ column: top })}`} hx-trigger="load">
            <p class="muted">Counting values…</p>
          </div>
        ) : (
          <div id="top-values" />
        )}
      </section>
    </div>
  )
}

/** The whole page. */
export function BrowsePage(props: BrowsePageProps) {
  const { page, engine } = props
  const n = new Intl.NumberFormat('en-US')
  // Plain navigation, not hx-boost: exports answer with downloads, and every view is a URL of its own.
  return (
    <div class="data-page" hx-boost="false">
      <PageHeader title="Browse" description="Stored rows of an engine, newest first, across as many days as the range spans. Filters combine with AND." />
      <div class="stack">
        <section class="card" aria-labelledby="browse-form-title">
          <h2 id="browse-form-title" class="visually-hidden">
            Search
          </h2>
          <form method="get" action="/browse" class="query-form">
            <div class="query-grid query-grid-5">
              <RangeFields engines={props.engines} engine={engine} range={props.range} />
              <div class="field">
                <label for="q-n">Per page</label>
                <select name="n" id="q-n">
                  {PAGE_SIZES.map((s) => (
                    <option value={String(s)} selected={s === props.pageSize}>
                      {s}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <RangeHint timeZone={props.timeZone} range={props.range} />
            {props.top && <input type="hidden" name="top" value={props.top} />}
            {props.hidden.map((h) => (
              <input type="hidden" name="hide" value={h} />
            ))}
            <FilterFieldset filters={props.filters} columns={props.columns} error={props.error} />
            <div class="query-actions">
              <button type="submit" class="button button-primary">
                Search
              </button>
              <a class="button" href={`/browse${engine ? `?engine=${encodeURIComponent(engine)}` : ''}`}>
                Clear
              </a>
            </div>
          </form>
        </section>
        {props.error && props.error.filter === undefined && <Alert kind="error">{props.error.message}</Alert>}
        {props.engines.length === 0 && <Alert kind="info">No engine is configured, so there are no rows to browse.</Alert>}
        {page && engine && <Summaries columns={props.columns} top={props.top} links={props.links} />}
        {page && engine && (
          <section class="card card-flush" aria-labelledby="results-title">
            <div class="results-head">
              <h2 id="results-title" class="results-title">
                {page.total === undefined ? (
                  // Shown at once, counted after: the page's rows do not wait for a scan of the whole range.
                  <span class="results-total" hx-get={props.links.count} hx-trigger="load" hx-swap="outerHTML">
                    Counting rows…
                  </span>
                ) : (
                  <RowTotal total={page.total} />
                )}
                <span class="muted results-sub">
                  {page.rows.length > 0
                    ? ` · ${n.format((props.pageNumber - 1) * props.pageSize + 1)}–${n.format((props.pageNumber - 1) * props.pageSize + page.rows.length)} shown`
                    : ''}
                  {` · ${page.days.length === 1 ? '1 day' : `${page.days.length} days`}`}
                  {page.archived.length > 0 ? ` (${page.archived.length} from the archive)` : ''}
                </span>
              </h2>
              <div class="results-actions">
                <ColumnChooser columns={page.columns} hidden={props.hidden} view={props.links.view} />
                <a class="button button-small" href={props.links.csv} download hx-boost="false">
                  Export CSV
                </a>
                <a class="button button-small" href={props.links.parquet} download hx-boost="false">
                  Export Parquet
                </a>
              </div>
            </div>
            {page.rows.length === 0 ? (
              <p class="empty-state">No rows match in this range.</p>
            ) : (
              <LogTable engine={engine} columns={page.columns} hidden={props.hidden} rows={page.rows} timeZone={props.timeZone} />
            )}
            {(props.links.first || props.links.next) && (
              <nav class="pager data-pager" aria-label="Pages">
                {props.links.first && (
                  <a class="button button-small" href={props.links.first}>
                    ← Newest
                  </a>
                )}
                {props.links.next && (
                  <a class="button button-small" href={props.links.next} rel="next">
                    Older →
                  </a>
                )}
              </nav>
            )}
          </section>
        )}
      </div>
    </div>
  )
}
