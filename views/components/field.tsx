/**
 * @module
 * A labelled form input with its hint and error, wired for screen readers
 * (`aria-describedby`, `aria-invalid`).
 */

/** Props of {@link Field}. */
export interface FieldProps {
  /** Form field name; also the element id, prefixed by `idPrefix`. */
  name: string
  label: string
  type?: 'text' | 'password' | 'email' | 'number'
  value?: string
  hint?: string
  error?: string
  required?: boolean
  autocomplete?: string
  /** Makes ids unique when one page has several forms with the same field names. */
  idPrefix?: string
  autofocus?: boolean
  minlength?: number
  maxlength?: number
  pattern?: string
  /** Shown while the input is empty: the value an empty field stands for. */
  placeholder?: string
}

/** A `<label>` + `<input>` pair, with an optional hint and error message below. */
export function Field(props: FieldProps) {
  const id = `${props.idPrefix ?? 'f'}-${props.name}`
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.type === 'password' ? undefined : props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        autofocus={props.autofocus}
        minlength={props.minlength}
        maxlength={props.maxlength}
        pattern={props.pattern}
        placeholder={props.placeholder}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  )
}
