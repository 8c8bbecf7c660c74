/**
 * @module
 * Senders (SPEC §2, §6): the engines with their sender counts, and per engine the ordered
 * list (first match wins) with edit, move, delete, and the unknown senders seen with a
 * one-click add. Viewers see the lists only.
 */
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { PageHeader } from '../components/page-header.js'
import { TableCard } from '../components/table-card.js'
import { ZonedTime } from '../components/zoned-time.js'

/** One engine in the overview. */
export interface SendersOverviewRow {
  name: string
  senders: number
  unknown: number
}

/** Props of {@link SendersOverview}. */
export interface SendersOverviewProps {
  engines: SendersOverviewRow[]
}

/** `/senders`: pick an engine. */
export function SendersOverview({ engines }: SendersOverviewProps) {
  return (
    <>
      <PageHeader title="Senders" description="Each engine stores messages only from its listed senders; the first match names the row." />
      <section class="card card-flush" aria-labelledby="senders-engines-title">
        <h2 id="senders-engines-title" class="card-flush-title">Engines</h2>
        <div class="table-wrap">
          <table class="table table-stack">
            <thead>
              <tr>
                <th scope="col">Engine</th>
                <th scope="col">Senders</th>
                <th scope="col">Unknown senders seen</th>
              </tr>
            </thead>
            <tbody>
              {engines.map((e) => (
                <tr>
                  <td data-label="Engine"><a class="cell-title" href={`/senders/${e.name}`}>{e.name}</a></td>
                  <td data-label="Senders">{e.senders}</td>
                  <td data-label="Unknown senders seen">{e.unknown}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
}

/** One unknown source address. */
export interface UnknownSenderRow {
  address: string
  count: number
  lastSeenMs: number
}

/** Values and errors of the add form. */
export interface SenderForm {
  name?: string
  match?: string
  errors?: Partial<Record<'name' | 'match', string>>
  /** Sent from a row of the unknown senders, so values and errors belong at that row. */
  fromUnknown?: boolean
}

/** Props of {@link EngineSendersPage}. */
export interface EngineSendersPageProps {
  engine: string
  senders: { name: string; match: string }[]
  unknown: UnknownSenderRow[]
  csrfToken: string
  canEdit: boolean
  /** The display zone (IANA name). */
  timeZone: string
  form?: SenderForm
  /** A refused edit of an existing row. */
  error?: string | undefined
}

/** A name for an address offered in one click: `host-10-0-0-1`. */
export function suggestedName(address: string): string {
  return `host-${address.replace(/[^0-9a-zA-Z]+/g, '-').replace(/^-|-$/g, '')}`
}

const n = new Intl.NumberFormat('en-US')

/** `/senders/:engine`. */
export function EngineSendersPage({ engine, senders, unknown, csrfToken, canEdit, timeZone, form = {}, error }: EngineSendersPageProps) {
  // A refused add from the unknown list is shown at its row, not in the add form.
  const addForm = form.fromUnknown ? {} : form
  const errors = addForm.errors ?? {}
  const base = `/senders/${engine}`
  return (
    <>
      <PageHeader title={`Senders of ${engine}`} description="Checked in order; the first sender whose match covers the source address names the row."
        actions={<a class="button" href={`/engines/${engine}`}>Engine settings</a>} />
      {error && <Alert kind="error">{error}</Alert>}
      <div class="stack">
        <TableCard
          titleId="sender-list-title"
          count={senders.length}
          noun={['sender', 'senders']}
          note={senders.length === 0 && <p class="card-flush-note muted">No senders yet: every message is rejected and counted until you add one.</p>}
          head={
            <>
              <th scope="col">#</th>
              <th scope="col">Name</th>
              <th scope="col">Match</th>
              {canEdit && <th scope="col"><span class="visually-hidden">Actions</span></th>}
            </>
          }
        >
          {senders.map((s, i) => (
            <tr id={`sender-${i}`}>
              <td data-label="#">{i + 1}</td>
              {canEdit ? (
                <>
                  <td data-label="Name">
                    <label class="visually-hidden" for={`sender-${i}-name`}>Name of sender {i + 1}</label>
                    <input form={`sender-${i}-edit`} id={`sender-${i}-name`} name="name" value={s.name} required />
                  </td>
                  <td data-label="Match">
                    <label class="visually-hidden" for={`sender-${i}-match`}>Match of sender {i + 1}</label>
                    <input form={`sender-${i}-edit`} id={`sender-${i}-match`} name="match" value={s.match} required />
                  </td>
                  <td class="cell-actions">
                    <form method="post" action={`${base}/${i}`} id={`sender-${i}-edit`} class="inline-form">
                      <CsrfField token={csrfToken} />
                      <button type="submit" class="button button-small">Save</button>
                    </form>
                    <form method="post" action={`${base}/${i}/move`} class="inline-form">
                      <CsrfField token={csrfToken} />
                      <button type="submit" name="direction" value="up" class="button button-small" disabled={i === 0} title="Move up">↑</button>
                      <button type="submit" name="direction" value="down" class="button button-small" disabled={i === senders.length - 1} title="Move down">↓</button>
                    </form>
                    <form method="post" action={`${base}/${i}/delete`} class="inline-form">
                      <CsrfField token={csrfToken} />
                      <button type="submit" class="button button-small button-danger">Delete</button>
                    </form>
                  </td>
                </>
              ) : (
                <>
                  <td data-label="Name">{s.name}</td>
                  <td data-label="Match"><code>{s.match}</code></td>
                </>
              )}
            </tr>
          ))}

        </TableCard>
        {canEdit && (
          <section class="card" aria-labelledby="add-sender-title">
            <h2 id="add-sender-title">Add sender</h2>
            <form method="post" action={base} class="form form-grid">
              <CsrfField token={csrfToken} />
              <Field name="name" label="Sender name" idPrefix="new-sender" value={addForm.name} required error={errors.name} />
              <Field name="match" label="Match" idPrefix="new-sender" value={addForm.match} required error={errors.match}
                hint="An address (10.1.2.3), a CIDR (10.0.0.0/8) or a wildcard (10.0.*, *)." />
              <div class="form-actions">
                <button type="submit" class="button button-primary">Add sender</button>
              </div>
            </form>
          </section>
        )}
        <section class="card card-flush" aria-labelledby="unknown-title">
          <h2 id="unknown-title" class="card-flush-title">Unknown senders seen</h2>
          {unknown.length === 0 ? (
            <p class="card-flush-note muted">None: every message came from a listed sender.</p>
          ) : (
            <div class="table-wrap">
              <table class="table table-stack">
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">Messages</th>
                    <th scope="col">Last seen</th>
                    {canEdit && <th scope="col"><span class="visually-hidden">Add</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {unknown.map((u, i) => {
                    const refused = form.fromUnknown && form.match === u.address ? form : undefined
                    return (
                      <tr>
                        <td data-label="Address"><code>{u.address}</code></td>
                        <td data-label="Messages">{n.format(u.count)}</td>
                        <td data-label="Last seen"><ZonedTime ms={u.lastSeenMs} timeZone={timeZone} /></td>
                        {canEdit && (
                          <td class="cell-actions">
                            <form method="post" action={base} class="inline-form">
                              <CsrfField token={csrfToken} />
                              <input type="hidden" name="from" value="unknown" />
                              <input type="hidden" name="match" value={u.address} />
                              <Field name="name" label={`Name for ${u.address}`} idPrefix={`unknown-${i}`} value={refused?.name ?? suggestedName(u.address)}
                                required maxlength={200} error={refused?.errors?.name ?? refused?.errors?.match} />
                              <button type="submit" class="button button-small">Add as sender</button>
                            </form>
                          </td>
                        )}
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </>
  )
}
