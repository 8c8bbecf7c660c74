/**
 * Screenshots of every built page at desktop (1280x800) and phone (390x844) width, light
 * and dark, into test/artifacts/ for a person to look at. The asserts only check that
 * each page rendered and nothing overflows the phone viewport sideways.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Page } from 'playwright-core'
import { shot, startRig, type Rig } from './browser.js'

const PASSWORD = 'correct horse battery'
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const
const SCHEMES = ['light', 'dark'] as const

interface Ctx {
  rig: Rig
}

const test = suite<Ctx>('screenshots')

test.before(async (ctx) => {
  ctx.rig = await startRig()
})

test.after(async (ctx) => {
  await ctx.rig.close()
})

async function capture(page: Page, name: string, viewport: keyof typeof VIEWPORTS, prepare: () => Promise<unknown>) {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme })
    await prepare()
    await page.locator('h1').first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.is(overflow, 0, `${name} ${viewport} ${scheme} scrolls sideways`)
    await page.screenshot({ path: shot(name, viewport, scheme), fullPage: true })
  }
}

async function signIn(page: Page, name: string) {
  await page.goto('/login')
  await page.getByLabel('User name').fill(name)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.user-chip').waitFor()
}

test('setup page', async ({ rig }) => {
  for (const viewport of ['desktop', 'phone'] as const) {
    const page = await rig.newPage(VIEWPORTS[viewport])
    await capture(page, 'setup', viewport, () => page.goto('/setup'))
    await capture(page, 'setup-error', viewport, async () => {
      await page.goto('/setup')
      await page.getByLabel('Setup token').fill('wrong')
      await page.getByLabel('User name').fill('Root Admin')
      await page.getByLabel('Password', { exact: true }).fill('short')
      await page.getByLabel('Repeat password').fill('short')
      // Skip the browser's own minlength check to show the server's messages.
      await page.locator('form').evaluate((f) => f.setAttribute('novalidate', ''))
      await page.getByRole('button', { name: 'Create administrator' }).click()
      await page.locator('.field-error').first().waitFor()
    })
  }
})

test('signed-in pages', async ({ rig }) => {
  const store = rig.console.store
  await store.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: PASSWORD })
  await store.createUser({ name: 'vera', displayName: 'Vera Viewer', role: 'viewer', password: PASSWORD })
  await store.createUser({ name: 'noc.night', displayName: 'NOC night shift', role: 'viewer', password: PASSWORD })
  for (const [action, target, details] of [
    ['user.created', 'vera', 'role viewer'],
    ['user.role_changed', 'noc.night', 'admin → viewer'],
    ['engine.created', 'mikrotik', 'udp 0.0.0.0:5514, class mikrotik'],
  ]) {
    await store.appendAudit({ userName: 'root', action, target, details, address: '192.0.2.10' })
  }
  for (const viewport of ['desktop', 'phone'] as const) {
    const page = await rig.newPage(VIEWPORTS[viewport])
    await capture(page, 'login', viewport, () => page.goto('/login'))
    await capture(page, 'login-error', viewport, async () => {
      await page.goto('/login')
      await page.getByLabel('User name').fill('root')
      await page.getByLabel('Password').fill('wrong password')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.locator('.alert-error').waitFor()
    })
    await signIn(page, 'root')
    await capture(page, 'dashboard', viewport, () => page.goto('/'))
    await capture(page, 'users', viewport, () => page.goto('/users'))
    await capture(page, 'account', viewport, () => page.goto('/account'))
    await capture(page, 'system', viewport, () => page.goto('/system'))
    await capture(page, 'audit', viewport, () => page.goto('/audit'))
    await capture(page, 'not-found', viewport, () => page.goto('/no-such-page'))
    if (viewport === 'phone') {
      await capture(page, 'menu-open', viewport, async () => {
        await page.goto('/system')
        await page.locator('.menu-button').click()
      })
    }
    const viewer = await rig.newPage(VIEWPORTS[viewport])
    await signIn(viewer, 'vera')
    await capture(viewer, 'forbidden', viewport, () => viewer.goto('/users'))
  }
})

test.run()
