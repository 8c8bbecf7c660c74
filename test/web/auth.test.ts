/**
 * Setup, login, sessions and request protection over `app.request()` (SPEC §6, §7).
 */
import type { Context } from 'hono'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addUser, Client, makeConsole, ORIGIN, type TestConsole } from './helpers.js'

interface Ctx {
  t: TestConsole
}

function withConsole(name: string, options: Parameters<typeof makeConsole>[0] = {}) {
  const s = suite<Ctx>(name)
  s.before.each(async (ctx) => {
    ctx.t = await makeConsole(options)
  })
  s.after.each(async (ctx) => {
    await ctx.t.close()
  })
  return s
}

/** The client address a test request claims (`x-test-address`), `unknown` without one. */
function testAddress(c: Context): string {
  return c.req.header('x-test-address') ?? 'unknown'
}

const setup = withConsole('first-run setup')

setup('every page leads to setup while no user exists', async ({ t }) => {
  const c = new Client(t.app)
  for (const path of ['/', '/login', '/users']) {
    const res = await c.get(path)
    assert.is(res.status, 303, path)
    assert.is(res.headers.get('location'), '/setup')
  }
  assert.is((await c.get('/setup')).status, 200)
})

setup('a wrong token is refused with 403 and creates nobody', async ({ t }) => {
  const c = new Client(t.app)
  await c.get('/setup')
  const res = await c.post('/setup', { token: 'guess', name: 'root', password: 'correct horse battery', confirm: 'correct horse battery' })
  assert.is(res.status, 403)
  assert.match(await res.text(), 'This is not the setup token.')
  assert.is(await t.store.countUsers(), 0)
})

setup('form errors are shown with 422 before the token is tried', async ({ t }) => {
  const c = new Client(t.app)
  await c.get('/setup')
  const res = await c.post('/setup', { token: t.store.setupToken!, name: 'Root!', password: 'short', confirm: 'short' })
  assert.is(res.status, 422)
  const html = await res.text()
  assert.match(html, 'Use 1–63 lower case letters, digits, and . _ - ; start with a letter.')
  assert.match(html, 'Password must have at least 10 characters.')
  assert.match(html, 'value="Root!"')
  assert.type(t.store.setupToken, 'string')
})

setup('the right token creates a signed-in admin, once', async ({ t }) => {
  const c = new Client(t.app)
  await c.get('/setup')
  const token = t.store.setupToken!
  const res = await c.post('/setup', { token, name: 'root', displayName: 'Root', password: 'correct horse battery', confirm: 'correct horse battery' })
  assert.is(res.status, 303)
  assert.is(res.headers.get('location'), '/')
  const home = await c.get('/')
  assert.is(home.status, 200)
  assert.match(await home.text(), "Welcome, Root. You are logsift&#39;s first admin.")
  assert.is((await c.get('/setup')).status, 303)
  const again = new Client(t.app)
  await again.get('/login')
  assert.is((await again.post('/setup', { token, name: 'evil', password: 'correct horse battery', confirm: 'correct horse battery' })).status, 303)
  assert.is(await t.store.countUsers(), 1)
})

setup.run()

const login = withConsole('login and logout', { clientAddress: testAddress })

login('the right password signs in and returns to the page asked for', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login?next=/system')
  const res = await c.post('/login', { name: 'ann', password: 'correct horse battery', next: '/system' })
  assert.is(res.status, 303)
  assert.is(res.headers.get('location'), '/system')
  const cookie = res.headers.getSetCookie().find((h) => h.startsWith('logsift_session='))!
  assert.match(cookie, /^logsift_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
  assert.is((await c.get('/system')).status, 200)
})

// Issue 16.6: browsers strip tabs and newlines from a Location and read `\` as `/`, so
// `/\t/evil.example` is `//evil.example`, another site.
const OFF_SITE = [
  '//evil.example/',
  '/\\evil.example',
  'https://evil.example/',
  '/\t/evil.example/x',
  '/\n/evil.example',
  '\t//evil.example',
  '/%5cevil.example',
  '/%2F/evil.example',
  '/%09/evil.example',
  'javascript:alert(1)',
  '/ok\u0000',
]

login('next never leaves the site, after login or when already signed in', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  for (const next of OFF_SITE) {
    const c = new Client(t.app)
    await c.get('/login')
    const res = await c.post('/login', { name: 'ann', password: 'correct horse battery', next })
    assert.is(res.status, 303, next)
    assert.is(res.headers.get('location'), '/', JSON.stringify(next))
    const again = await c.get(`/login?next=${encodeURIComponent(next)}`)
    assert.is(again.headers.get('location'), '/', JSON.stringify(next))
  }
})

login('next keeps a path on this site with its query', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  const res = await c.get(`/login?next=${encodeURIComponent('/browse?engine=fw&q=a%2Fb#top')}`)
  assert.is(res.headers.get('location'), '/browse?engine=fw&q=a%2Fb#top')
})

login('a wrong password or unknown user gets 401 and the same message', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  for (const [name, password] of [['ann', 'wrong password'], ['nobody', 'correct horse battery']]) {
    const res = await c.post('/login', { name, password })
    assert.is(res.status, 401)
    const html = await res.text()
    assert.match(html, 'Wrong user name or password.')
    assert.match(html, `value="${name}"`)
  }
  const actions = (await t.store.listAudit()).map((e) => `${e.action} ${e.target}`)
  assert.equal(actions, ['login.failed nobody', 'login.failed ann'])
})

login('failed logins are rate-limited per user, even with the right password after', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  for (let i = 0; i < 10; i++) assert.is((await c.post('/login', { name: 'ann', password: `wrong ${i}` })).status, 401)
  const res = await c.post('/login', { name: 'ann', password: 'correct horse battery' })
  assert.is(res.status, 429)
  assert.is(res.headers.get('retry-after'), '900')
  assert.match(await res.text(), 'Too many failed attempts. Try again in 15 minutes.')
  t.clock.ms += 15 * 60_000
  assert.is((await c.post('/login', { name: 'ann', password: 'correct horse battery' })).status, 303)
})

// Issue 16.5: the attempt is counted before the password is hashed, so concurrent guesses
// cannot all get past the check while the first hashes run.
login('30 concurrent wrong passwords: 10 are checked, 20 refused', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => c.post('/login', { name: 'ann', password: `wrong ${i}` })))
  const statuses = responses.map((r) => r.status)
  assert.is(statuses.filter((s) => s === 401).length, 10)
  assert.is(statuses.filter((s) => s === 429).length, 20)
  assert.is((await t.store.listAudit()).filter((e) => e.action === 'login.failed').length, 10)
})

login('guesses from one address do not lock the user out at another', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const attacker = new Client(t.app)
  await attacker.get('/login')
  const from66 = { 'x-test-address': '192.0.2.66' }
  const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => attacker.post('/login', { name: 'ann', password: `wrong ${i}` }, from66)))
  assert.equal(guesses.map((r) => r.status).sort(), [...Array(10).fill(401), ...Array(20).fill(429)])
  assert.is((await attacker.post('/login', { name: 'ann', password: 'correct horse battery' }, from66)).status, 429)
  const ann = new Client(t.app)
  await ann.get('/login')
  assert.is((await ann.post('/login', { name: 'ann', password: 'correct horse battery' }, { 'x-test-address': '10.0.0.7' })).status, 303)
})

login('guesses spread over many addresses hold back new addresses, not one the user signed in from', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const ann = new Client(t.app)
  await ann.get('/login')
  const home = { 'x-test-address': '10.0.0.7' }
  assert.is((await ann.post('/login', { name: 'ann', password: 'correct horse battery' }, home)).status, 303)
  const attacker = new Client(t.app)
  await attacker.get('/login')
  for (let a = 0; a < 10; a++) {
    for (let i = 0; i < 10; i++) {
      const res = await attacker.post('/login', { name: 'ann', password: `wrong ${i}` }, { 'x-test-address': `192.0.2.${a}` })
      assert.is(res.status, 401)
    }
  }
  const stranger = new Client(t.app)
  await stranger.get('/login')
  const refused = await stranger.post('/login', { name: 'ann', password: 'correct horse battery' }, { 'x-test-address': '198.51.100.1' })
  assert.is(refused.status, 429)
  const again = new Client(t.app)
  await again.get('/login')
  assert.is((await again.post('/login', { name: 'ann', password: 'correct horse battery' }, home)).status, 303)
})

login('failed logins are rate-limited per address across user names', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  for (let i = 0; i < 20; i++) assert.is((await c.post('/login', { name: `user${i}`, password: 'wrong password' })).status, 401)
  assert.is((await c.post('/login', { name: 'someone', password: 'wrong password' })).status, 429)
})

login('logout revokes the session in the store, not just the cookie', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  const stolen = new Map(c.cookies)
  assert.is((await c.post('/logout')).status, 303)
  const replay = new Client(t.app)
  for (const [k, v] of stolen) replay.cookies.set(k, v)
  assert.is((await replay.get('/')).status, 303)
})

login.run()

const sessions = withConsole('session expiry', { session: { idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 2 * 3_600_000 } })

sessions('an idle session expires and the login page says so', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  t.clock.ms += 29 * 60_000
  assert.is((await c.get('/system')).status, 200)
  t.clock.ms += 29 * 60_000
  assert.is((await c.get('/system')).status, 200)
  t.clock.ms += 30 * 60_000
  const res = await c.get('/system')
  assert.is(res.status, 303)
  assert.is(res.headers.get('location'), '/login?next=%2Fsystem&expired=1')
  assert.match(await (await c.get('/login?next=%2Fsystem&expired=1')).text(), 'Your session expired. Please sign in again.')
})

sessions('a busy session still ends at the absolute limit', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  for (let i = 0; i < 11; i++) {
    t.clock.ms += 10 * 60_000
    assert.is((await c.get('/')).status, 200, `after ${(i + 1) * 10} min`)
  }
  t.clock.ms += 10 * 60_000
  assert.is((await c.get('/')).status, 303)
})

sessions.run()

const tlsCookies = withConsole('cookies under TLS', { tls: true })

tlsCookies('the session cookie is Secure with the __Host- prefix', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  const res = await c.post('/login', { name: 'ann', password: 'correct horse battery' })
  const cookie = res.headers.getSetCookie().find((h) => h.startsWith('__Host-logsift_session='))
  assert.ok(cookie)
  assert.match(cookie!, /; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  assert.is((await c.get('/')).headers.get('strict-transport-security'), 'max-age=31536000')
})

// Issue 16.9: the flash cookie carries a user name or a message; under TLS it is Secure too.
tlsCookies('the flash cookie is Secure, set and cleared', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  const saved = await c.post('/account/name', { displayName: 'Ann' })
  const set = saved.headers.getSetCookie().find((h) => h.startsWith('logsift_flash='))
  assert.match(set!, /^logsift_flash=[^;]+; Max-Age=60; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  const shown = await c.get('/account')
  const cleared = shown.headers.getSetCookie().find((h) => h.startsWith('logsift_flash='))
  assert.match(cleared!, /^logsift_flash=; Max-Age=0; Path=\/; Secure$/)
})

tlsCookies.run()

const protection = withConsole('CSRF and headers')

// Issue 16.9: pages show log data, users and tokens; no browser or proxy may keep a copy.
protection('every console response is Cache-Control: no-store, static files are not', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const c = new Client(t.app)
  assert.is((await c.get('/login')).headers.get('cache-control'), 'no-store')
  await c.login('ann')
  for (const path of ['/', '/system', '/users', '/audit', '/account', '/browse', '/sql', '/nowhere']) {
    assert.is((await c.get(path)).headers.get('cache-control'), 'no-store', path)
  }
  assert.is((await c.post('/account/name', { displayName: 'Ann' })).headers.get('cache-control'), 'no-store')
  assert.is((await c.get('/static/app.css')).headers.get('cache-control'), 'no-cache')
})

protection('a state change needs the session CSRF token', async ({ t }) => {
  const ann = await addUser(t.store, 'ann', 'admin')
  const c = new Client(t.app)
  await c.login('ann')
  const missing = await c.post('/account/name', { displayName: 'Hacked', _csrf: '' })
  assert.is(missing.status, 403)
  assert.match(await missing.text(), 'This form has expired or came from another site.')
  assert.is((await c.post('/account/name', { displayName: 'Hacked', _csrf: 'x'.repeat(43) })).status, 403)
  assert.is((await c.post('/account/name', { displayName: 'Fine' })).status, 303)
  assert.is((await t.store.findUserById(ann.id))!.displayName, 'Fine')
})

protection('htmx requests may send the token as a header', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const c = new Client(t.app)
  await c.login('ann')
  const token = c.csrf
  const res = await c.post('/account/name', { displayName: 'Via header', _csrf: '' }, {})
  assert.is(res.status, 403)
  const ok = await t.app.request('/account/name', {
    method: 'POST',
    body: JSON.stringify({}),
    headers: {
      'content-type': 'application/json',
      origin: ORIGIN,
      'x-csrf-token': token,
      cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
  })
  // The token passed; the empty name is then refused by the form check.
  assert.is(ok.status, 422)
})

protection('a cross-site form post is refused before reaching the session', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const c = new Client(t.app)
  await c.login('ann')
  const res = await c.post('/account/name', { displayName: 'Hacked' }, { origin: 'https://evil.example' })
  assert.is(res.status, 403)
  assert.match(await res.text(), 'This request did not come from a logsift page, so it was refused.')
})

protection('login itself needs the pre-session token', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.get('/login')
  assert.is((await c.post('/login', { name: 'ann', password: 'correct horse battery', _csrf: 'forged' })).status, 403)
})

protection('pages carry the security headers', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const res = await new Client(t.app).get('/login')
  const csp = res.headers.get('content-security-policy')!
  assert.match(csp, "script-src 'self';")
  assert.match(csp, "frame-ancestors 'none'")
  assert.not.match(csp, 'unsafe-inline')
  assert.is(res.headers.get('x-frame-options'), 'DENY')
  assert.is(res.headers.get('x-content-type-options'), 'nosniff')
  assert.is(res.headers.get('strict-transport-security'), null)
})

protection('no page has inline script or style', async ({ t }) => {
  await addUser(t.store, 'ann', 'admin')
  const c = new Client(t.app)
  await c.login('ann')
  for (const path of ['/', '/users', '/audit', '/system', '/account']) {
    const html = await (await c.get(path)).text()
    assert.not.match(html, /<script(?![^>]*\ssrc=)[^>]*>/, path)
    assert.not.match(html, /\sstyle=/, path)
    assert.not.match(html, /<style/, path)
  }
})

protection('an htmx fragment request without a session gets 401 and HX-Redirect', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const res = await new Client(t.app).get('/system', { 'hx-request': 'true' })
  assert.is(res.status, 401)
  assert.is(res.headers.get('hx-redirect'), '/login?next=%2Fsystem')
})

protection('static assets revalidate by ETag', async ({ t }) => {
  const first = await t.app.request('/static/app.css')
  assert.is(first.headers.get('content-type'), 'text/css; charset=utf-8')
  assert.is(first.headers.get('cache-control'), 'no-cache')
  const etag = first.headers.get('etag')!
  const again = await t.app.request('/static/app.css', { headers: { 'if-none-match': etag } })
  assert.is(again.status, 304)
})

protection.run()
