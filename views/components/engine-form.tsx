/**
 * @module
 * The engine form, shared by "create" and "edit": name (fixed once created), class,
 * UDP addresses one per line, and the options of SPEC §2.
 */
import { Alert } from './alert.js'
import { CsrfField } from './csrf-field.js'
import { Field } from './field.js'

/** Values and errors of the form, as typed. */
export interface EngineFormValues {
  name?: string
  className?: string
  /** One address per line. */
  udp?: string
  keepOriginalLog?: boolean
  threads?: string
  receiveBufferBytes?: string
  retentionDays?: string
  syslogHeader?: string
  /** Per-field messages, keyed like the form fields. */
  errors?: Partial<Record<'name' | 'class' | 'udp' | 'threads' | 'receive_buffer_bytes' | 'retention_days' | 'form', string>>
}

/** Props of {@link EngineForm}. */
export interface EngineFormProps {
  action: string
  csrfToken: string
  classes: string[]
  values: EngineFormValues
  /** Editing an existing engine: the name cannot change (it names the data directory). */
  editing: boolean
  /** False for viewers: the form is shown read-only, without a submit button. */
  canEdit: boolean
  submitLabel: string
}

/** A `<form>` posting to `action`. */
export function EngineForm({ action, csrfToken, classes, values, editing, canEdit, submitLabel }: EngineFormProps) {
  const e = values.errors ?? {}
  const prefix = editing ? 'edit' : 'new'
  return (
    <form method="post" action={action} class="form form-grid">
      <CsrfField token={csrfToken} />
      {e.form && <Alert kind="error">{e.form}</Alert>}
      <fieldset disabled={!canEdit} class="form-grid fieldset-plain">
        {editing ? (
          <input type="hidden" name="name" value={values.name} />
        ) : (
          <Field name="name" label="Name" idPrefix={prefix} value={values.name} required autocomplete="off"
            hint="Lower case letters, digits and _; starts with a letter. Also the data directory." error={e.name} />
        )}
        <div class="field">
          <label for={`${prefix}-class`}>Class</label>
          <select name="class" id={`${prefix}-class`}>
            {classes.map((c) => (
              <option value={c} selected={c === values.className}>
                {c}
              </option>
            ))}
          </select>
          {e.class && <p class="field-error">{e.class}</p>}
        </div>
        <div class="field field-wide">
          <label for={`${prefix}-udp`}>UDP listen addresses</label>
          <textarea name="udp" id={`${prefix}-udp`} rows={2} required aria-invalid={e.udp ? 'true' : undefined}
            aria-describedby={`${prefix}-udp-hint`}>{values.udp ?? ''}</textarea>
          <p class="field-hint" id={`${prefix}-udp-hint`}>One per line: <code>0.0.0.0:5514</code>, <code>[::]:5514</code>.</p>
          {e.udp && <p class="field-error">{e.udp}</p>}
        </div>
        <Field name="threads" label="Receive threads" type="number" idPrefix={prefix} value={values.threads ?? '2'} error={e.threads} />
        <Field name="receive_buffer_bytes" label="Receive buffer (bytes)" type="number" idPrefix={prefix}
          value={values.receiveBufferBytes ?? ''} hint="Empty: 8 MiB." error={e.receive_buffer_bytes} />
        <Field name="retention_days" label="Retention (days)" type="number" idPrefix={prefix}
          value={values.retentionDays ?? ''} hint="Empty: the default from Settings." error={e.retention_days} />
        <div class="field">
          <label for={`${prefix}-header`}>Syslog header</label>
          <select name="syslog_header" id={`${prefix}-header`}>
            <option value="auto" selected={values.syslogHeader !== 'off'}>auto (RFC 5424/3164)</option>
            <option value="off" selected={values.syslogHeader === 'off'}>off</option>
          </select>
        </div>
        <label class="checkbox">
          <input type="checkbox" name="keep_original_log" value="on" checked={values.keepOriginalLog ?? true} />
          <span>
            Keep the original line (<code>original_log</code>)
          </span>
        </label>
      </fieldset>
      {canEdit && (
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            {submitLabel}
          </button>
        </div>
      )}
    </form>
  )
}
