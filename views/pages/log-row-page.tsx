/**
 * @module
 * One stored row (SPEC §6, Browse → row detail): every column with its value, NULL
 * marked, and the original log line as received. All of it is escaped text.
 */
import type { LogColumn, LogRow } from '../../src/store/log-search.js'
import { PageHeader } from '../components/page-header.js'
import { CellValue } from '../partials/log-table.js'

const RECEIVED_AT: LogColumn = { name: 'received_at', type: 'TIMESTAMP WITH TIME ZONE' }

/** Props of {@link LogRowPage}. */
export interface LogRowPageProps {
  engine: string
  columns: LogColumn[]
  values: LogRow
  timeZone: string
  /** Where "Back" goes. */
  back: string
}

/** The row as a two-column table, then the original log. */
export function LogRowPage({ engine, columns, values, timeZone, back }: LogRowPageProps) {
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
      </div>
    </div>
  )
}
