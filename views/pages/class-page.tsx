/**
 * @module
 * One class: its fields as editable rows (two empty rows add fields; clearing a row
 * removes it), delete, and the regex tester. The tester posts the fields as typed, so
 * a pattern can be tried before it is saved.
 */
import type { TesterResult } from '../../src/web/regex-tester.js'
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { PageHeader } from '../components/page-header.js'
import { TesterResultView } from '../partials/tester-result.js'

/** Props of {@link ClassPage}. */
export interface ClassPageProps {
  name: string
  fields: { name: string; pattern: string }[]
  usedBy: string[]
  engines: string[]
  csrfToken: string
  canEdit: boolean
  /** Refused save, with the message per field name. */
  error?: string | undefined
  fieldErrors?: Record<string, string>
  deleteError?: string | undefined
  lines?: string
  result?: TesterResult | undefined
  resultSource?: string | undefined
}

/** Field rows, tester, delete. */
export function ClassPage(props: ClassPageProps) {
  const { name, fields, usedBy, engines, csrfToken, canEdit, fieldErrors = {} } = props
  const rows = canEdit ? [...fields, { name: '', pattern: '' }, { name: '', pattern: '' }] : fields
  return (
    <>
      <PageHeader title={`Class ${name}`}
        description={usedBy.length === 0 ? 'No engine uses this class.' : `Used by ${usedBy.join(', ')}. Saving applies the change live; new fields become new columns.`} />
      {props.error && <Alert kind="error">{props.error}</Alert>}
      <form method="post" action={`/classes/${name}`} class="stack" id="class-form">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="class_name" value={name} />
        <section class="card" aria-labelledby="fields-title">
          <h2 id="fields-title">Fields</h2>
          <p class="field-hint">In column order. A name ending in <code>_ip</code> expects <code>address:port</code> and also fills <code>…_port</code>.</p>
          <div class="field-rows">
            {rows.map((f, i) => (
              <div class="field-row">
                <div class="field">
                  <label for={`field-${i}-name`}>Field {i + 1}</label>
                  <input id={`field-${i}-name`} name="field_name" value={f.name} readonly={!canEdit} autocomplete="off" />
                </div>
                <div class="field">
                  <label for={`field-${i}-pattern`}>Regular expression {i + 1}</label>
                  <input id={`field-${i}-pattern`} name="field_pattern" value={f.pattern} readonly={!canEdit} class="mono" autocomplete="off" spellcheck={false}
                    aria-invalid={fieldErrors[f.name] ? 'true' : undefined} />
                  {f.name && fieldErrors[f.name] && <p class="field-error">{fieldErrors[f.name]}</p>}
                </div>
              </div>
            ))}
          </div>
          {canEdit && (
            <div class="form-actions">
              <button type="submit" class="button button-primary">Save and apply</button>
            </div>
          )}
        </section>
        <section class="card" aria-labelledby="tester-title">
          <h2 id="tester-title">Regex tester</h2>
          <p class="field-hint">Runs the fields above, as typed, through the engine's own extraction.</p>
          <div class="field">
            <label for="tester-lines">Sample lines</label>
            <textarea id="tester-lines" name="lines" rows={5} class="mono" spellcheck={false}>{props.lines ?? ''}</textarea>
          </div>
          <div class="form-actions tester-actions">
            <button type="submit" class="button" formaction="/classes/test" name="source" value="paste"
              hx-post="/classes/test" hx-target="#tester-result" hx-swap="outerHTML">Test these lines</button>
            {engines.length > 0 && (
              <>
                <label class="visually-hidden" for="tester-engine">Engine</label>
                <select id="tester-engine" name="engine">
                  {engines.map((e) => <option value={e}>{e}</option>)}
                </select>
                <label class="visually-hidden" for="tester-count">Number of lines</label>
                <input id="tester-count" name="count" type="number" value="20" min="1" max="1000" class="input-narrow" />
                <button type="submit" class="button" formaction="/classes/test" name="source" value="engine"
                  hx-post="/classes/test" hx-target="#tester-result" hx-swap="outerHTML">Test recent lines</button>
              </>
            )}
          </div>
          <TesterResultView result={props.result} source={props.resultSource} />
        </section>
      </form>
      {canEdit && (
        <section class="card" aria-labelledby="class-delete-title">
          <h2 id="class-delete-title">Delete class</h2>
          {props.deleteError && <Alert kind="error">{props.deleteError}</Alert>}
          <form method="post" action={`/classes/${name}/delete`} class="form">
            <CsrfField token={csrfToken} />
            <p>Only a class no engine uses can be deleted.</p>
            <div class="form-actions">
              <button type="submit" class="button button-danger" disabled={usedBy.length > 0}>Delete {name}</button>
            </div>
          </form>
        </section>
      )}
    </>
  )
}
