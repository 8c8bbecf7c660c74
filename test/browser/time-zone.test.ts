/**
 * Issue 6's display time zone in headless Chromium against a real `startServer`: an
 * admin picks a zone on the Settings page, `logger` sends a line, and Browse shows the
 * row's time in that zone; picking another zone changes the next page, no restart.
 * DuckDB's own `timezone()` is the oracle for the expected wall times. Issue 18: every
 * console page shows each of its times in that one zone, never UTC or the host's.
 */
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import type { Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { tempConfig } from '../support/serve.js'
import { shot, startAdminConsole, type AdminConsole } from './browser.js'

const test = suite<AdminConsole>('time zone in Chromium')

test.before(async (ctx) => {
  Object.assign(ctx, await startAdminConsole(tempConfig().file))
})

test.after((ctx) => ctx.close())

/** Picks `zone` on the Settings page and saves, as an admin would. */
async function pickZone(page: Page, zone: string): Promise<void> {
  await page.goto('/settings')
  await page.getByLabel('Time zone').selectOption(zone)
  await Promise.all([page.waitForURL('**/settings'), page.getByRole('button', { name: 'Save and apply' }).click()])
  await page.getByText('Settings saved and applied.').waitFor()
}

test('Browse shows the row time in the zone picked on the Settings page, and follows a change', async ({ server, page, problems }) => {
  // The zone further west first, and a 24-hour range: a day file is named in the zone it
  // was written in, and Browse reads the days of the current zone (see the report on issue 6).
  await pickZone(page, 'America/New_York')
  assert.is(server.supervisor.current.timezone, 'America/New_York')

  const fw = server.supervisor.engine('fw')!
  execFileSync('logger', ['-d', '-n', '127.0.0.1', '-P', String(fw.receiver.port), '--rfc3164', '-t', 'tz', 'in:<pppoe-ann> 10.1.2.3:4825->192.0.2.7:443'])
  for (let i = 0; i < 200 && fw.counters().stored < 1; i++) await new Promise((r) => setTimeout(r, 25))
  assert.is(fw.counters().stored, 1)
  const c = await fw.store.connect()
  const expected = (zone: string) => `strftime(timezone('${zone}', received_at), '%Y-%m-%d %H:%M:%S.%g')`
  const [newYork, kolkata] = (await c.runAndReadAll(`SELECT ${expected('America/New_York')}, ${expected('Asia/Calcutta')} FROM logs`)).getRows()[0]!.map(String)
  c.closeSync()

  await page.goto('/browse?engine=fw&range=24h')
  const cell = page.locator('.data-table td[data-column="received_at"] time')
  assert.is(await cell.textContent(), newYork)
  assert.match((await cell.getAttribute('title'))!, /^America\/New_York \(UTC-0[45]:00\)$/)
  assert.match((await page.locator('#q-zone').textContent())!, /^Times are in America\/New_York \(UTC-0[45]:00\)\./)

  await pickZone(page, 'Asia/Calcutta')
  await page.goto('/browse?engine=fw&range=24h')
  assert.is(await cell.textContent(), kolkata)
  assert.is(await cell.getAttribute('title'), 'Asia/Calcutta (UTC+05:30)')
  await page.screenshot({ path: shot('browse-time-zone', 'desktop', 'light'), fullPage: true })
  assert.equal(problems, [])
})

test('the live tail and the dashboard follow the zone too', async ({ server, page, problems }) => {
  assert.is(server.supervisor.current.timezone, 'Asia/Calcutta')
  const fw = server.supervisor.engine('fw')!
  await page.goto('/tail?engine=fw')
  assert.is(await page.locator('#tail-zone').textContent(), 'Times in Asia/Calcutta (UTC+05:30)')
  const stored = fw.counters().stored
  execFileSync('logger', ['-d', '-n', '127.0.0.1', '-P', String(fw.receiver.port), '--rfc3164', '-t', 'tz', 'tail line'])
  const time = page.locator('#tail-rows tr.tail-row td[data-label="received_at"] time').first()
  await time.waitFor()
  assert.ok(fw.counters().stored > stored)
  // The row's instant from its datetime attribute, shown as Kolkata's time of day.
  const iso = (await time.getAttribute('datetime'))!
  const ms = Date.parse(iso)
  const wall = new Date(ms + 5.5 * 3_600_000).toISOString().slice(11, 23)
  assert.is(await time.textContent(), wall)
  assert.is(await time.getAttribute('title'), 'Asia/Calcutta (UTC+05:30)')
  await page.screenshot({ path: shot('tail-time-zone', 'desktop', 'light') })

  // uPlot draws the axis on a canvas: the labels are checked on the screenshot, here only that it drew without errors.
  await page.goto('/')
  await page.locator('.chart canvas').first().waitFor()
  assert.match((await page.locator('.page-description').textContent())!, 'Times in Asia/Calcutta (UTC+05:30).')
  await page.screenshot({ path: shot('dashboard-time-zone', 'desktop', 'light') })
  assert.equal(problems, [])
})

/** Every `<time>` on the page and the page's visible text with those elements left out. */
async function timesOn(page: Page): Promise<{ times: { datetime: string; title: string; text: string }[]; rest: string }> {
  return page.evaluate(() => {
    const times = [...document.querySelectorAll('main time')].map((t) => ({ datetime: t.getAttribute('datetime') ?? '', title: t.getAttribute('title') ?? '', text: t.textContent ?? '' }))
    const main = document.querySelector('main')!.cloneNode(true) as HTMLElement
    for (const t of main.querySelectorAll('time')) t.remove()
    document.body.append(main)
    const rest = main.innerText
    main.remove()
    return { times, rest }
  })
}

/** One datagram to engine fw from `source` (a loopback address the engine does not know). */
async function sendFrom(source: string, port: number, text: string): Promise<void> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind({ address: source, port: 0 }, resolve))
  await new Promise<void>((resolve, reject) => socket.send(`<13>${text}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
  socket.close()
}

// Issue 18: "all times on a page share one zone".
test('every time on every console page is in the configured zone and says so', async ({ server, page, problems }) => {
  assert.is(server.supervisor.current.timezone, 'Asia/Calcutta')
  const fw = server.supervisor.engine('fw')!
  await sendFrom('127.0.0.2', fw.receiver.port, 'from a stranger')
  for (let i = 0; i < 200 && fw.receiver.unknownSenders().length < 1; i++) await new Promise((r) => setTimeout(r, 25))
  await page.goto('/browse?engine=fw&range=24h')
  const rowPage = (await page.locator('.data-table a[href^="/browse/row?"]').first().getAttribute('href'))!

  const kolkata = (iso: string) => new Date(Date.parse(iso) + 5.5 * 3_600_000).toISOString().replace('T', ' ').slice(0, 23)
  // Pages and how many times each shows at least. Each time names the zone in its title;
  // the dashboard's chart and the tail's rows name it in a page note (the tests above).
  const pages: [string, number][] = [
    ['/', 0],
    ['/browse?engine=fw&range=24h', 2],
    [rowPage, 1],
    ['/tail?engine=fw', 0],
    ['/senders/fw', 1],
    ['/audit', 2],
    ['/system', 0],
    ['/users', 1],
    ['/account', 1],
    ['/engines/fw', 0],
  ]
  for (const [url, least] of pages) {
    await page.goto(url)
    const { times, rest } = await timesOn(page)
    assert.ok(times.length >= least, `${url}: ${times.length} times, expected at least ${least}`)
    for (const t of times) {
      assert.is(t.title, 'Asia/Calcutta (UTC+05:30)', `${url}: ${t.text}`)
      // The text is the Kolkata wall time (whole, its time of day, or finer than the
      // millisecond `datetime`), with this zone's offset if any.
      const wall = t.text.replace(/ UTC\+05:30$/, '')
      const expected = kolkata(t.datetime)
      assert.ok(/\d\d:\d\d/.test(wall) && (expected.includes(wall) || wall.startsWith(expected)), `${url}: "${t.text}" is not ${t.datetime} in Kolkata`)
    }
    // No time outside a <time> in another zone: no ISO instant, no time of day marked UTC
    // or another offset. (A zone name alone, as in an audited settings change, is no time.)
    const foreign = /\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:Z\b| ?UTC(?!\+05:30)| ?[+-]\d\d:?\d\d)/.exec(rest)
    assert.is(foreign?.[0], undefined, `${url}: a time outside the zone`)
  }
  assert.equal(problems, [])
})

test.run()
