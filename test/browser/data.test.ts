/**
 * Issue 7 in headless Chromium: a viewer browses four days (three closed, today held by
 * the running engine) with a custom range and a CIDR filter, pages, opens a hostile row,
 * exports CSV, runs SQL and meets a refusal. Screenshots of each page at desktop and
 * phone width, light and dark, go to test/artifacts/.
 */
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { chromium, type Browser, type Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { startWebServer, type WebServer } from '../../src/web/server.js'
import { DAYS, writeDays, writeToday } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { manualClock } from '../store/helpers.js'
import { makeConsole, type TestConsole } from '../web/helpers.js'
import { CHROMIUM_ARGS, shot } from './browser.js'

const PASSWORD = 'correct horse battery'
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  server: WebServer
  browser: Browser
  dir: string
  problems: string[]
}

const test = suite<Ctx>('data pages in Chromium')

test.before(async (ctx) => {
  const { dir, file } = tempConfig()
  ctx.dir = dir
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  await writeDays(plan.dataDir, DAYS.slice(0, 3), 600)
  ctx.supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  await writeToday(ctx.supervisor.engine('fw')!.store, 600)
  const supervisor = ctx.supervisor
  ctx.t = await makeConsole({ control: { supervisor, configFile: file, reload: () => Promise.reject(new Error('no reload here')) }, dataDir: plan.dataDir })
  await ctx.t.store.createUser({ name: 'vera', displayName: 'Vera Viewer', role: 'viewer', password: PASSWORD })
  ctx.server = await startWebServer(ctx.t.app, { host: '127.0.0.1', port: 0 })
  ctx.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  ctx.problems = []
})

test.after(async (ctx) => {
  await ctx.browser.close()
  await ctx.server.close()
  await ctx.supervisor.stop()
  await ctx.t.close()
  await rm(ctx.dir, { recursive: true, force: true })
})

async function newPage(ctx: Ctx, viewport: keyof typeof VIEWPORTS): Promise<Page> {
  const context = await ctx.browser.newContext({ baseURL: ctx.server.url, viewport: VIEWPORTS[viewport], acceptDownloads: true })
  const page = await context.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') ctx.problems.push(`${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => ctx.problems.push(`${page.url()}: ${e.message}`))
  // A hostile line that ran would open a dialog.
  page.on('dialog', (d) => {
    ctx.problems.push(`${page.url()}: dialog ${d.message()}`)
    void d.dismiss()
  })
  await page.goto('/login')
  await page.getByLabel('User name').fill('vera')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.user-chip').waitFor()
  return page
}

/** Screenshots in both schemes; the page must not scroll sideways. */
async function capture(page: Page, name: string, viewport: keyof typeof VIEWPORTS) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.is(overflow, 0, `${name} ${viewport} ${scheme} scrolls sideways`)
    await page.screenshot({ path: shot(name, viewport, scheme), fullPage: viewport === 'phone' })
  }
}

/** The results heading once its total is in: the page may load it after itself (`/browse/count`). */
async function resultsTitle(page: Page): Promise<string | null> {
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  return page.locator('#results-title').textContent()
}

test('browse four days with a custom range and a CIDR filter, page, open a row', async (ctx) => {
  for (const viewport of ['desktop', 'phone'] as const) {
    const page = await newPage(ctx, viewport)
    await page.goto('/browse')
    await page.getByLabel('Time range').selectOption('custom')
    await page.getByLabel('From', { exact: true }).fill('2024-05-01T00:00:00')
    await page.getByLabel('To', { exact: true }).fill('2024-05-05T00:00:00')
    await page.getByLabel('Column of filter 1').selectOption('sender_ip')
    await page.getByLabel('Comparison of filter 1').selectOption('cidr')
    await page.getByLabel('Value of filter 1').fill('10.1.0.0/16')
    await page.getByLabel('Per page').selectOption('50')
    await Promise.all([page.waitForURL(/\/browse\?/), page.getByRole('button', { name: 'Search' }).click()])
    assert.is(await resultsTitle(page), '600 rows · 1–50 shown · 4 days')
    assert.is(await page.locator('.data-table tbody tr').count(), 50)
    // The filter stays in the form and in the address.
    assert.is(await page.getByLabel('Value of filter 1').inputValue(), '10.1.0.0/16')
    assert.match(page.url(), /col=sender_ip&op=cidr&val=10.1.0.0%2F16/)
    await capture(page, 'browse', viewport)

    await Promise.all([page.waitForURL(/after=/), page.getByRole('link', { name: 'Older →' }).click()])
    assert.is(await resultsTitle(page), '600 rows · 51–100 shown · 4 days')

    // A hostile row: its text shows as text, nothing runs.
    await page.getByLabel('Value of filter 1').fill('')
    await Promise.all([page.waitForURL((u) => !u.search.includes('cidr')), page.getByRole('button', { name: 'Remove' }).click()])
    await page.getByLabel('Column of filter 1').selectOption('original_log')
    await page.getByLabel('Comparison of filter 1').selectOption('contains')
    await page.getByLabel('Value of filter 1').fill('alert(')
    await Promise.all([page.waitForURL(/alert/), page.getByRole('button', { name: 'Search' }).click()])
    assert.is(await resultsTitle(page), '28 rows · 1–28 shown · 4 days')
    assert.is(await page.locator('.data-table td[data-column="original_log"]').first().textContent(), '<script>alert(1)</script> #582')
    await capture(page, 'browse-filtered', viewport)
    await Promise.all([page.waitForURL(/\/browse\/row/), page.locator('.data-table td[data-column="received_at"] a').nth(1).click()])
    assert.is(await page.locator('.log-original').textContent(), '"><img src=x onerror=alert(2)> #485')
    await capture(page, 'browse-row', viewport)
    await Promise.all([page.waitForURL(/\/browse\?/), page.getByRole('link', { name: '← Back to browse' }).click()])
    assert.is(await page.getByLabel('Value of filter 1').inputValue(), 'alert(')
    await page.context().close()
  }
})

test('export the filtered rows as CSV', async (ctx) => {
  const page = await newPage(ctx, 'desktop')
  await page.goto('/browse?engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00&col=sender&op=eq&val=core')
  page.on('response', async (r) => console.log('response', r.url(), r.status(), await r.allHeaders()))
  page.on('requestfailed', (r) => console.log('failed', r.url(), r.failure()))
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
  assert.is(download.suggestedFilename(), 'fw_20240501T000000_20240505T000000.csv')
  const text = readFileSync((await download.path())!, 'utf8')
  assert.is(text.split('\n').length, 1200 + 2)
  // The engine parses headers, so its columns include structured_data (NULL on these days).
  assert.ok(text.startsWith('received_at,sender_ip,sender,facility,severity,hostname,app_name,proc_id,msg_id,log_time,structured_data,pppoe,'), text.split('\n')[0])
  await page.context().close()
})

test('SQL: a result table, then a refused statement with its reason', async (ctx) => {
  for (const viewport of ['desktop', 'phone'] as const) {
    const page = await newPage(ctx, viewport)
    await page.goto('/sql')
    await page.getByLabel('Time range').selectOption('custom')
    await page.getByLabel('From', { exact: true }).fill('2024-05-01T00:00:00')
    await page.getByLabel('To', { exact: true }).fill('2024-05-05T00:00:00')
    await page.getByRole('textbox', { name: 'Query' }).fill(
      "SELECT strftime(received_at, '%Y-%m-%d') AS day, sender, count(*) AS n, count(vlan) AS with_vlan, max(original_log) AS last_line\nFROM logs GROUP BY ALL ORDER BY day, sender",
    )
    await Promise.all([page.waitForURL(/\/sql\?/), page.getByRole('button', { name: 'Run' }).click()])
    assert.is(await page.locator('#sql-result-title').textContent(), '8 rows')
    assert.equal(await page.locator('.sql-table tbody tr').first().locator('td').allTextContents(), ['2024-05-01', 'core', '300', '0', '<script>alert(1)</script> #582'])
    await capture(page, 'sql', viewport)
    await page.getByRole('textbox', { name: 'Query' }).fill("SELECT * FROM read_csv('/etc/passwd')")
    await Promise.all([page.waitForURL(/passwd/), page.getByRole('button', { name: 'Run' }).click()])
    assert.match((await page.locator('.sql-error').textContent())!, /^Permission Error: Cannot access file "\/etc\/passwd"/)
    await page.getByRole('textbox', { name: 'Query' }).fill("DELETE FROM logs WHERE sender = 'core'")
    await Promise.all([page.waitForURL(/DELETE/), page.getByRole('button', { name: 'Run' }).click()])
    assert.match((await page.locator('.sql-error').textContent())!, /^Only read-only queries \(SELECT\) can run here/)
    await capture(page, 'sql-error', viewport)
    await page.context().close()
  }
})

test('no script ran and nothing broke the CSP', (ctx) => {
  // A refused statement is answered 400 on purpose; Chromium logs that status as an error.
  const refused = (p: string) => /\/sql\?.*: Failed to load resource: the server responded with a status of 400/.test(p)
  assert.equal(ctx.problems.filter((p) => !refused(p)), [])
})

test.run()
