/**
 * @module
 * The rows of the users table, each with its own small forms (role, password reset,
 * delete) so every action works without JavaScript.
 */
import { ROLES, type User } from '../../src/system/system-store.js'
import { CsrfField } from '../components/csrf-field.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Props of {@link UserRows}. */
export interface UserRowsProps {
  users: User[]
  /** The signed-in admin: their own row has no delete button. */
  currentUserId: number
  csrfToken: string
  minPasswordLength: number
  /** The display zone (IANA name). */
  timeZone: string
}

/** `<tr>` per user. */
export function UserRows({ users, currentUserId, csrfToken, minPasswordLength, timeZone }: UserRowsProps) {
  return (
    <>
      {users.map((u) => (
        <tr id={`user-${u.id}`}>
          <td data-label="User">
            <span class="cell-title">{u.displayName}</span>
            <span class="cell-sub">
              <code>{u.name}</code>
              {u.id === currentUserId && <span class="tag">you</span>}
            </span>
          </td>
          <td data-label="Role">
            <form method="post" action={`/users/${u.id}/role`} class="inline-form">
              <CsrfField token={csrfToken} />
              <label class="visually-hidden" for={`role-${u.id}`}>
                Role of {u.name}
              </label>
              <select name="role" id={`role-${u.id}`}>
                {ROLES.map((r) => (
                  <option value={r} selected={r === u.role}>
                    {r}
                  </option>
                ))}
              </select>
              <button type="submit" class="button button-small">
                Save
              </button>
            </form>
          </td>
          <td data-label="Password changed">
            <ZonedTime ms={u.passwordChangedAtMs} timeZone={timeZone} />
          </td>
          <td data-label="Actions" class="cell-actions">
            <details class="disclosure">
              <summary class="button button-small">Reset password</summary>
              <form method="post" action={`/users/${u.id}/password`} class="inline-form disclosure-body">
                <CsrfField token={csrfToken} />
                <label class="visually-hidden" for={`password-${u.id}`}>
                  New password for {u.name}
                </label>
                <input
                  type="password"
                  name="password"
                  id={`password-${u.id}`}
                  placeholder="New password"
                  autocomplete="new-password"
                  minlength={minPasswordLength}
                  required
                />
                <button type="submit" class="button button-small button-primary">
                  Set
                </button>
              </form>
            </details>
            {u.id !== currentUserId && (
              <form
                method="post"
                action={`/users/${u.id}/delete`}
                class="inline-form"
                hx-confirm={`Delete user ${u.name}? They are signed out at once.`}
              >
                <CsrfField token={csrfToken} />
                <button type="submit" class="button button-small button-danger">
                  Delete
                </button>
              </form>
            )}
          </td>
        </tr>
      ))}
    </>
  )
}
