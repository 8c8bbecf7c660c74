/**
 * @module
 * One engine: its live counters (the dashboard's card, fed by the same event stream),
 * its settings form and, for admins, delete — asking whether to keep the engine's day files.
 */
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { EngineForm, type EngineFormValues } from '../components/engine-form.js'
import { PageHeader } from '../components/page-header.js'
import { EngineCard, type EngineCardProps } from '../partials/engine-card.js'

/** Props of {@link EnginePage}. */
export interface EnginePageProps {
  name: string
  classes: string[]
  csrfToken: string
  canEdit: boolean
  values: EngineFormValues
  /** Where the engine's day files are. */
  dataDir: string
  deleteError?: string | undefined
  /** The running engine's card; absent while it does not run. */
  card?: EngineCardProps | undefined
  /** The display zone (IANA name) of the card's chart. */
  timeZone: string
}

/** Settings and delete. */
export function EnginePage({ name, classes, csrfToken, canEdit, values, dataDir, deleteError, card, timeZone }: EnginePageProps) {
  return (
    <>
      <PageHeader title={`Engine ${name}`} description="Changes apply live; engines you do not touch keep receiving."
        actions={<a class="button" href={`/senders/${name}`}>Senders</a>} />
      <div class="stack">
        {card && (
          <div class="engine-cards" data-live-dashboard={`/events?engine=${name}`} data-time-zone={timeZone}>
            <EngineCard {...card} />
          </div>
        )}
        <section class="card" aria-labelledby="engine-settings-title">
          <h2 id="engine-settings-title">Settings</h2>
          <EngineForm action={`/engines/${name}`} csrfToken={csrfToken} classes={classes} values={values} editing canEdit={canEdit} submitLabel="Save and apply" />
        </section>
        {canEdit && (
          <section class="card" aria-labelledby="engine-delete-title">
            <h2 id="engine-delete-title">Delete engine</h2>
            {deleteError && <Alert kind="error">{deleteError}</Alert>}
            <form method="post" action={`/engines/${name}/delete`} class="form">
              <CsrfField token={csrfToken} />
              <p>The engine stops receiving; rows already received are stored first.</p>
              <fieldset class="fieldset-plain">
                <legend>Its day files in <code>{dataDir}</code></legend>
                <label class="checkbox">
                  <input type="radio" name="keep_data" value="yes" checked />
                  <span>Keep them</span>
                </label>
                <label class="checkbox">
                  <input type="radio" name="keep_data" value="no" />
                  <span>Delete them too</span>
                </label>
              </fieldset>
              <div class="form-actions">
                <button type="submit" class="button button-danger">
                  Delete {name}
                </button>
              </div>
            </form>
          </section>
        )}
      </div>
    </>
  )
}
