/**
 * Issue 18 in headless Chromium at 1280×800: the Browse table reads well — time, then
 * the log line (wrapped, no sideways scrolling), facility and severity by name, a column
 * chooser the CSV export follows, From/To only for Custom and in the configured zone
 * (Asia/Kolkata here), and a bad filter explained at its field with a 400.
 */
import { readFileSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { chromium, type Browser, type Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { startWebServer, type WebServer } from '../../src/web/server.js'
import { DAYS, dayColumns, dayRow } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { makeBatch, manualClock } from '../store/helpers.js'
import { makeConsole, type TestConsole } from '../web/helpers.js'
import { ARTIFACTS, CHROMIUM_ARGS, shot } from './browser.js'

const PASSWORD = 'correct horse battery'
const ROWS = 400
/** Every fifth line is long: it must wrap, not widen the table. */
const longLine = (i: number) => `${DAYS[0]} line ${i} ${'firewall,info forward: in:ether1 out:bridge proto TCP (SYN) '.repeat(6)}`
/** UTC 2024-05-01 00:00 – 2024-05-02 00:00 (the whole first day) as Kolkata wall time. */
const DAY_IN_KOLKATA = { from: '2024-05-01 05:30', to: '2024-05-02 05:30' }

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  server: WebServer
  browser: Browser
  dir: string
  problems: string[]
}

const test = suite<Ctx>('readable browse table in Chromium')

test.before(async (ctx) => {
  const { dir, file } = tempConfig((c) => (c.timezone = 'Asia/Kolkata'))
  ctx.dir = dir
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const writer = await DuckDBWriter.create({ dataDir: plan.dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${DAYS[0]}T12:00:00Z`) })
  // app_name makes the eleventh column the chooser offers with data.
  const rows = Array.from({ length: ROWS }, (_, i) => ({ ...dayRow(DAYS[0], i), app_name: i % 3 === 0 ? 'firewall' : 'dhcp', ...(i % 5 === 0 ? { original_log: longLine(i) } : {}) }))
  await writer.append(makeBatch(dayColumns(DAYS[0]), rows))
  await writer.close()
  ctx.supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
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

async function newPage(ctx: Ctx): Promise<Page> {
  const context = await ctx.browser.newContext({ baseURL: ctx.server.url, viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  const page = await context.newPage()
  page.on('pageerror', (e) => ctx.problems.push(`${page.url()}: ${e.message}`))
  await page.goto('/login')
  await page.getByLabel('User name').fill('vera')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.user-chip').waitFor()
  return page
}

const dayView = (extra = '') => `/browse?engine=fw&range=custom&from=${encodeURIComponent(DAY_IN_KOLKATA.from)}&to=${encodeURIComponent(DAY_IN_KOLKATA.to)}&n=500${extra}`

test('time first, the log line second and wrapped; facility and severity by name', async (ctx) => {
  const page = await newPage(ctx)
  // The chooser hides sender and pppoe; the rest keep their order.
  await page.goto(dayView('&hide=sender&hide=pppoe'))
  // Parsed in Asia/Kolkata: exactly the rows of the UTC day.
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  assert.match((await page.locator('#results-title').textContent())!, /^400 rows · 1–400 shown/)
  const heads = await page.locator('.data-table thead th').allTextContents()
  assert.equal(heads, ['received_at', 'original_log', 'sender_ip', 'facility', 'severity', 'hostname', 'app_name', 'destination_ip', 'destination_port'])
  // Newest first: row 399 (facility 399 % 24 = 15, severity 399 % 8 = 7).
  const first = page.locator('.data-table tbody tr').first()
  assert.is(await first.locator('td[data-column=facility]').textContent(), 'clock')
  assert.is(await first.locator('td[data-column=facility] span').getAttribute('title'), '15')
  assert.is(await first.locator('td[data-column=severity]').textContent(), 'debug')
  assert.is(await first.locator('td[data-column=severity] span').getAttribute('title'), '7')
  // Row 395 is long: it wraps onto several lines, and nothing scrolls sideways.
  const long = page.locator('.data-table tbody tr').nth(4).locator('td[data-column=original_log]')
  assert.is(await long.textContent(), longLine(395))
  const box = (await long.boundingBox())!
  assert.ok(box.height > 50, `a long line is ${box.height}px high`)
  await page.screenshot({ path: '/tmp/browse-form.png' })
  await page.locator('#results-title').scrollIntoViewIfNeeded()
  await page.screenshot({ path: '/tmp/browse-table.png' })
  const sideways = await page.locator('.data-scroll').evaluate((el) => el.scrollWidth - el.clientWidth)
  assert.is(sideways, 0)
  // The row page names them too.
  await Promise.all([page.waitForURL(/\/browse\/row/), first.locator('td[data-column=received_at] a').click()])
  assert.match((await page.locator('.row-columns').textContent())!, /facilityutinyintclock.*severityutinyintdebug/)
  assert.equal(ctx.problems, [])
})

test('all eleven columns fit 1280px: the log line wraps, short values stay on one line', async (ctx) => {
  const page = await newPage(ctx)
  await page.goto(dayView())
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  const heads = await page.locator('.data-table thead th').allTextContents()
  assert.equal(heads, ['received_at', 'original_log', 'sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'pppoe', 'destination_ip', 'destination_port'])
  await page.locator('#results-title').scrollIntoViewIfNeeded()
  await mkdir(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: shot('browse-all-columns', 'desktop', 'light') })
  const { table, container, pageWide } = await page.locator('.data-scroll').evaluate((el) => ({
    table: el.querySelector('table')!.scrollWidth,
    container: el.clientWidth,
    pageWide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }))
  assert.ok(table <= container, `the table is ${table}px wide in a ${container}px card`)
  assert.is(pageWide, 0, 'the page does not scroll sideways')
  // Short values keep one line (the time two: date, then clock).
  const lines = (column: string) =>
    page.locator(`.data-table tbody tr:first-child td[data-column=${column}]`).evaluate((td) => {
      const range = document.createRange()
      range.selectNodeContents(td)
      return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size
    })
  assert.is(await lines('received_at'), 2)
  for (const column of ['sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'pppoe', 'destination_ip', 'destination_port']) {
    assert.is(await lines(column), 1, `${column} is on one line`)
  }
  assert.equal(ctx.problems, [])
})

test('From and To show only for Custom, in the zone, 24-hour', async (ctx) => {
  const page = await newPage(ctx)
  await page.goto('/browse?engine=fw&range=1h')
  assert.is(await page.getByLabel('From', { exact: true }).isVisible(), false)
  await page.getByLabel('Time range').selectOption('custom')
  assert.is(await page.getByLabel('From', { exact: true }).isVisible(), true)
  // The last hour, as Kolkata's 24-hour wall clock (sv-SE writes YYYY-MM-DD HH:MM:SS).
  const kolkata = (ms: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Kolkata', dateStyle: 'short', timeStyle: 'medium' }).format(ms)
  const to = await page.getByLabel('To', { exact: true }).inputValue()
  const from = await page.getByLabel('From', { exact: true }).inputValue()
  assert.match(to, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  assert.ok(Math.abs(Date.parse(`${to}+05:30`) - Date.parse(`${kolkata(Date.now())}+05:30`)) < 60_000, `${to} is now in Kolkata`)
  assert.is(Date.parse(`${to}+05:30`) - Date.parse(`${from}+05:30`), 3_600_000)
  await page.getByLabel('From', { exact: true }).fill(DAY_IN_KOLKATA.from)
  await page.getByLabel('To', { exact: true }).fill(DAY_IN_KOLKATA.to)
  await Promise.all([page.waitForURL(/range=custom/), page.getByRole('button', { name: 'Search' }).click()])
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  assert.match((await page.locator('#results-title').textContent())!, /^400 rows/)

  // A bad time is refused at its field.
  await page.getByLabel('To', { exact: true }).fill('2024-05-02 5:30 PM')
  await Promise.all([page.waitForURL(/range=custom/), page.getByRole('button', { name: 'Search' }).click()])
  const toInput = page.getByLabel('To', { exact: true })
  assert.is(await toInput.getAttribute('aria-invalid'), 'true')
  assert.is(
    await page.locator('#q-to-error').textContent(),
    'To “2024-05-02 5:30 PM” is not a date and time; write it as 2025-01-02 14:30 or 2025-01-02 14:30:05 (24-hour). Showing the last hour.',
  )
})

test('a bad filter is explained at its field, with a 400', async (ctx) => {
  const page = await newPage(ctx)
  const cases: [string, string, string, string][] = [
    ['destination_port', 'eq', 'eighty', 'destination_port: destination_port must be a whole number; "eighty" is not.'],
    ['original_log', 'regex', 'in:(ether', 'original_log: not a valid regular expression: unclosed group: a ( without its ) (at “in:(ether”).'],
    ['sender_ip', 'cidr', '10.0.0.300/8', 'sender_ip: "10.0.0.300/8" is not a CIDR; write 10.0.0.0/8 or 2001:db8::/32.'],
  ]
  for (const [col, op, val, message] of cases) {
    const response = await page.goto(dayView(`&col=${col}&op=${op}&val=${encodeURIComponent(val)}`))
    assert.is(response!.status(), 400, `${col} ${op} ${val}`)
    const input = page.getByLabel('Value of filter 1')
    assert.is(await input.getAttribute('aria-invalid'), 'true')
    assert.is(await page.locator('#flt-0-error').textContent(), message)
    assert.not.match((await page.locator('main').textContent())!, /Error:/, 'no DuckDB text')
    if (op === 'regex') await page.screenshot({ path: '/tmp/browse-error.png' })
  }
  // Names work as filter values too.
  await page.goto(dayView('&col=severity&op=eq&val=warning'))
  await page.locator('#results-title .results-total:not([hx-get])').waitFor()
  assert.match((await page.locator('#results-title').textContent())!, /^50 rows/)
  assert.equal([...new Set(await page.locator('td[data-column=severity]').allTextContents())], ['warning'])
})

test('the column chooser hides columns, keeps the choice, and the CSV export follows the screen', async (ctx) => {
  const page = await newPage(ctx)
  await page.goto(dayView())
  await page.getByText('Columns', { exact: true }).click()
  await page.getByLabel('sender', { exact: true }).uncheck()
  await page.getByLabel('hostname', { exact: true }).uncheck()
  await page.locator('#results-title').scrollIntoViewIfNeeded()
  await page.screenshot({ path: '/tmp/browse-chooser.png' })
  await Promise.all([page.waitForURL(/chooser=1/), page.getByRole('button', { name: 'Apply' }).click()])
  const heads = await page.locator('.data-table thead th').allTextContents()
  assert.equal(heads, ['received_at', 'original_log', 'sender_ip', 'facility', 'severity', 'app_name', 'pppoe', 'destination_ip', 'destination_port'])
  // The choice survives a new search from the form.
  await page.getByLabel('Value of filter 1').fill('line')
  await Promise.all([page.waitForURL(/val=line/), page.getByRole('button', { name: 'Search' }).click()])
  assert.match(page.url(), /hide=sender&hide=hostname/)
  assert.equal((await page.locator('.data-table thead th').allTextContents()).length, heads.length)

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
  const csv = readFileSync((await download.path())!, 'utf8').split('\n')
  // The screen's order without the hidden columns; those empty on every row shown are in the file, empty.
  assert.is(csv[0], 'received_at,original_log,sender_ip,facility,severity,app_name,proc_id,msg_id,log_time,pppoe,destination_ip,destination_port')
  // Every row but the four hostile ones (97, 194, 291, 388) has "line", plus the header.
  assert.is(csv.filter((l) => l !== '').length, ROWS - 4 + 1)
})

test.run()
