/**
 * @module
 * The pair of fields that sets a password (setup, add user, change own password): the
 * password with its minimum length, then the same again to catch a typo.
 */
import { Field } from './field.js'

/** Props of {@link NewPasswordFields}. */
export interface NewPasswordFieldsProps {
  /** `Password` or `New password`; the second field is "Repeat" and this in lower case. */
  label: string
  minPasswordLength: number
  /** Makes ids unique on a page with several forms. Default Field's `f`. */
  idPrefix?: string
  errors: { password?: string | undefined; confirm?: string | undefined }
}

/** Fields `password` and `confirm`, both `autocomplete="new-password"`. */
export function NewPasswordFields({ label, minPasswordLength, idPrefix, errors }: NewPasswordFieldsProps) {
  return (
    <>
      <Field
        name="password"
        label={label}
        type="password"
        idPrefix={idPrefix}
        required
        minlength={minPasswordLength}
        autocomplete="new-password"
        hint={`At least ${minPasswordLength} characters.`}
        error={errors.password}
      />
      <Field
        name="confirm"
        label={`Repeat ${label.toLowerCase()}`}
        type="password"
        idPrefix={idPrefix}
        required
        autocomplete="new-password"
        error={errors.confirm}
      />
    </>
  )
}
