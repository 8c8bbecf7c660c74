/**
 * Issue 18 in headless Chromium: the dashboard's totals and history go on across a config
 * apply that restarts the engine's writer (a new time zone), on the open page and after a
 * page reload, and the chart shows every cause of a drop and the queue depth.
 */
import { writeFileSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer, type RunningServer } from '../../src/cli/serve.js'
import { corpusLines } from '../support/corpus.js'
import { tempConfig } from '../support/serve.js'
import { freePort, sendDatagrams } from '../support/udp.js'
import { CHROMIUM_ARGS, shot, signedInPage } from './browser.js'

const PASSWORD = 'correct horse battery'

const test = suite('dashboard history in Chromium')

/** Waits until tile `counter` of engine fw shows `total` (the SSE stream redraws it each second). */
async function total(page: Page, counter: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([k, v]) => document.querySelector(`#totals-fw .counter-${k} .counter-total`)?.textContent === v,
    [counter, value] as const,
    { timeout: 10_000 },
  )
}

test('totals and history go on across a zone change; drops by cause and the queue are charted', async () => {
  const port = await freePort()
  const { file, config } = tempConfig((c) => {
    ;(c.engines as { listen: { udp: string[] } }[])[0]!.listen.udp = [`127.0.0.1:${port}`]
  })
  const server: RunningServer = await startServer(file)
  let browser: Browser | undefined
  try {
    await server.systemStore.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: PASSWORD })
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
    const problems: string[] = []
    const page = await signedInPage(browser, { baseURL: server.web.url, name: 'root', password: PASSWORD, problems })
    await page.goto('/')
    await page.locator('[data-engine="fw"] canvas').waitFor()
    const lines = corpusLines('mikrotik-20k.log')
    await sendDatagrams(port, lines.slice(0, 200))
    await sendDatagrams(port, lines.slice(200, 210), { from: '127.0.0.2' })
    await total(page, 'received', '210')
    await total(page, 'rejected', '10')
    const appliedMs = Date.now()

    config.timezone = 'Asia/Tokyo'
    writeFileSync(file, JSON.stringify(config))
    assert.equal((await server.reload()).updated, ['fw'])
    await sendDatagrams(port, lines.slice(210, 310))
    await sendDatagrams(port, lines.slice(310, 315), { from: '127.0.0.2' })
    // The open page: the stream goes on from the totals before the apply.
    await total(page, 'received', '315')
    await total(page, 'rejected', '15')
    await total(page, 'stored', '300')

    await page.reload()
    await page.locator('[data-engine="fw"] canvas').waitFor()
    assert.is(await page.locator('#totals-fw .counter-received .counter-total').textContent(), '315')
    const tiles = await page.locator('#totals-fw .counter dt').allTextContents()
    assert.equal(tiles.map((t) => t.toLowerCase()), [
      'received',
      'stored',
      'rejected',
      'dropped: queue full',
      'dropped: journal full',
      'dropped: journal error',
      'dropped: disk full',
      'dropped: write error',
      'kernel drops',
      'queue',
    ])
    assert.is(await page.locator('#totals-fw .counter-queue_depth .counter-capacity').textContent(), 'of 32,768 rows')
    const legend = await page.locator('[data-engine="fw"] .u-legend .u-series .u-label').allTextContents()
    assert.equal(legend, ['received', 'stored', 'rejected', 'dropped: queue full', 'dropped: journal full', 'dropped: journal error', 'dropped: disk full', 'dropped: write error', 'kernel drops', 'queue (rows)'])
    // The history the page was drawn with spans the apply and adds up to the totals.
    const data = JSON.parse((await page.locator('[data-engine="fw"] [data-chart]').getAttribute('data-chart'))!) as number[][]
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0)
    assert.ok(data[0]![0]! * 1000 < appliedMs, 'samples from before the apply')
    assert.is(sum(data[1]!), 315)
    assert.is(sum(data[3]!), 15)

    await page.screenshot({ path: shot('dashboard-after-reload', 'desktop', 'light'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.waitForTimeout(500)
    assert.is(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'no sideways scroll on a phone')
    await page.screenshot({ path: shot('dashboard-after-reload', 'phone', 'light'), fullPage: true })
    assert.equal(problems, [])
  } finally {
    await browser?.close()
    await server.stop()
  }
})

test.run()
