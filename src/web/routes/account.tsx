/**
 * @module
 * The signed-in user's own account: display name and password (SPEC §6). Changing the
 * password needs the current one and revokes every other session (SPEC §7).
 */
import { Hono, type Context } from 'hono'
import { AccountPage, type AccountErrors } from '../../../views/pages/account-page.js'
import { MIN_PASSWORD_LENGTH, passwordProblem } from '../../system/passwords.js'
import { displayNameProblem } from '../../system/validate.js'
import { audit } from '../audit.js'
import { readForm } from '../form.js'
import type { LoginThrottle } from '../login-throttle.js'
import { setFlash } from '../middleware/flash/index.js'
import { startSession } from './auth.js'

/** What {@link accountRoutes} needs. */
export interface AccountRoutesOptions {
  secure: boolean
  /** Guessing the current password from a stolen session counts as failed logins. */
  throttle: LoginThrottle
}

/** `/account`, `/account/name`, `/account/password`; mount at `/account`. */
export function accountRoutes({ secure, throttle }: AccountRoutesOptions): Hono {
  const app = new Hono()

  const page = (c: Context, errors: AccountErrors = {}, displayName?: string) =>
    c.render(
      <AccountPage
        user={c.var.user!}
        csrfToken={c.var.csrfToken}
        minPasswordLength={MIN_PASSWORD_LENGTH}
        timeZone={c.var.timeZone}
        displayName={displayName}
        errors={errors}
      />,
      { title: 'Account', active: 'account' },
    )

  app.get('/', (c) => page(c))

  app.post('/name', async (c) => {
    const user = c.var.user!
    const displayName = (await readForm(c))('displayName').trim()
    const problem = displayNameProblem(displayName)
    if (problem) {
      c.status(422)
      return page(c, { displayName: problem }, displayName)
    }
    if (displayName !== user.displayName) {
      await c.var.systemStore.setDisplayName(user.id, displayName)
      await audit(c, 'account.name_changed', user.name, `${user.displayName} → ${displayName}`)
    }
    setFlash(c, { kind: 'success', text: 'Name saved.' })
    return c.redirect('/account', 303)
  })

  app.post('/password', async (c) => {
    const user = c.var.user!
    const field = await readForm(c)
    const password = field('password')
    const errors: AccountErrors = {}
    const attempt = throttle.begin(c.var.clientAddress, user.name)
    if (!attempt.allowed) {
      c.header('Retry-After', String(Math.ceil(attempt.retryAfterMs / 1000)))
      c.status(429)
      return page(c, { current: 'Too many wrong passwords. Try again later.' })
    }
    const problem = passwordProblem(password)
    if (problem) errors.password = problem
    else if (field('confirm') !== password) errors.confirm = 'The two passwords differ.'
    if (await c.var.systemStore.verifyLogin(user.name, field('current'))) throttle.succeeded(attempt)
    else errors.current = 'This is not your current password.'
    if (Object.keys(errors).length > 0) {
      c.status(422)
      return page(c, errors)
    }
    // setPassword revokes every session, this one included; the user gets a new one.
    await c.var.systemStore.setPassword(user.id, password)
    await startSession(c, user, secure)
    await audit(c, 'account.password_changed', user.name, 'other sessions signed out')
    setFlash(c, { kind: 'success', text: 'Password changed. Your other sessions were signed out.' })
    return c.redirect('/account', 303)
  })

  return app
}
