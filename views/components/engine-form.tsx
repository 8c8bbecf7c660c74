/**
 * @module
 * The engine form, shared by "create" and "edit": name (fixed once created), class,
 * UDP and TCP addresses one per line, TLS listeners one row each, the TCP/TLS limits
 * (the schema's defaults as placeholders) and the options of SPEC §2.
 */
import type { RawTcpLimits } from '../../src/config/raw-config.js'
import { TCP_LIMIT_DEFAULTS } from '../../src/config/schema-defaults.js'
import { Alert } from './alert.js'
import { CsrfField } from './csrf-field.js'
import { Field } from './field.js'

/** The keys of a TLS listener, as the config file and the form fields (`tls_<key>`) name them. */
export const TLS_LISTEN_KEYS = ['address', 'cert', 'key', 'client_ca'] as const

/** One of {@link TLS_LISTEN_KEYS}. */
export type TlsListenKey = (typeof TLS_LISTEN_KEYS)[number]

/** One TLS listener row, as typed. */
export type TlsListenValues = Record<TlsListenKey, string> & {
  /** Messages about this row, keyed like its fields. */
  errors?: Partial<Record<TlsListenKey, string>>
}

/** One of the `tcp_limits` settings; also its form field's name. */
export type TcpLimitKey = keyof RawTcpLimits

/** Values and errors of the form, as typed. */
export interface EngineFormValues {
  name?: string
  className?: string
  /** One address per line. */
  udp?: string
  /** One address per line. */
  tcp?: string
  /** In file order; rows left empty are not listeners. */
  tls?: TlsListenValues[]
  /** Empty: the schema's default. */
  tcpLimits?: Partial<Record<TcpLimitKey, string>>
  keepOriginalLog?: boolean
  threads?: string
  receiveBufferBytes?: string
  retentionDays?: string
  syslogHeader?: string
  /** Per-field messages, keyed like the form fields. */
  errors?: Partial<Record<'name' | 'class' | 'udp' | 'tcp' | TcpLimitKey | 'threads' | 'receive_buffer_bytes' | 'retention_days' | 'form', string>>
}

const TLS_LABELS: Record<TlsListenKey, string> = {
  address: 'TLS address',
  cert: 'Certificate file',
  key: 'Key file',
  client_ca: 'Client CA file',
}

/** Labels of the `tcp_limits` fields, in form order; the route's messages name them too. */
export const TCP_LIMIT_LABELS: Record<TcpLimitKey, string> = {
  max_message_bytes: 'Max message (bytes)',
  idle_timeout_ms: 'Idle timeout (ms)',
  max_connections: 'Max connections per address',
}

const EMPTY_TLS: TlsListenValues = { address: '', cert: '', key: '', client_ca: '' }

/** A textarea of listen addresses, one per line, with its hint and error. */
function AddressList({ name, label, prefix, value, error, required }: { name: 'udp' | 'tcp'; label: string; prefix: string; value: string | undefined; error: string | undefined; required: boolean }) {
  const id = `${prefix}-${name}`
  // The usual syslog ports (RFC 5426 over UDP, RFC 5425 over TLS), moved above 1024.
  const port = name === 'udp' ? 5514 : 6514
  return (
    <div class="field field-wide">
      <label for={id}>{label}</label>
      <textarea name={name} id={id} rows={2} required={required} aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}>{value ?? ''}</textarea>
      <p class="field-hint" id={`${id}-hint`}>One per line: <code>0.0.0.0:{port}</code>, <code>[::]:{port}</code>.{!required && ' Empty: none.'}</p>
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  )
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
  // One empty row to add a listener with; viewers see the listeners there are.
  const tlsRows = canEdit ? [...(values.tls ?? []), EMPTY_TLS] : (values.tls ?? [])
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
        <AddressList name="udp" label="UDP listen addresses" prefix={prefix} value={values.udp} error={e.udp} required />
        <AddressList name="tcp" label="TCP listen addresses" prefix={prefix} value={values.tcp} error={e.tcp} required={false} />
        <fieldset class="fieldset-plain">
          <legend>TLS listeners (RFC 5425)</legend>
          <p class="field-hint">
            An address like <code>0.0.0.0:6514</code>, then files on the server: the PEM certificate chain (leaf first), its private key and,
            optionally, a CA that must have signed the senders' certificates. Clear a row to remove its listener.
          </p>
          {tlsRows.map((row, i) => (
            <div class="form-grid tls-listener">
              {TLS_LISTEN_KEYS.map((k) => (
                <Field name={`tls_${k}`} label={`${TLS_LABELS[k]} ${i + 1}`} idPrefix={`${prefix}-tls-${i}`} value={row[k]}
                  autocomplete="off" error={row.errors?.[k]} />
              ))}
            </div>
          ))}
        </fieldset>
        <fieldset class="fieldset-plain form-grid">
          <legend>TCP and TLS limits</legend>
          <p class="field-hint field-wide">Empty: the default shown. A change applies without closing open connections.</p>
          {(Object.keys(TCP_LIMIT_LABELS) as TcpLimitKey[]).map((k) => (
            <Field name={k} label={TCP_LIMIT_LABELS[k]} type="number" idPrefix={prefix} value={values.tcpLimits?.[k] ?? ''}
              placeholder={String(TCP_LIMIT_DEFAULTS[k])} error={e[k]} />
          ))}
        </fieldset>
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
