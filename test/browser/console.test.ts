/**
 * The console in headless Chromium (issue 5 acceptance): first-run setup, login, logout,
 * role checks, demotion, password change, idle expiry, theme toggle and phone menu.
 * Tests run in order and share one server: setup must come first.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Page } from 'playwright-core'
import { startRig, type Rig } from './browser.js'

const PASSWORD = 'correct horse battery'

interface Ctx {
  rig: Rig
  admin: Page
}

const test = suite<Ctx>('console in Chromium')

test.before(async (ctx) => {
  ctx.rig = await startRig()
})

test.after(async (ctx) => {
  await ctx.rig.close()
})

/** Signs in through the form and waits for the signed-in shell (or, if `fails`, the error). */
async function login(page: Page, name: string, password = PASSWORD, fails = false): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('User name').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await (fails ? page.locator('.alert-error') : page.locator('.user-chip')).waitFor()
}

async function heading(page: Page): Promise<string> {
  await page.locator('h1').first().waitFor()
  return (await page.locator('h1').first().textContent())!.trim()
}

test('setup is refused without the token', async ({ rig }) => {
  const page = await rig.newPage()
  await page.goto('/')
  assert.is(new URL(page.url()).pathname, '/setup')
  await page.getByLabel('Setup token').fill('not-the-token')
  await page.getByLabel('User name').fill('root')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByLabel('Repeat password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create administrator' }).click()
  await page.getByText('This is not the setup token.').waitFor()
  assert.is(await rig.console.store.countUsers(), 0)
})

test('first-run setup with the token creates the admin and signs in', async (ctx) => {
  const { rig } = ctx
  const page = await rig.newPage()
  await page.goto('/setup')
  await page.getByLabel('Setup token').fill(rig.console.store.setupToken!)
  await page.getByLabel('User name').fill('root')
  await page.getByLabel('Display name').fill('Rosa Admin')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByLabel('Repeat password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create administrator' }).click()
  await page.getByText("Welcome, Rosa Admin. You are logsift's first admin.").waitFor()
  assert.is(await heading(page), 'Dashboard')
  assert.is(new URL(page.url()).pathname, '/')
  ctx.admin = page
})

test('logout returns to the login page and the session is gone', async ({ rig, admin }) => {
  await admin.getByRole('button', { name: 'Sign out' }).click()
  await admin.getByRole('heading', { name: 'Sign in' }).waitFor()
  await admin.goto('/users')
  assert.is(new URL(admin.url()).pathname, '/login')
  void rig
})

test('a wrong password is refused with a message', async ({ admin }) => {
  await login(admin, 'root', 'not my password', true)
  await admin.getByText('Wrong user name or password.').waitFor()
  assert.is(await admin.getByLabel('User name').inputValue(), 'root')
})

test('login lands on the page that was asked for', async ({ admin }) => {
  await admin.goto('/users')
  await admin.getByLabel('User name').fill('root')
  await admin.getByLabel('Password').fill(PASSWORD)
  await admin.getByRole('button', { name: 'Sign in' }).click()
  await admin.getByRole('heading', { name: 'Users' }).waitFor()
  assert.is(new URL(admin.url()).pathname, '/users')
})

test('an admin adds a viewer through the Users page', async ({ admin }) => {
  await admin.goto('/users')
  await admin.locator('#new-name').fill('vera')
  await admin.locator('#new-displayName').fill('Vera Viewer')
  await admin.locator('#new-role').selectOption('viewer')
  await admin.locator('#new-password').fill(PASSWORD)
  await admin.locator('#new-confirm').fill(PASSWORD)
  await admin.getByRole('button', { name: 'Add user' }).click()
  await admin.getByText('User vera created.').waitFor()
  assert.is(await admin.locator('#user-rows tr').count(), 2)
})

test('a viewer sees no admin menu, gets the 403 page, and cannot post admin actions', async ({ rig }) => {
  const page = await rig.newPage()
  await login(page, 'vera')
  assert.is(await heading(page), 'Dashboard')
  const menu = await page.locator('.nav').innerText()
  assert.match(menu, 'Browse')
  assert.not.match(menu, 'Users')
  assert.not.match(menu, 'Audit log')
  const res = await page.goto('/users')
  assert.is(res!.status(), 403)
  assert.is(await heading(page), 'Access denied')
  const root = await rig.console.store.findUserByName('root')
  await page.goto('/account')
  const token = await page.locator('input[name=_csrf]').first().inputValue()
  const status = await page.evaluate(
    async ({ id, token }) =>
      (await fetch(`/users/${id}/role`, { method: 'POST', body: new URLSearchParams({ _csrf: token, role: 'viewer' }) })).status,
    { id: root!.id, token },
  )
  assert.is(status, 403)
  assert.is((await rig.console.store.findUserById(root!.id))!.role, 'admin')
})

test('a demoted admin loses admin rights on the next request', async ({ rig, admin }) => {
  await rig.console.store.createUser({ name: 'bob', displayName: 'Bob', role: 'admin', password: PASSWORD })
  const bob = await rig.newPage()
  await login(bob, 'bob')
  await bob.goto('/users')
  assert.is(await heading(bob), 'Users')
  await admin.goto('/users')
  const row = admin.locator('#user-rows tr', { hasText: 'bob' })
  await row.locator('select[name=role]').selectOption('viewer')
  await row.getByRole('button', { name: 'Save' }).click()
  await admin.getByText('bob is a viewer.').waitFor()
  const res = await bob.reload()
  assert.is(res!.status(), 403)
  assert.is(await heading(bob), 'Access denied')
})

test('changing the password signs out the other sessions', async ({ rig }) => {
  const laptop = await rig.newPage()
  const phone = await rig.newPage({ width: 390, height: 844 })
  await login(laptop, 'vera')
  await login(phone, 'vera')
  await laptop.goto('/account')
  await laptop.getByLabel('Current password').fill(PASSWORD)
  await laptop.getByLabel('New password', { exact: true }).fill('a brand new password')
  await laptop.getByLabel('Repeat new password').fill('a brand new password')
  await laptop.getByRole('button', { name: 'Change password' }).click()
  await laptop.getByText('Password changed. Your other sessions were signed out.').waitFor()
  await phone.goto('/account')
  assert.is(new URL(phone.url()).pathname, '/login')
  await laptop.goto('/account')
  assert.is(await heading(laptop), 'Account')
})

test('an idle session expires', async ({ rig }) => {
  const page = await rig.newPage()
  await login(page, 'root')
  await page.goto('/system')
  assert.is(await heading(page), 'System')
  rig.console.clock.ms += 31 * 60_000
  await page.goto('/system')
  assert.is(new URL(page.url()).pathname, '/login')
  await page.getByText('Your session expired. Please sign in again.').waitFor()
})

test('the theme toggle switches and remembers the colour scheme', async ({ rig, admin }) => {
  await admin.emulateMedia({ colorScheme: 'light' })
  await admin.goto('/system')
  const background = () => admin.evaluate(() => getComputedStyle(document.body).backgroundColor)
  const light = await background()
  await admin.locator('[data-theme-toggle]').click()
  assert.is(await admin.locator('html').getAttribute('data-theme'), 'dark')
  assert.is.not(await background(), light)
  await admin.reload()
  assert.is(await admin.locator('html').getAttribute('data-theme'), 'dark')
  await admin.locator('[data-theme-toggle]').click()
  assert.is(await admin.locator('html').getAttribute('data-theme'), null)
  assert.is(await background(), light)
  void rig
})

test('the phone menu opens without script and navigates', async ({ rig }) => {
  const page = await rig.newPage({ width: 390, height: 844 })
  await page.emulateMedia({ colorScheme: 'light' })
  await login(page, 'root')
  await heading(page)
  const nav = page.locator('.sidebar')
  assert.not.ok(await nav.isVisible())
  await page.locator('.menu-button').click()
  assert.ok(await nav.isVisible())
  await nav.getByRole('link', { name: 'Audit log' }).click()
  await page.getByRole('heading', { name: 'Audit log' }).waitFor()
  assert.not.ok(await nav.isVisible())
})

test('no page broke the CSP or threw', async ({ rig }) => {
  assert.equal(rig.problems.filter((p) => !p.includes('status of 40')), [])
})

test.run()
