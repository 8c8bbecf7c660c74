/**
 * @module
 * User administration (admin only, SPEC §6): list, create, change role, reset password,
 * delete. The store refuses to remove or demote the last admin; this module turns that
 * into a message.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { UsersPage, type NewUserForm } from '../../../views/pages/users-page.js'
import { MIN_PASSWORD_LENGTH, passwordProblem } from '../../system/passwords.js'
import { SystemStoreError } from '../../system/system-store-error.js'
import { ROLES, type Role, type User } from '../../system/system-store.js'
import { displayNameProblem, userNameProblem } from '../../system/validate.js'
import { audit } from '../audit.js'
import { readForm } from '../form.js'
import { requireRole } from '../middleware/auth/index.js'
import { setFlash } from '../middleware/flash/index.js'
import { startSession } from './auth.js'

/** What {@link usersRoutes} needs. */
export interface UsersRoutesOptions {
  secure: boolean
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

async function page(c: Context, extra: { error?: string; form?: NewUserForm } = {}) {
  const users = await c.var.systemStore.listUsers()
  return c.render(
    <UsersPage
      users={users}
      currentUserId={c.var.user!.id}
      csrfToken={c.var.csrfToken}
      minPasswordLength={MIN_PASSWORD_LENGTH}
      timeZone={c.var.timeZone}
      {...extra}
    />,
    { title: 'Users', active: 'users' },
  )
}

/** The user named by the `:id` path segment, or 404. */
async function target(c: Context): Promise<User> {
  const id = c.req.param('id') ?? ''
  const user = /^\d{1,15}$/.test(id) ? await c.var.systemStore.findUserById(Number(id)) : null
  if (!user) throw new HTTPException(404, { message: 'This user does not exist (any more).' })
  return user
}

/** Runs a store change; a "last admin" refusal becomes a 409 page instead of an error. */
async function refusable(c: Context, change: () => Promise<Response>): Promise<Response> {
  try {
    return await change()
  } catch (err) {
    if (err instanceof SystemStoreError && err.kind === 'last_admin') {
      c.status(409)
      return page(c, { error: 'logsift needs at least one admin: make someone else admin first.' })
    }
    throw err
  }
}

/** `/users` and its actions; mount at `/users`. */
export function usersRoutes({ secure }: UsersRoutesOptions): Hono {
  const app = new Hono()
  app.use('*', requireRole('admin'))

  app.get('/', (c) => page(c))

  app.post('/', async (c) => {
    const field = await readForm(c)
    const form: NewUserForm = {
      name: field('name').trim(),
      displayName: field('displayName').trim(),
      errors: {},
    }
    const errors = form.errors!
    const role = field('role')
    if (isRole(role)) form.role = role
    else errors.role = 'Choose admin or viewer.'
    const password = field('password')
    const nameError = userNameProblem(form.name!)
    if (nameError) errors.name = nameError
    const displayError = form.displayName ? displayNameProblem(form.displayName) : null
    if (displayError) errors.displayName = displayError
    const pwError = passwordProblem(password)
    if (pwError) errors.password = pwError
    else if (field('confirm') !== password) errors.confirm = 'The two passwords differ.'
    if (Object.keys(errors).length === 0) {
      try {
        const user = await c.var.systemStore.createUser({
          name: form.name!,
          displayName: form.displayName || form.name!,
          role: form.role!,
          password,
        })
        await audit(c, 'user.created', user.name, `role ${user.role}`)
        setFlash(c, { kind: 'success', text: `User ${user.name} created.` })
        return c.redirect('/users', 303)
      } catch (err) {
        if (!(err instanceof SystemStoreError) || err.kind !== 'duplicate_name') throw err
        errors.name = 'This name is taken.'
      }
    }
    c.status(422)
    return page(c, { form })
  })

  app.post('/:id/role', async (c) => {
    const user = await target(c)
    const role = (await readForm(c))('role')
    if (!isRole(role)) throw new HTTPException(400, { message: 'Choose admin or viewer.' })
    return refusable(c, async () => {
      if (role !== user.role) {
        await c.var.systemStore.setRole(user.id, role)
        await audit(c, 'user.role_changed', user.name, `${user.role} → ${role}`)
      }
      setFlash(c, { kind: 'success', text: `${user.name} is ${role === 'admin' ? 'an admin' : 'a viewer'}.` })
      // Demoting oneself ends access to this page: land where a viewer may be.
      return c.redirect(user.id === c.var.user!.id && role !== 'admin' ? '/' : '/users', 303)
    })
  })

  app.post('/:id/password', async (c) => {
    const user = await target(c)
    const password = (await readForm(c))('password')
    const problem = passwordProblem(password)
    if (problem) {
      c.status(422)
      return page(c, { error: `Password of ${user.name} not changed: ${problem}` })
    }
    await c.var.systemStore.setPassword(user.id, password)
    // Resetting one's own password here revoked this session too.
    if (user.id === c.var.user!.id) await startSession(c, user, secure)
    await audit(c, 'user.password_reset', user.name, 'sessions signed out')
    setFlash(c, { kind: 'success', text: `Password of ${user.name} reset; their sessions were signed out.` })
    return c.redirect('/users', 303)
  })

  app.post('/:id/delete', async (c) => {
    const user = await target(c)
    if (user.id === c.var.user!.id) {
      c.status(409)
      return page(c, { error: 'You cannot delete your own account; ask another admin.' })
    }
    return refusable(c, async () => {
      await c.var.systemStore.deleteUser(user.id)
      await audit(c, 'user.deleted', user.name, `was ${user.role}`)
      setFlash(c, { kind: 'success', text: `User ${user.name} deleted.` })
      return c.redirect('/users', 303)
    })
  })

  return app
}
