/**
 * @module
 * First run (SPEC §6): no user exists yet, so the first admin is created here, with the
 * one-time token the server printed on its standard output.
 */
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { NewPasswordFields } from '../components/new-password-fields.js'

/** Form values and per-field errors of the setup form. */
export interface SetupForm {
  name?: string
  displayName?: string
  errors?: Partial<Record<'token' | 'name' | 'displayName' | 'password' | 'confirm', string>>
}

/** Props of {@link SetupPage}. */
export interface SetupPageProps extends SetupForm {
  csrfToken: string
  minPasswordLength: number
}

/** Card that creates the first admin. */
export function SetupPage({ csrfToken, name, displayName, errors = {}, minPasswordLength }: SetupPageProps) {
  const failed = Object.keys(errors).length > 0
  return (
    <>
      <h1 class="card-title">Welcome to logsift</h1>
      <p class="card-lead">
        Create the first administrator. The setup token was printed by the server when it started (look in its
        output, or <code>journalctl -u logsift</code>).
      </p>
      {failed && <Alert kind="error">Please correct the fields marked below.</Alert>}
      <form method="post" action="/setup" class="form">
        <CsrfField token={csrfToken} />
        <Field name="token" label="Setup token" required autocomplete="off" error={errors.token} autofocus />
        <Field
          name="name"
          label="User name"
          value={name}
          required
          autocomplete="username"
          hint="Lower case letters, digits, and . _ - ; starts with a letter."
          error={errors.name}
        />
        <Field name="displayName" label="Display name" value={displayName} autocomplete="name" error={errors.displayName} />
        <NewPasswordFields label="Password" minPasswordLength={minPasswordLength} errors={errors} />
        <button type="submit" class="button button-primary button-block">
          Create administrator
        </button>
      </form>
    </>
  )
}
