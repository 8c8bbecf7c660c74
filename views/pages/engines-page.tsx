/**
 * @module
 * Engines (SPEC §6): every listener with its state, rates and data size, and the form
 * that creates one. Viewers see the list only.
 */
import { PageHeader } from '../components/page-header.js'
import { formatBytes } from '../components/format.js'
import { EngineForm, type EngineFormValues } from '../components/engine-form.js'
import { TableCard } from '../components/table-card.js'
import type { ListenSocket } from '../partials/engine-card.js'

/** One row of the list. */
export interface EngineRow {
  name: string
  className: string
  /** Bound sockets of a running engine, else the config's addresses. */
  listen: readonly ListenSocket[]
  state: string
  /** Messages per second received and stored in the last second. */
  receivedPerS: number
  storedPerS: number
  dataBytes: number | undefined
  senders: number
}

/** Props of {@link EnginesPage}. */
export interface EnginesPageProps {
  engines: EngineRow[]
  classes: string[]
  csrfToken: string
  canEdit: boolean
  form?: EngineFormValues
}

const n = new Intl.NumberFormat('en-US')

/** The table and, for admins, "New engine". */
export function EnginesPage({ engines, classes, csrfToken, canEdit, form = {} }: EnginesPageProps) {
  return (
    <>
      <PageHeader title="Engines" description="Listeners: where they receive, which class they extract, what they store. Changes apply live." />
      <div class="stack">
        <TableCard
          titleId="engines-title"
          count={engines.length}
          noun={['engine', 'engines']}
          head={
            <>
              <th scope="col">Engine</th>
              <th scope="col">Listens on</th>
              <th scope="col">State</th>
              <th scope="col">Received/s</th>
              <th scope="col">Stored/s</th>
              <th scope="col">Data</th>
            </>
          }
        >
          {engines.map((e) => (
            <tr id={`engine-${e.name}`}>
              <td data-label="Engine">
                <a class="cell-title" href={`/engines/${e.name}`}>{e.name}</a>
                <span class="cell-sub">
                  class <code>{e.className}</code> · <a href={`/senders/${e.name}`}>{e.senders === 1 ? '1 sender' : `${e.senders} senders`}</a>
                </span>
              </td>
              <td data-label="Listens on">{e.listen.map((s) => <code class="address">{s.protocol} {s.address}</code>)}</td>
              <td data-label="State"><span class={`state state-${e.state}`}>{e.state}</span></td>
              <td data-label="Received/s">{n.format(e.receivedPerS)}</td>
              <td data-label="Stored/s">{n.format(e.storedPerS)}</td>
              <td data-label="Data">{e.dataBytes === undefined ? '–' : formatBytes(e.dataBytes)}</td>
            </tr>
          ))}

        </TableCard>
        {canEdit && (
          <section class="card" aria-labelledby="new-engine-title">
            <h2 id="new-engine-title">New engine</h2>
            <EngineForm action="/engines" csrfToken={csrfToken} classes={classes} values={form} editing={false} canEdit submitLabel="Create engine" />
          </section>
        )}
      </div>
    </>
  )
}
