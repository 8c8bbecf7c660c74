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
  // In the screen's order (time, then the log line); the engine parses headers, so its columns include structured_data (NULL on these days).
  assert.ok(text.startsWith('received_at,original_log,sender_ip,sender,facility,severity,hostname,app_name,proc_id,msg_id,log_time,structured_data,pppoe,'), text.split('\n')[0])
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
    // The keyboard runs it: Ctrl+Enter, and Cmd+Enter as on a Mac.
    await Promise.all([page.waitForURL(/\/sql\?/), page.getByRole('textbox', { name: 'Query' }).press(viewport === 'desktop' ? 'Control+Enter' : 'Meta+Enter')])
    // The time is the server's, measured around the query.
    assert.match((await page.locator('#sql-result-title').textContent())!, /^8 rows in \d{1,3}(,\d{3})* ms$/)
    assert.match(page.url(), /[?&]q=SELECT/)
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

test('SQL: the column list inserts names; 10,000 rows come 500 a page, the first in under 2 s', async (ctx) => {
  const page = await newPage(ctx, 'desktop')
  await page.goto('/sql')
  await page.getByLabel('Time range').selectOption('custom')
  await page.getByLabel('From', { exact: true }).fill('2024-05-01T00:00:00')
  await page.getByLabel('To', { exact: true }).fill('2024-05-05T00:00:00')
  // The range changed, so htmx reloaded the list from these days' schemas: the class field pppoe is there.
  await page.locator('.sql-columns li', { hasText: 'pppoe' }).waitFor()
  const items = await page.locator('.sql-columns li').allTextContents()
  assert.is(items[0], 'received_at TIMESTAMP WITH TIME ZONE')
  assert.ok(items.includes('severity UTINYINT'), items.join(' | '))
  assert.is(items.at(-1), 'original_log VARCHAR')
  const box = page.getByRole('textbox', { name: 'Query' })
  await box.fill('SELECT , count(*) FROM logs GROUP BY ALL')
  await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(7, 7))
  await page.getByRole('button', { name: 'severity', exact: true }).click()
  assert.is(await box.inputValue(), 'SELECT severity, count(*) FROM logs GROUP BY ALL')

  await page.getByLabel('Rows at most').selectOption('10000')
  await box.fill("SELECT i AS n, 'row ' || i AS label, repeat('x', 200) AS pad FROM range(1, 10001) t(i) ORDER BY n")
  const started = Date.now()
  await Promise.all([page.waitForURL(/\/sql\?/), box.press('Control+Enter')])
  await page.locator('.sql-table tbody tr').nth(499).waitFor()
  const firstPageMs = Date.now() - started
  assert.ok(firstPageMs < 2000, `first page after ${firstPageMs} ms`)
  assert.match((await page.locator('#sql-result-title').textContent())!, /^Rows 1–500 of 10,000 in \d{1,3}(,\d{3})* ms · page 1 of 20$/)
  assert.is(await page.locator('.sql-table tbody tr').count(), 500)
  // Usable: the result scrolls, and the next page comes.
  await page.locator('.sql-table tbody tr').nth(499).scrollIntoViewIfNeeded()
  await Promise.all([page.waitForURL(/[?&]page=2/), page.getByRole('link', { name: 'Next →' }).click()])
  assert.match((await page.locator('#sql-result-title').textContent())!, /^Rows 501–1,000 of 10,000 in \d{1,3}(,\d{3})* ms · page 2 of 20$/)
  const numbers = await page.locator('.sql-table tbody tr td:first-child').allTextContents()
  assert.equal(numbers, Array.from({ length: 500 }, (_, i) => String(501 + i)))
  assert.is(await page.locator('.sql-table tbody tr').nth(0).locator('td').nth(1).textContent(), 'row 501')
  await Promise.all([page.waitForURL(/[?&]page=1/), page.getByRole('link', { name: '← Previous' }).click()])
  assert.is(await page.locator('.sql-table tbody tr td:first-child').first().textContent(), '1')
  await page.context().close()
})

/** `data-count` of every histogram bar, once htmx has loaded them after the page. */
async function barCounts(page: Page, buckets: number): Promise<number[]> {
  await page.locator('.histogram-bucket').nth(buckets - 1).waitFor({ state: 'attached' })
  assert.is(await page.locator('.histogram-bucket').count(), buckets)
  return page.locator('.histogram-bucket').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-count'))))
}

/** The receive times of the table's rows, as shown. */
async function shownTimes(page: Page): Promise<string[]> {
  return page.locator('.data-table td[data-column="received_at"]').allTextContents()
}

/** The listed top values and their counts, once loaded. */
async function topList(page: Page): Promise<string[][]> {
  await page.locator('#top-values .top-values-table').waitFor()
  return page.locator('#top-values tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent!.trim())))
}

test('histogram: bars add up to the total; a click and a drag narrow the range to their buckets', async (ctx) => {
  const page = await newPage(ctx, 'desktop')
  const fiveMinutes = '/browse?engine=fw&range=custom&from=2024-05-04T00%3A00%3A00&to=2024-05-04T00%3A05%3A00&n=500&top=sender_ip'
  await page.goto(fiveMinutes)
  // 5 s buckets over five minutes of today: three rows a second in the first 200 seconds.
  const counts = await barCounts(page, 60)
  assert.equal(counts, [...Array<number>(40).fill(15), ...Array<number>(20).fill(0)])
  assert.is(await resultsTitle(page), '600 rows · 1–500 shown · 1 day')
  assert.is(await page.locator('.histogram-total').textContent(), '600 rows')
  // top= in the address opens the top values with the page: eight senders, 75 rows each.
  assert.equal((await topList(page)).map(([, n]) => n), Array<string>(8).fill('75'))
  await capture(page, 'browse-histogram', 'desktop')

  await Promise.all([page.waitForURL(/from=2024-05-04T00%3A00%3A15/), page.locator('.histogram-bucket').nth(3).click()])
  assert.match(page.url(), /range=custom&from=2024-05-04T00%3A00%3A15&to=2024-05-04T00%3A00%3A20&n=500&top=sender_ip$/)
  assert.is(await resultsTitle(page), '15 rows · 1–15 shown · 1 day')
  const clicked = await shownTimes(page)
  assert.is(clicked.length, 15)
  assert.ok(clicked.every((t) => t >= '2024-05-04 00:00:15' && t < '2024-05-04 00:00:20'), clicked.join(', '))
  // The narrowed view has its own histogram: one second is too short for 1 s buckets to hold more than three rows.
  assert.equal(await barCounts(page, 5), [3, 3, 3, 3, 3])

  // Drag from the third bar to the sixth: 00:00:10 to 00:00:30.
  await page.goto(fiveMinutes)
  await barCounts(page, 60)
  const box = (await page.locator('.histogram-plot').boundingBox())!
  const at = (bucket: number) => box.x + ((bucket + 0.5) / 60) * box.width
  await page.mouse.move(at(2), box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(at(4), box.y + box.height / 2, { steps: 4 })
  await page.mouse.move(at(5), box.y + box.height / 2, { steps: 4 })
  await Promise.all([page.waitForURL(/from=2024-05-04T00%3A00%3A10/), page.mouse.up()])
  assert.match(page.url(), /from=2024-05-04T00%3A00%3A10&to=2024-05-04T00%3A00%3A30&n=500&top=sender_ip$/)
  assert.is(await resultsTitle(page), '60 rows · 1–60 shown · 1 day')
  const dragged = await shownTimes(page)
  assert.ok(dragged.every((t) => t >= '2024-05-04 00:00:10' && t < '2024-05-04 00:00:30'))

  // Filters stay: over four days, hour bars of sender = core hold 300 rows a day.
  await page.goto('/browse?engine=fw&range=custom&from=2024-05-01T00%3A00%3A00&to=2024-05-05T00%3A00%3A00&col=sender&op=eq&val=core')
  const core = await barCounts(page, 96)
  assert.is(core.reduce((a, b) => a + b, 0), 1200)
  await Promise.all([page.waitForURL(/from=2024-05-03T00/), page.locator('.histogram-bucket').nth(48).click()])
  assert.match(page.url(), /from=2024-05-03T00%3A00%3A00&to=2024-05-03T01%3A00%3A00&col=sender&op=eq&val=core/)
  assert.is(await resultsTitle(page), '300 rows · 1–100 shown · 1 day')
  await page.context().close()
})

test('top values: exact counts; a click filters =, a second click ≠', async (ctx) => {
  for (const viewport of ['desktop', 'phone'] as const) {
    const page = await newPage(ctx, viewport)
    await page.goto('/browse?engine=fw&range=custom&from=2024-05-01T00%3A00%3A00&to=2024-05-05T00%3A00%3A00')
    await page.getByLabel('Column', { exact: true }).selectOption('pppoe')
    // pppoe of row i is user(i % 17), none when i % 11 = 0, on each of the four days of 600 rows.
    const top = await topList(page)
    assert.equal(top.slice(0, 6), [['(no value)', '220'], ['user1', '132'], ['user2', '132'], ['user3', '132'], ['user4', '132'], ['user0', '128']])
    assert.is(top.length, 10)
    if (viewport === 'desktop') {
      await barCounts(page, 96)
      await capture(page, 'browse-summaries', viewport)
    }

    await Promise.all([page.waitForURL(/val=user2/), page.locator('#top-values').getByRole('link', { name: 'user2', exact: true }).click()])
    assert.match(page.url(), /col=pppoe&op=eq&val=user2&n=100&top=pppoe/)
    assert.is(await resultsTitle(page), '132 rows · 1–100 shown · 4 days')
    assert.is(await page.getByLabel('Comparison of filter 1').inputValue(), 'eq')
    // The top values stay open for the new view: user2 alone, marked as filtered.
    assert.equal(await topList(page), [['user2 = now; click for ≠', '132']])

    await Promise.all([page.waitForURL(/op=ne/), page.locator('#top-values').getByRole('link', { name: 'user2', exact: true }).click()])
    assert.match(page.url(), /col=pppoe&op=ne&val=user2&n=100&top=pppoe/)
    assert.is(await page.getByLabel('Comparison of filter 1').inputValue(), 'ne')
    // Every row but user2's, the 220 without pppoe included.
    assert.is(await resultsTitle(page), '2,268 rows · 1–100 shown · 4 days')
    const without = await topList(page)
    assert.equal(without[0], ['(no value)', '220'])
    assert.not.ok(without.some(([v]) => v === 'user2'))
    assert.is((await barCounts(page, 96)).reduce((a, b) => a + b, 0), 2268)
    if (viewport === 'phone') await capture(page, 'browse-summaries', viewport)
    await page.context().close()
  }
})

test('no script ran and nothing broke the CSP', (ctx) => {
  // A refused statement is answered 400 on purpose; Chromium logs that status as an error.
  const refused = (p: string) => /\/sql\?.*: Failed to load resource: the server responded with a status of 400/.test(p)
  assert.equal(ctx.problems.filter((p) => !refused(p)), [])
})

test.run()
