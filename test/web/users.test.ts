/**
 * The Users page, the own-account page and the audit trail they leave (SPEC §6, §7).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addUser, Client, makeConsole, type TestConsole } from './helpers.js'

interface Ctx {
  t: TestConsole
  admin: Client
  rootId: number
}

const test = suite<Ctx>('users and account')

test.before.each(async (ctx) => {
  ctx.t = await makeConsole()
  ctx.rootId = (await addUser(ctx.t.store, 'root', 'admin')).id
  ctx.admin = new Client(ctx.t.app)
  await ctx.admin.login('root')
})

test.after.each(async (ctx) => {
  await ctx.t.close()
})

const lastAudit = async (t: TestConsole) => {
  const [e] = await t.store.listAudit({ limit: 1 })
  return `${e.userName} ${e.action} ${e.target} ${e.details}`
}

test('an admin creates a user, who can then sign in', async ({ t, admin }) => {
  await admin.get('/users')
  const res = await admin.post('/users', { name: 'ann', displayName: 'Ann Example', role: 'viewer', password: 'correct horse battery', confirm: 'correct horse battery' })
  assert.is(res.status, 303)
  assert.is(res.headers.get('location'), '/users')
  const page = await (await admin.get('/users')).text()
  assert.match(page, 'User ann created.')
  assert.match(page, '<span class="cell-title">Ann Example</span>')
  assert.is(await lastAudit(t), 'root user.created ann role viewer')
  assert.is((await new Client(t.app).login('ann')).status, 303)
})

test('create shows field errors with 422 and keeps what was typed', async ({ admin }) => {
  await admin.get('/users')
  const res = await admin.post('/users', { name: 'root', displayName: 'Again', role: 'admin', password: 'correct horse battery', confirm: 'different horse' })
  assert.is(res.status, 422)
  const html = await res.text()
  assert.match(html, 'The two passwords differ.')
  assert.match(html, 'value="Again"')
  const taken = await admin.post('/users', { name: 'root', role: 'admin', password: 'correct horse battery', confirm: 'correct horse battery' })
  assert.is(taken.status, 422)
  assert.match(await taken.text(), 'This name is taken.')
})

test('user-supplied text is escaped, never markup', async ({ admin }) => {
  await admin.get('/users')
  await admin.post('/users', { name: 'eve', displayName: '<script>alert(1)</script>', role: 'viewer', password: 'correct horse battery', confirm: 'correct horse battery' })
  const html = await (await admin.get('/users')).text()
  assert.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;')
  assert.not.match(html, '<script>alert(1)')
  const audit = await (await admin.get('/audit')).text()
  assert.match(audit, '<td data-label="Target">eve</td>')
})

test('a demoted admin loses admin pages on the next request', async ({ t, admin }) => {
  const bob = await addUser(t.store, 'bob', 'admin')
  const c = new Client(t.app)
  await c.login('bob')
  assert.is((await c.get('/users')).status, 200)
  await admin.get('/users')
  assert.is((await admin.post(`/users/${bob.id}/role`, { role: 'viewer' })).status, 303)
  assert.is(await lastAudit(t), 'root user.role_changed bob admin → viewer')
  assert.is((await c.get('/users')).status, 403)
  assert.is((await c.get('/system')).status, 200)
})

test('the last admin can be neither demoted nor deleted', async ({ t, admin, rootId }) => {
  await admin.get('/users')
  const demote = await admin.post(`/users/${rootId}/role`, { role: 'viewer' })
  assert.is(demote.status, 409)
  assert.match(await demote.text(), 'logsift needs at least one admin: make someone else admin first.')
  const self = await admin.post(`/users/${rootId}/delete`)
  assert.is(self.status, 409)
  assert.match(await self.text(), 'You cannot delete your own account; ask another admin.')
  assert.is((await t.store.findUserById(rootId))!.role, 'admin')
})

test('deleting a user ends their session at once', async ({ t, admin }) => {
  const ann = await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  await admin.get('/users')
  assert.is((await admin.post(`/users/${ann.id}/delete`)).status, 303)
  assert.is(await lastAudit(t), 'root user.deleted ann was viewer')
  assert.is((await c.get('/')).status, 303)
  assert.is((await admin.post(`/users/${ann.id}/delete`)).status, 404)
})

test('an admin password reset signs the user out everywhere', async ({ t, admin }) => {
  const ann = await addUser(t.store, 'ann', 'viewer')
  const c = new Client(t.app)
  await c.login('ann')
  await admin.get('/users')
  assert.is((await admin.post(`/users/${ann.id}/password`, { password: 'new secret password' })).status, 303)
  assert.is((await c.get('/')).status, 303)
  assert.is((await new Client(t.app).login('ann', 'new secret password')).status, 303)
  assert.is((await admin.get('/users')).status, 200)
})

test('changing one own password needs the current one and revokes other sessions', async ({ t }) => {
  await addUser(t.store, 'ann', 'viewer')
  const laptop = new Client(t.app)
  const phone = new Client(t.app)
  await laptop.login('ann')
  await phone.login('ann')
  await laptop.get('/account')
  const wrong = await laptop.post('/account/password', { current: 'not it at all', password: 'brand new password', confirm: 'brand new password' })
  assert.is(wrong.status, 422)
  assert.match(await wrong.text(), 'This is not your current password.')
  const ok = await laptop.post('/account/password', { current: 'correct horse battery', password: 'brand new password', confirm: 'brand new password' })
  assert.is(ok.status, 303)
  const page = await laptop.get('/account')
  assert.is(page.status, 200)
  assert.match(await page.text(), 'Password changed. Your other sessions were signed out.')
  assert.is((await phone.get('/account')).status, 303)
  assert.is(await lastAudit(t), 'ann account.password_changed ann other sessions signed out')
})

test('changing one own display name', async ({ t, admin, rootId }) => {
  await admin.get('/account')
  assert.is((await admin.post('/account/name', { displayName: 'Rooty' })).status, 303)
  assert.is((await t.store.findUserById(rootId))!.displayName, 'Rooty')
  assert.match(await (await admin.get('/account')).text(), '<span class="user-name">Rooty</span>')
  assert.is(await lastAudit(t), 'root account.name_changed root ROOT → Rooty')
})

test('the audit log pages by 50, newest first', async ({ t, admin }) => {
  for (let i = 0; i < 60; i++) await t.store.appendAudit({ userName: 'root', action: 'test.step', target: `n${i}`, details: null, address: null })
  const first = await (await admin.get('/audit')).text()
  assert.match(first, '<td data-label="Target">n59</td>')
  const older = /href="(\/audit\?before=\d+)"/.exec(first)![1]
  const second = await (await admin.get(older)).text()
  assert.match(second, '<td data-label="Target">n9</td>')
  assert.not.match(second, '<td data-label="Target">n10</td>')
  assert.not.match(second, 'Older entries')
})

test.run()
