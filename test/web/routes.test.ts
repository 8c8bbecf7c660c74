/**
 * Walks every console route as a signed-out visitor, a viewer and an admin, and checks
 * the status each gets (SPEC §7: roles are checked on the server for every route).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeControlConsole } from './control.js'
import { addUser, Client, type TestConsole } from './helpers.js'

type Who = 'anonymous' | 'viewer' | 'admin'

interface Ctx {
  t: TestConsole
  clients: Record<Who, Client>
  viewerId: number
}

const test = suite<Ctx>('route access')

test.before.each(async (ctx) => {
  ctx.t = await makeControlConsole()
  await addUser(ctx.t.store, 'root', 'admin')
  ctx.viewerId = (await addUser(ctx.t.store, 'vera', 'viewer')).id
  ctx.clients = { anonymous: new Client(ctx.t.app), viewer: new Client(ctx.t.app), admin: new Client(ctx.t.app) }
  await ctx.clients.anonymous.get('/login')
  assert.is((await ctx.clients.viewer.login('vera')).status, 303)
  assert.is((await ctx.clients.admin.login('root')).status, 303)
})

test.after.each(async (ctx) => {
  await ctx.t.close()
})

// [path, anonymous, viewer, admin]
const PAGES: [string, number, number, number][] = [
  ['/', 303, 200, 200],
  ['/tail', 303, 200, 200],
  ['/system', 303, 200, 200],
  ['/browse', 303, 200, 200],
  ['/browse/count?engine=fw', 303, 200, 200],
  ['/sql', 303, 200, 200],
  ['/account', 303, 200, 200],
  ['/engines', 303, 200, 200],
  ['/engines/fw', 303, 200, 200],
  ['/engines/nope', 303, 404, 404],
  ['/senders', 303, 200, 200],
  ['/senders/fw', 303, 200, 200],
  ['/classes', 303, 200, 200],
  ['/classes/mikrotik5', 303, 200, 200],
  ['/settings', 303, 200, 200],
  ['/tail?engine=fw', 303, 200, 200],
  ['/users', 303, 403, 200],
  ['/audit', 303, 403, 200],
  ['/audit?before=5', 303, 403, 200],
  ['/no-such-page', 303, 404, 404],
  ['/login', 200, 303, 303],
  ['/setup', 303, 303, 303],
  ['/static/app.css', 200, 200, 200],
  ['/static/theme.js', 200, 200, 200],
  ['/static/htmx.min.js', 200, 200, 200],
  ['/static/favicon.svg', 200, 200, 200],
  ['/static/live.js', 200, 200, 200],
  ['/static/histogram.js', 200, 200, 200],
  ['/static/sql-editor.js', 200, 200, 200],
  ['/static/uPlot.iife.min.js', 200, 200, 200],
  ['/static/uPlot.min.css', 200, 200, 200],
  ['/static/nothing.js', 404, 404, 404],
]

test('GET of every page', async ({ clients }) => {
  const seen: string[] = []
  const expected: string[] = []
  for (const [path, ...codes] of PAGES) {
    for (const [i, who] of (['anonymous', 'viewer', 'admin'] as const).entries()) {
      const res = await clients[who].get(path)
      seen.push(`${who} ${path} ${res.status}`)
      expected.push(`${who} ${path} ${codes[i]}`)
    }
  }
  assert.equal(seen, expected)
})

test('signed-out visitors are sent to login with the page they wanted', async ({ clients }) => {
  const res = await clients.anonymous.get('/audit?before=5')
  assert.is(res.headers.get('location'), '/login?next=%2Faudit%3Fbefore%3D5')
})

test('a viewer gets the 403 page for admin pages', async ({ clients }) => {
  const res = await clients.viewer.get('/users')
  const html = await res.text()
  assert.match(html, '<p class="error-status">403</p><h1>Access denied</h1>')
  assert.match(html, 'This page is for admins.')
  assert.not.match(html, 'href="/users"')
})

// [path, fields, anonymous, viewer, admin]; fields are invalid where a change would follow,
// so each role meets the same request.
const POSTS: [string, Record<string, string>, number, number, number][] = [
  ['/users', { name: '' }, 303, 403, 422],
  ['/users/ID/role', { role: 'nobody' }, 303, 403, 400],
  ['/users/ID/password', { password: 'short' }, 303, 403, 422],
  ['/users/999/delete', {}, 303, 403, 404],
  ['/account/name', { displayName: '' }, 303, 422, 422],
  ['/account/password', { current: 'wrong', password: 'short' }, 303, 422, 422],
  ['/system', {}, 303, 404, 404],
  ['/engines', { name: 'x', udp: '' }, 303, 403, 422],
  ['/engines/fw', { class: 'mikrotik5', udp: '' }, 303, 403, 422],
  ['/engines/nope/delete', {}, 303, 403, 404],
  ['/senders/fw', { name: 'bad', match: '10.0.0.0/33' }, 303, 403, 422],
  ['/senders/fw/7/delete', {}, 303, 403, 404],
  ['/classes', { name: 'Bad Name' }, 303, 403, 422],
  ['/classes/mikrotik5', { field_name: 'user', field_pattern: 'user=(\\w+' }, 303, 403, 422],
  ['/classes/mikrotik5/delete', {}, 303, 403, 409],
  ['/classes/test', { field_name: 'user', field_pattern: 'user=(\\w+', lines: 'user=bob' }, 303, 422, 422],
  ['/settings', { timezone: 'Mars/Olympus', retention_days: '30', min_free_percent: '5', flush_interval_ms: '1000' }, 303, 403, 422],
]

test('POST of every action', async ({ clients, viewerId }) => {
  const seen: string[] = []
  const expected: string[] = []
  for (const [template, fields, ...codes] of POSTS) {
    const path = template.replace('ID', String(viewerId))
    for (const [i, who] of (['anonymous', 'viewer', 'admin'] as const).entries()) {
      const res = await clients[who].post(path, fields)
      seen.push(`${who} ${path} ${res.status}`)
      expected.push(`${who} ${path} ${codes[i]}`)
    }
  }
  assert.equal(seen, expected)
})

test('logout works for everyone and ends the session', async ({ clients }) => {
  for (const who of ['anonymous', 'viewer', 'admin'] as const) {
    const res = await clients[who].post('/logout')
    assert.is(res.status, 303, who)
    assert.is(res.headers.get('location'), '/login')
    assert.is((await clients[who].get('/')).status, 303, who)
  }
})

test.run()
