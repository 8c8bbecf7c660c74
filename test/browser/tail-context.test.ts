/**
 * Issue 18 in headless Chromium against a real `startServer`: numbered lines from two
 * senders (UDP on loopback from 127.0.0.2 and 127.0.0.3). The live tail with a Browse
 * filter shows only the matching sender's rows; Pause holds new rows back and counts
 * them exactly, Resume adds them. A row's page shows the N rows around it, of its sender
 * and then of all senders, in order, the row itself marked.
 */
import { createSocket } from 'node:dgram'
import type { Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { RunningServer } from '../../src/cli/serve.js'
import { tempConfig } from '../support/serve.js'
import { shot, startAdminConsole, type AdminConsole } from './browser.js'

const test = suite<AdminConsole>('live tail filter, pause, and row context in Chromium')

test.before(async (ctx) => {
  const config = tempConfig((c) => {
    const engine = (c.engines as Record<string, unknown>[])[0]!
    engine.senders = [
      { name: 'alpha', match: '127.0.0.2' },
      { name: 'beta', match: '127.0.0.3' },
    ]
  })
  Object.assign(ctx, await startAdminConsole(config.file))
})

test.after((ctx) => ctx.close())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Sends `lines` as RFC 3164 datagrams from `address`, a few ms apart so their receive times keep the order. */
async function send(from: string, port: number, lines: string[]): Promise<void> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, from, resolve))
  for (const line of lines) {
    await new Promise<void>((resolve, reject) => socket.send(`<13>Dec  3 10:00:00 host tag: ${line}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
    await sleep(4)
  }
  socket.close()
}

async function waitStored(server: RunningServer, n: number): Promise<void> {
  const fw = server.supervisor.engine('fw')!
  for (let i = 0; i < 400 && fw.counters().stored < n; i++) await sleep(25)
  assert.is(fw.counters().stored, n)
}

/** The message texts of the tail, newest first. */
async function tailLines(page: Page): Promise<string[]> {
  const logs = await page.locator('#tail-rows tr.tail-log td').allTextContents()
  return logs.map((l) => l.replace(/^.*tag: /, ''))
}

test('the tail shows only rows matching the filter; Pause holds and counts new rows, Resume adds them', async ({ server, page, problems }) => {
  const port = server.supervisor.engine('fw')!.receiver.port
  await page.goto('/tail?engine=fw')
  // The Browse filter form, filled in as on Browse.
  await page.locator('#flt-0-col').selectOption('sender')
  await page.locator('#flt-0-op').selectOption('eq')
  await page.locator('#flt-0-val').fill('alpha')
  await Promise.all([page.waitForURL(/val=alpha/), page.getByRole('button', { name: 'Show' }).click()])
  assert.is(await page.locator('#tail-rows').getAttribute('data-live-tail'), '/tail/events?engine=fw&col=sender&op=eq&val=alpha')
  await sleep(1200) // the stream is open before the rows are sent

  // Each line from a new socket, so the kernel spreads them over the receiver threads, which
  // hand over their rows in turn: the tail must still show them newest first by time.
  for (let i = 1; i <= 8; i++) {
    await send('127.0.0.2', port, [`tail alpha ${i}`])
    await send('127.0.0.3', port, [`tail beta ${i}`])
  }
  await waitStored(server, 16)
  await page.locator('#tail-rows tr.tail-log').nth(7).waitFor()
  await sleep(2500) // two more ticks of the stream: no beta row arrives late
  const firstEight = Array.from({ length: 8 }, (_, i) => `tail alpha ${8 - i}`)
  assert.equal(await tailLines(page), firstEight)
  assert.equal(await page.locator('#tail-rows td[data-column="sender"]').allTextContents(), Array(8).fill('alpha'))

  await page.getByRole('button', { name: 'Pause' }).click()
  assert.is(await page.locator('#tail-pause').getAttribute('aria-pressed'), 'true')
  await send('127.0.0.2', port, ['tail alpha 9', 'tail alpha 10', 'tail alpha 11', 'tail alpha 12'])
  await send('127.0.0.3', port, ['tail beta 9', 'tail beta 10'])
  await waitStored(server, 22)
  await page.getByText('4 new rows while paused').waitFor({ timeout: 10_000 })
  await sleep(2500)
  assert.is(await page.locator('#tail-held').textContent(), '4 new rows while paused')
  assert.equal(await tailLines(page), firstEight)
  await page.screenshot({ path: shot('tail-paused', 'desktop', 'light') })

  // Space resumes when no field has the focus.
  await page.locator('h1').click()
  await page.keyboard.press(' ')
  assert.is(await page.locator('#tail-pause').textContent(), 'Pause')
  assert.ok(await page.locator('#tail-held').isHidden())
  assert.equal(await tailLines(page), ['tail alpha 12', 'tail alpha 11', 'tail alpha 10', 'tail alpha 9', ...firstEight])
  assert.equal(problems, [])
})

test('a filter the tail cannot apply is a 400 with the reason', async ({ server, page, problems }) => {
  const response = await page.goto('/tail?engine=fw&col=sender_ip&op=cidr&val=10.0.0.0/99')
  assert.is(response!.status(), 400)
  assert.match((await page.locator('.alert').textContent())!, '/99 is too long for an IPv4 address')
  assert.is(await page.locator('#tail-rows').getAttribute('data-live-tail'), null)
  const events = await page.request.get(`${server.web.url}/tail/events?engine=fw&col=nope&op=eq&val=1`)
  assert.is(events.status(), 400)
  // Chromium logs the 400 of the page itself as a console error; that one was asked for.
  assert.is(problems.length, 1)
  assert.match(problems[0]!, 'status of 400')
  problems.length = 0
})

test('a row page shows N rows before and after of its sender, then of all senders, in order', async ({ server, page, problems }) => {
  const port = server.supervisor.engine('fw')!.receiver.port
  // Counted from here, so this test stands whatever the tail test before it did.
  const storedBefore = server.supervisor.engine('fw')!.counters().stored
  // 30 numbered lines, the two senders taking turns.
  for (let i = 1; i <= 30; i++) {
    await send('127.0.0.2', port, [`ctx alpha ${i}`])
    await send('127.0.0.3', port, [`ctx beta ${i}`])
  }
  await waitStored(server, storedBefore + 60)
  await page.goto('/browse?engine=fw&range=1h&col=original_log&op=contains&val=ctx+alpha+15')
  await Promise.all([page.waitForURL(/\/browse\/row/), page.locator('.data-table td[data-column="received_at"] a').first().click()])

  const context = page.locator('#context .data-table tbody tr')
  const texts = async () => (await page.locator('#context .data-table td[data-column="original_log"]').allTextContents()).map((l) => l.replace(/^.*tag: /, '').trim())
  const range = (sender: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `ctx ${sender} ${from + i}`)
  // Default: 10 before and after, same sender.
  assert.equal(await texts(), range('alpha', 5, 25))
  assert.is((await page.locator('#context tr.row-selected td[data-column="original_log"]').textContent())!.replace(/^.*tag: /, '').trim(), 'ctx alpha 15')

  await page.getByRole('link', { name: '5', exact: true }).click()
  assert.equal(await texts(), range('alpha', 10, 20))
  assert.is(await context.count(), 11)

  await page.getByRole('link', { name: 'All senders' }).click()
  // Sent alpha i, beta i, alpha i+1, …: five rows either side of alpha 15.
  assert.equal(await texts(), ['ctx beta 12', 'ctx alpha 13', 'ctx beta 13', 'ctx alpha 14', 'ctx beta 14', 'ctx alpha 15', 'ctx beta 15', 'ctx alpha 16', 'ctx beta 16', 'ctx alpha 17', 'ctx beta 17'])
  await page.screenshot({ path: shot('row-context', 'desktop', 'light'), fullPage: true })

  const bad = await page.request.get(`${server.web.url}/browse/row?engine=fw&at=1&id=0&context=7`)
  assert.is(bad.status(), 400)
  assert.equal(problems, [])
})

test.run()
