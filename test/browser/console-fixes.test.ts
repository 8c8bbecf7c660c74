/**
 * Issue 18's small console fixes in headless Chromium: an audit action badge never
 * breaks inside its name (desktop and phone width); against a real `startServer`, the
 * System page's disk figure is df's, and a sender from the unknown list gets the name
 * the operator types. Screenshots go to test/artifacts/console-*.png.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer, type RunningServer } from '../../src/cli/serve.js'
import { formatBytes } from '../../views/components/format.js'
import { tempConfig } from '../support/serve.js'
import { ARTIFACTS, CHROMIUM_ARGS, signedInPage, startRig, type Rig } from './browser.js'

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

interface ServedCtx {
  server: RunningServer
  configFile: string
  dataDir: string
  browser: Browser
  page: Page
  problems: string[]
}

const served = suite<ServedCtx>('console fixes against a running server')

served.before(async (ctx) => {
  // Engine fw knows only 10.9.9.9, so the test's own lines from 127.0.0.1 are unknown.
  const { file, config } = tempConfig((c) => {
    ;(c.engines as { senders: unknown }[])[0]!.senders = [{ name: 'edge', match: '10.9.9.9' }]
  })
  ctx.configFile = file
  ctx.dataDir = config.data_dir as string
  ctx.server = await startServer(file)
  await ctx.server.systemStore.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: PASSWORD })
  ctx.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  ctx.problems = []
  ctx.page = await signedInPage(ctx.browser, { baseURL: ctx.server.web.url, name: 'root', password: PASSWORD, problems: ctx.problems })
})

served.after(async (ctx) => {
  await ctx.browser.close()
  await ctx.server.stop()
})

/** Sends one RFC 3164 line over UDP from 127.0.0.1 to engine fw. */
function sendLine(server: RunningServer, text: string): void {
  const port = server.supervisor.engine('fw')!.receiver.port
  execFileSync('logger', ['-d', '-n', '127.0.0.1', '-P', String(port), '--rfc3164', '-t', 'issue18', text])
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25))
  assert.ok(ok(), `timed out waiting for ${what}`)
}

served('the System disk figure is labelled used and agrees with df', async ({ page, dataDir, problems }) => {
  await page.goto('/system')
  const shown = async (id: string) => {
    const values = await page.locator(`#${id} data`).evaluateAll((els) => els.map((e) => ({ value: Number((e as HTMLDataElement).value), text: e.textContent })))
    for (const v of values) assert.is(v.text, formatBytes(v.value), `${id} shows its bytes`)
    return values.map((v) => v.value)
  }
  const [used] = await shown('disk-used')
  const [size, avail] = await shown('disk-size')
  const df = execFileSync('df', ['-B1', '--output=size,used,avail,pcent', dataDir], { encoding: 'utf8' }).trim().split('\n')[1]!.trim().split(/\s+/)
  const [dfSize, dfUsed, dfAvail] = df.slice(0, 3).map(Number) as [number, number, number]
  assert.is(size, dfSize)
  // Other writers on the same file system may move used and avail between the two reads.
  const near = (a: number, b: number) => Math.abs(a - b) <= dfSize * 0.01
  assert.ok(near(used!, dfUsed), `used ${used} vs df ${dfUsed}`)
  assert.ok(near(avail!, dfAvail), `avail ${avail} vs df ${dfAvail}`)
  assert.match((await page.locator('#disk-used').textContent())!, /^\S+ \S+ used$/)
  const percent = Number(/\((\d+)%\)/.exec((await page.locator('#disk-size').textContent())!)![1])
  assert.ok(Math.abs(percent - Number(df[3]!.replace('%', ''))) <= 1, `Use% ${percent} vs df ${df[3]}`)
  await page.locator('#system-stats').screenshot({ path: join(ARTIFACTS, 'console-system-disk.png') })
  assert.equal(problems, [])
})

served('a sender added from the unknown list gets the name typed, and names the next row', async ({ server, configFile, page, problems }) => {
  sendLine(server, 'before it is known')
  await until('the line to be rejected', () => server.supervisor.engine('fw')!.counters().rejected_unknown_sender >= 1)
  await page.goto('/senders/fw')
  const name = page.getByLabel('Name for 127.0.0.1')
  assert.is(await name.inputValue(), 'host-127-0-0-1')
  // The name field fits a phone's width without a sideways scroll.
  await page.setViewportSize(VIEWPORTS.phone)
  assert.is(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'senders on a phone scroll sideways')
  await page.screenshot({ path: join(ARTIFACTS, 'console-unknown-sender-phone.png'), fullPage: true, caret: 'initial' })
  await page.setViewportSize(VIEWPORTS.desktop)

  // An empty name (the browser's `required` lifted) is refused by the config schema, at the field.
  await name.evaluate((el) => el.removeAttribute('required'))
  await name.fill('')
  await page.getByRole('button', { name: 'Add as sender' }).click()
  await page.locator('#unknown-0-name-error').waitFor()
  assert.is(await page.getByLabel('Name for 127.0.0.1').getAttribute('aria-invalid'), 'true')
  assert.is(await page.locator('#new-sender-name').inputValue(), '')
  await page.screenshot({ path: join(ARTIFACTS, 'console-unknown-sender-refused.png'), fullPage: true, caret: 'initial' })
  const refused = JSON.parse(readFileSync(configFile, 'utf8')) as { engines: { senders: { name: string; match: string }[] }[] }
  assert.equal(refused.engines[0]!.senders, [{ name: 'edge', match: '10.9.9.9' }])
  // Chromium logs the refusal's 422 as a console error; that one is expected.
  assert.equal(problems.splice(0), [`${server.web.url}/senders/fw: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)`])

  await page.getByLabel('Name for 127.0.0.1').fill('core-router')
  await Promise.all([page.waitForURL('**/senders/fw'), page.getByRole('button', { name: 'Add as sender' }).click()])
  await page.getByText('Sender core-router added to fw.').waitFor()
  const saved = JSON.parse(readFileSync(configFile, 'utf8')) as typeof refused
  assert.equal(saved.engines[0]!.senders, [
    { name: 'edge', match: '10.9.9.9' },
    { name: 'core-router', match: '127.0.0.1' },
  ])
  assert.is(await page.locator('#sender-1-name').inputValue(), 'core-router')

  const stored = server.supervisor.engine('fw')!.counters().stored
  sendLine(server, 'now it has a name')
  await until('the line to be stored', () => server.supervisor.engine('fw')!.counters().stored > stored)
  const c = await server.supervisor.engine('fw')!.store.connect()
  const rows = (await c.runAndReadAll(`SELECT sender, sender_ip FROM logs WHERE original_log LIKE '%now it has a name%'`)).getRows()
  c.closeSync()
  assert.equal(rows.map((r) => r.map(String)), [['core-router', '127.0.0.1']])
  assert.equal(problems, [])
})

served.run()
