/**
 * @module
 * One stored row (SPEC §6, Browse → row detail): every column with its value, NULL
 * marked, and the original log line as received. All of it is escaped text.
 */
import type { LogColumn, LogRow, RowKey } from '../../src/store/log-search.js'
import { PageHeader } from '../components/page-header.js'
import { CellValue, LogTable } from '../partials/log-table.js'

const RECEIVED_AT: LogColumn = { name: 'received_at', type: 'TIMESTAMP WITH TIME ZONE' }

/** Props of {@link LogRowPage}. */
export interface LogRowPageProps {
  engine: string
  columns: LogColumn[]
  values: LogRow
  timeZone: string
  /** Where "Back" goes. */
  back: string
  rowKey: RowKey
  /** The rows around this one, oldest first, it among them. */
  context: {
    count: number
    allSenders: boolean
    columns: LogColumn[]
    rows: { key: RowKey; values: LogRow }[]
    /** Links to the same context with another count, and to the other sender choice. */
    sizes: { n: number; href: string }[]
    toggle: string
  }
}

/** The row as a two-column table, then the original log. */
export function LogRowPage({ engine, columns, values, timeZone, back, rowKey, context }: LogRowPageProps) {
  const original = values.original_log
  // Plain navigation, not hx-boost: exports answer with downloads, and every view is a URL of its own.
  return (
    <div class="data-page" hx-boost="false">
      <PageHeader
        title="Row"
        description={
          <>
            Engine {engine} · received <CellValue column={RECEIVED_AT} value={values.received_at} timeZone={timeZone} detailed /> ({timeZone})
          </>
        }
        actions={
          <a class="button" href={back}>
            ← Back to browse
          </a>
        }
      />
      <div class="stack">
        <section class="card" aria-labelledby="original-title">
          <h2 id="original-title">Original log</h2>
          {original === null || original === undefined ? (
            <p class="muted">Not kept: this engine stores no original log (keep_original_log is off).</p>
          ) : (
            <pre class="log-original">{String(original)}</pre>
          )}
        </section>
        <section class="card card-flush" aria-labelledby="columns-title">
          <h2 id="columns-title" class="card-flush-title">
            Columns
          </h2>
          <table class="table row-columns">
            <tbody>
              {columns
                .filter((c) => c.name !== 'original_log')
                .map((c) => {
                  const value = values[c.name]
                  return (
                    <tr>
                      <th scope="row">
                        <code>{c.name}</code>
                        <span class="cell-sub">{c.type.toLowerCase()}</span>
                      </th>
                      <td class="mono">
                        {value === null || value === undefined ? <span class="null">NULL</span> : <CellValue column={c} value={value} timeZone={timeZone} detailed />}
                      </td>
                    </tr>
                  )
                })}
            </tbody>
          </table>
        </section>
        <section class="card card-flush" aria-labelledby="context-title" id="context">
          <div class="results-head">
            <h2 id="context-title" class="results-title">
              Context <span class="muted results-sub">· {context.count} rows before and after, {context.allSenders ? 'all senders' : `sender ${String(values.sender_ip ?? 'NULL')}`}</span>
            </h2>
            <nav class="results-actions" aria-label="Context">
              {context.sizes.map((s) => (
                <a class="button button-small" href={s.href} aria-current={s.n === context.count ? 'true' : undefined}>
                  {s.n}
                </a>
              ))}
              <a class="button button-small" href={context.toggle} id="context-senders">
                {context.allSenders ? 'Same sender' : 'All senders'}
              </a>
            </nav>
          </div>
          <LogTable engine={engine} columns={context.columns} rows={context.rows} timeZone={timeZone} selected={rowKey} />
        </section>
      </div>
    </div>
  )
}
