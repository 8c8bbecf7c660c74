/**
 * @module
 * Sign in, sign out and first-run setup (SPEC §6, §7): the only routes open without a
 * session.
 */
import { Hono, type Context } from 'hono'
import { LoginPage } from '../../../views/pages/login-page.js'
import { SetupPage, type SetupForm } from '../../../views/pages/setup-page.js'
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../../system/passwords.js'
import type { SessionLimits } from '../../system/sessions.js'
import { SystemStoreError } from '../../system/system-store-error.js'
import type { User } from '../../system/system-store.js'
import { audit } from '../audit.js'
import { readForm, safeNext } from '../form.js'
import type { LoginThrottle } from '../login-throttle.js'
import { setFlash } from '../middleware/flash/index.js'
import { clearSessionCookie, setSessionCookie } from '../middleware/session/index.js'
import { userNameProblem } from '../../system/validate.js'

/** What {@link authRoutes} needs. */
export interface AuthRoutesOptions {
  limits: SessionLimits
  secure: boolean
  throttle: LoginThrottle
}

/**
 * Starts a fresh session for `user` and sets its cookie; any session the request came
 * with is revoked, so a token planted before login is worthless.
 */
export async function startSession(c: Context, user: User, secure: boolean): Promise<void> {
  const store = c.var.systemStore
  if (c.var.session) await store.deleteSession(c.var.session.tokenHash)
  const { token, session } = await store.createSession(user.id, {
    address: c.var.clientAddress,
    userAgent: c.req.header('user-agent') ?? null,
  })
  setSessionCookie(c, token, secure)
  c.set('user', user)
  c.set('session', session)
}

function minutes(ms: number): string {
  const m = Math.ceil(ms / 60_000)
  return m === 1 ? '1 minute' : `${m} minutes`
}

/** The throttle's name for setup-token guesses; not a valid user name, so no user shares its count. */
const SETUP = '(setup)'

/** `/login`, `/logout`, `/setup`. */
export function authRoutes({ limits, secure, throttle }: AuthRoutesOptions): Hono {
  const app = new Hono()

  app.get('/login', (c) => {
    const next = c.req.query('next')
    if (c.var.user) return c.redirect(safeNext(next), 303)
    return c.render(
      <LoginPage
        csrfToken={c.var.csrfToken}
        next={next}
        expired={c.var.sessionExpired || c.req.query('expired') === '1'}
      />,
      { title: 'Sign in', layout: 'bare' },
    )
  })

  app.post('/login', async (c) => {
    const field = await readForm(c)
    const name = field('name').trim().toLowerCase()
    const password = field('password')
    const next = field('next') || undefined
    const address = c.var.clientAddress
    const page = (error: string) =>
      c.render(<LoginPage csrfToken={c.var.csrfToken} name={name} next={next} error={error} />, {
        title: 'Sign in',
        layout: 'bare',
      })
    const attempt = throttle.begin(address, name)
    if (!attempt.allowed) {
      c.header('Retry-After', String(Math.ceil(attempt.retryAfterMs / 1000)))
      c.status(429)
      return page(`Too many failed attempts. Try again in ${minutes(attempt.retryAfterMs)}.`)
    }
    const store = c.var.systemStore
    const user = password.length <= MAX_PASSWORD_LENGTH ? await store.verifyLogin(name, password) : null
    if (!user) {
      await audit(c, 'login.failed', name || null)
      c.status(401)
      return page('Wrong user name or password.')
    }
    throttle.succeeded(attempt)
    await store.deleteExpiredSessions(limits)
    await startSession(c, user, secure)
    await audit(c, 'login', user.name)
    return c.redirect(safeNext(next), 303)
  })

  app.post('/logout', async (c) => {
    if (c.var.session) {
      await c.var.systemStore.deleteSession(c.var.session.tokenHash)
      await audit(c, 'logout', c.var.user?.name ?? null)
    }
    clearSessionCookie(c, secure)
    return c.redirect('/login', 303)
  })

  const setupPage = (c: Context, form: SetupForm) =>
    c.render(<SetupPage csrfToken={c.var.csrfToken} minPasswordLength={MIN_PASSWORD_LENGTH} {...form} />, {
      title: 'First-run setup',
      layout: 'bare',
    })

  app.get('/setup', (c) => {
    if (c.var.systemStore.setupToken === null) return c.redirect('/login', 303)
    return setupPage(c, {})
  })

  app.post('/setup', async (c) => {
    const store = c.var.systemStore
    if (store.setupToken === null) return c.redirect('/login', 303)
    const field = await readForm(c)
    const form = {
      name: field('name').trim(),
      displayName: field('displayName').trim(),
    }
    const address = c.var.clientAddress
    const tooMany = (wait: number) => {
      c.header('Retry-After', String(Math.ceil(wait / 1000)))
      c.status(429)
      return setupPage(c, { ...form, errors: { token: `Too many wrong tokens. Try again in ${minutes(wait)}.` } })
    }
    // Looked at first so a blocked address is told before it fixes its form; the attempt
    // itself is counted only once the form is valid and the token is about to be tried.
    const wait = throttle.retryAfterMs(address, SETUP)
    if (wait > 0) return tooMany(wait)
    const errors: NonNullable<SetupForm['errors']> = {}
    const password = field('password')
    const nameError = userNameProblem(form.name)
    if (nameError) errors.name = nameError
    if (form.displayName.length > 100) errors.displayName = 'At most 100 characters.'
    const pwError = passwordProblem(password)
    if (pwError) errors.password = pwError
    else if (field('confirm') !== password) errors.confirm = 'The two passwords differ.'
    if (Object.keys(errors).length > 0) {
      c.status(422)
      return setupPage(c, { ...form, errors })
    }
    const attempt = throttle.begin(address, SETUP)
    if (!attempt.allowed) return tooMany(attempt.retryAfterMs)
    let user: User
    try {
      user = await store.completeSetup(field('token').trim(), {
        name: form.name,
        displayName: form.displayName || form.name,
        password,
      })
    } catch (err) {
      if (!(err instanceof SystemStoreError) || err.kind !== 'bad_setup_token') throw err
      await audit(c, 'setup.refused', form.name || null, 'wrong setup token')
      c.status(403)
      return setupPage(c, {
        ...form,
        errors: { token: 'This is not the setup token. Use the one the server printed when it started.' },
      })
    }
    throttle.succeeded(attempt)
    await startSession(c, user, secure)
    await audit(c, 'setup.completed', user.name, 'first admin created')
    setFlash(c, { kind: 'success', text: `Welcome, ${user.displayName}. You are logsift's first admin.` })
    return c.redirect('/', 303)
  })

  return app
}
