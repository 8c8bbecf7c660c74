/**
 * @module
 * Users (admin, SPEC §6): the list with per-user actions, and the form that adds one.
 */
import { ROLES, type Role, type User } from '../../src/system/system-store.js'
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { NewPasswordFields } from '../components/new-password-fields.js'
import { PageHeader } from '../components/page-header.js'
import { TableCard } from '../components/table-card.js'
import { UserRows } from '../partials/user-rows.js'

/** Values and per-field errors of the "Add user" form. */
export interface NewUserForm {
  name?: string
  displayName?: string
  role?: Role
  errors?: Partial<Record<'name' | 'displayName' | 'role' | 'password' | 'confirm', string>>
}

/** Props of {@link UsersPage}. */
export interface UsersPageProps {
  users: User[]
  currentUserId: number
  csrfToken: string
  minPasswordLength: number
  /** The display zone (IANA name). */
  timeZone: string
  /** A refused action (e.g. demoting the last admin). */
  error?: string
  form?: NewUserForm
}

/** The users table and the add-user card. */
export function UsersPage({ users, currentUserId, csrfToken, minPasswordLength, timeZone, error, form = {} }: UsersPageProps) {
  const errors = form.errors ?? {}
  return (
    <>
      <PageHeader
        title="Users"
        description="Admins can change everything; viewers can look at the dashboard, browse, query and export."
      />
      {error && <Alert kind="error">{error}</Alert>}
      <div class="stack">
        <TableCard
          titleId="users-title"
          count={users.length}
          noun={['user', 'users']}
          bodyId="user-rows"
          head={
            <>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Password changed</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </>
          }
        >
          <UserRows
            users={users}
            currentUserId={currentUserId}
            csrfToken={csrfToken}
            minPasswordLength={minPasswordLength}
            timeZone={timeZone}
          />

        </TableCard>
        <section class="card" aria-labelledby="add-user-title">
          <h2 id="add-user-title">Add user</h2>
          {Object.keys(errors).length > 0 && <Alert kind="error">Please correct the fields marked below.</Alert>}
          <form method="post" action="/users" class="form form-grid">
            <CsrfField token={csrfToken} />
            <Field
              name="name"
              label="User name"
              idPrefix="new"
              value={form.name}
              required
              autocomplete="off"
              hint="Lower case letters, digits, and . _ - ; starts with a letter."
              error={errors.name}
            />
            <Field name="displayName" label="Display name" idPrefix="new" value={form.displayName} error={errors.displayName} />
            <div class="field">
              <label for="new-role">Role</label>
              <select name="role" id="new-role">
                {ROLES.map((r) => (
                  <option value={r} selected={r === (form.role ?? 'viewer')}>
                    {r}
                  </option>
                ))}
              </select>
              {errors.role && <p class="field-error">{errors.role}</p>}
            </div>
            <NewPasswordFields label="Password" minPasswordLength={minPasswordLength} idPrefix="new" errors={errors} />
            <div class="form-actions">
              <button type="submit" class="button button-primary">
                Add user
              </button>
            </div>
          </form>
        </section>
      </div>
    </>
  )
}
