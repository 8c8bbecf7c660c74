/**
 * @module
 * The signed-in user's own account: display name and password (SPEC §6).
 */
import type { User } from '../../src/system/system-store.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { NewPasswordFields } from '../components/new-password-fields.js'
import { PageHeader } from '../components/page-header.js'
import { RoleBadge } from '../components/role-badge.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Errors of the two account forms, by field. */
export interface AccountErrors {
  displayName?: string
  current?: string
  password?: string
  confirm?: string
}

/** Props of {@link AccountPage}. */
export interface AccountPageProps {
  user: User
  csrfToken: string
  minPasswordLength: number
  /** The display zone (IANA name). */
  timeZone: string
  /** Display name as typed, when the form is shown again with an error. */
  displayName?: string
  errors?: AccountErrors
}

/** Profile and password cards. */
export function AccountPage({ user, csrfToken, minPasswordLength, timeZone, displayName, errors = {} }: AccountPageProps) {
  return (
    <>
      <PageHeader title="Account" description="Your name as others see it, and your password." />
      <div class="stack">
        <section class="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          <dl class="facts">
            <div>
              <dt>User name</dt>
              <dd>
                <code>{user.name}</code>
              </dd>
            </div>
            <div>
              <dt>Role</dt>
              <dd>
                <RoleBadge role={user.role} />
              </dd>
            </div>
            <div>
              <dt>Password changed</dt>
              <dd>
                <ZonedTime ms={user.passwordChangedAtMs} timeZone={timeZone} />
              </dd>
            </div>
          </dl>
          <form method="post" action="/account/name" class="form form-inline">
            <CsrfField token={csrfToken} />
            <Field
              name="displayName"
              label="Display name"
              idPrefix="profile"
              value={displayName ?? user.displayName}
              required
              maxlength={100}
              autocomplete="name"
              error={errors.displayName}
            />
            <button type="submit" class="button button-primary">
              Save name
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="password-title">
          <h2 id="password-title">Change password</h2>
          <p class="muted">Changing your password signs you out everywhere else.</p>
          <form method="post" action="/account/password" class="form">
            <CsrfField token={csrfToken} />
            <Field
              name="current"
              label="Current password"
              type="password"
              idPrefix="pw"
              required
              autocomplete="current-password"
              error={errors.current}
            />
            <NewPasswordFields label="New password" minPasswordLength={minPasswordLength} idPrefix="pw" errors={errors} />
            <button type="submit" class="button button-primary">
              Change password
            </button>
          </form>
        </section>
      </div>
    </>
  )
}
