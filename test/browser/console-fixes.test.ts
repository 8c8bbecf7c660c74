/**
 * Issue 18's small console fixes in headless Chromium, at desktop and phone width:
 * an audit action badge never breaks inside its name. Screenshots go to
 * test/artifacts/console-*.png.
 */
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ARTIFACTS, signedInPage, startRig, type Rig } from './browser.js'

const PASSWORD = 'correct horse battery'
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const

/** The longest action the console writes, on a row with long details beside it. */
const LONG_ACTION = 'user.password_reset_by_admin'

const test = suite<{ rig: Rig }>('console fixes in Chromium')

test.before(async (ctx) => {
  ctx.rig = await startRig()
  await ctx.rig.console.store.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: PASSWORD })
  await ctx.rig.console.store.appendAudit({
    userName: 'root',
    action: LONG_ACTION,
    target: 'noc.night.shift.operator',
    details: 'a long explanation of what happened to this account, long enough to wrap on a phone',
    address: '127.0.0.1',
  })
})

test.after(async (ctx) => {
  await ctx.rig.close()
})

test('an audit action badge stays on one line at every width', async ({ rig }) => {
  for (const [viewport, size] of Object.entries(VIEWPORTS)) {
    const page = await signedInPage(rig.browser, { baseURL: rig.server.url, name: 'root', password: PASSWORD, problems: rig.problems, viewport: size })
    await page.goto('/audit')
    const badge = page.locator('code.action', { hasText: LONG_ACTION })
    await badge.waitFor()
    // One line box: a badge broken inside its name has two client rects.
    const lines = await badge.evaluate((el) => ({ rects: el.getClientRects().length, whiteSpace: getComputedStyle(el).whiteSpace }))
    assert.equal(lines, { rects: 1, whiteSpace: 'nowrap' }, viewport)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.is(overflow, 0, `audit ${viewport} scrolls sideways`)
    await page.screenshot({ path: join(ARTIFACTS, `console-audit-${viewport}.png`), fullPage: true })
    await page.context().close()
  }
  assert.equal(rig.problems, [])
})

test.run()
