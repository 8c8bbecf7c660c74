/**
 * @module
 * The sign-in form.
 */
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'

/** Props of {@link LoginPage}. */
export interface LoginPageProps {
  csrfToken: string
  /** Name typed in the failed attempt, so it need not be typed again. */
  name?: string
  /** Page to return to after signing in (a local path). */
  next?: string
  error?: string
  /** The previous session expired: say so, instead of a bare login form. */
  expired?: boolean
}

/** Card with user name and password. */
export function LoginPage({ csrfToken, name, next, error, expired }: LoginPageProps) {
  return (
    <>
      <h1 class="card-title">Sign in</h1>
      {expired && !error && <Alert kind="info">Your session expired. Please sign in again.</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      <form method="post" action="/login" class="form">
        <CsrfField token={csrfToken} />
        {next && <input type="hidden" name="next" value={next} />}
        <Field name="name" label="User name" value={name} required autocomplete="username" autofocus={!name} />
        <Field name="password" label="Password" type="password" required autocomplete="current-password" autofocus={!!name} />
        <button type="submit" class="button button-primary button-block">
          Sign in
        </button>
      </form>
    </>
  )
}
