/**
 * @module
 * Issue 17 in headless Chromium: a viewer searches a day that retention deleted from the
 * data dir after it was archived, and Browse shows its row from the archive.
 */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { startWebServer, type WebServer } from '../../src/web/server.js'
import { archiveDay, DAYS, writeDays } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { manualClock } from '../store/helpers.js'
import { makeConsole, type TestConsole } from '../web/helpers.js'
import { CHROMIUM_ARGS } from './browser.js'

const PASSWORD = 'correct horse battery'

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  server: WebServer
  browser: Browser
  dir: string
}

const test = suite<Ctx>('archived day in Chromium')

test.before(async (ctx) => {
  const { dir, file } = tempConfig()
  ctx.dir = dir
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const archiveDir = mkdtempSync(join(dir, 'archive-'))
  plan.engines[0]!.archive = { dir: archiveDir, retentionDays: 3650 }
  await writeDays(plan.dataDir, DAYS.slice(0, 2), 600)
  await archiveDay(plan.dataDir, archiveDir, DAYS[0])
  await rm(dayFilePath(plan.dataDir, 'fw', DAYS[0]))
  ctx.supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  const control = { supervisor: ctx.supervisor, configFile: file, reload: () => Promise.reject(new Error('no reload here')) }
  ctx.t = await makeConsole({ control, dataDir: plan.dataDir })
  await ctx.t.store.createUser({ name: 'vera', displayName: 'Vera Viewer', role: 'viewer', password: PASSWORD })
  ctx.server = await startWebServer(ctx.t.app, { host: '127.0.0.1', port: 0 })
  ctx.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
})

test.after(async (ctx) => {
  await ctx.browser.close()
  await ctx.server.close()
  await ctx.supervisor.stop()
  await ctx.t.close()
  await rm(ctx.dir, { recursive: true, force: true })
})

test("Browse finds an archived day's row after its day file was deleted", async (ctx) => {
  const page = await (await ctx.browser.newContext({ baseURL: ctx.server.url })).newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  await page.goto('/login')
  await page.getByLabel('User name').fill('vera')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.user-chip').waitFor()
  await page.goto('/browse')
  await page.getByLabel('Time range').selectOption('custom')
  await page.getByLabel('From', { exact: true }).fill('2024-05-01T00:00:00')
  await page.getByLabel('To', { exact: true }).fill('2024-05-03T00:00:00')
  await page.getByLabel('Column of filter 1').selectOption('original_log')
  await page.getByLabel('Comparison of filter 1').selectOption('contains')
  await page.getByLabel('Value of filter 1').fill('line 598 ')
  await Promise.all([page.waitForURL(/\/browse\?/), page.getByRole('button', { name: 'Search' }).click()])
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  assert.is(await page.locator('#results-title').textContent(), '2 rows · 1–2 shown · 2 days (1 from the archive)')
  const rows = await page.locator('.data-table tbody tr').allTextContents()
  assert.is(rows.length, 2)
  assert.match(rows[0]!, '2024-05-02 line 598 in:<pppoe-user3> proto TCP')
  assert.match(rows[1]!, '2024-05-01 line 598 in:<pppoe-user3> proto TCP')
  assert.equal(problems, [])
})

test.run()
