/**
 * Issue 6 acceptance, start to finish in headless Chromium against a real `startServer`:
 * create an engine in the UI, add a sender, send lines with `logger`, watch the dashboard
 * counters rise, see rows in the live tail, add a class field while lines keep coming
 * (no row lost, new rows have the column), delete the engine keeping its data. Takes the
 * dashboard screenshots under load at desktop and phone width.
 */
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer, type RunningServer } from '../../src/cli/serve.js'
import type { EngineRunner } from '../../src/supervisor/engine-runner.js'
import { corpusLines } from '../support/corpus.js'
import { tempConfig } from '../support/serve.js'
import { CHROMIUM_ARGS, shot, signedInPage } from './browser.js'

const PASSWORD = 'correct horse battery'

interface Ctx {
  server: RunningServer
  browser: Browser
  page: Page
  dataDir: string
  port: number
  /** Datagrams sent to the new engine so far. */
  sent: number
  problems: string[]
}

const test = suite<Ctx>('operations in Chromium')

/** Sends corpus lines at about `perSecond` to `port` until stopped; counts into `ctx.sent`. */
function load(ctx: Ctx, perSecond: number): { stop(): Promise<void> } {
  const socket = dgram.createSocket('udp4')
  const lines = corpusLines('mikrotik-20k.log')
  let running = true
  const done = (async () => {
    while (running) {
      const batch = Math.max(1, Math.round(perSecond / 20))
      await Promise.all(
        Array.from({ length: batch }, () => {
          const line = lines[ctx.sent % lines.length]!
          ctx.sent++
          return new Promise<void>((r) => socket.send(line, ctx.port, '127.0.0.1', () => r()))
        }),
      )
      await new Promise((r) => setTimeout(r, 50))
    }
    socket.close()
  })()
  return {
    async stop() {
      running = false
      await done
    },
  }
}

async function count(runner: EngineRunner, sql: string): Promise<number> {
  const c = await runner.store.connect()
  try {
    return Number((await c.runAndReadAll(sql)).getRowsJS()[0]![0])
  } finally {
    c.closeSync()
  }
}

test.before(async (ctx) => {
  const { file, config } = tempConfig()
  ctx.dataDir = config.data_dir as string
  ctx.server = await startServer(file)
  await ctx.server.systemStore.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: PASSWORD })
  ctx.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  ctx.problems = []
  ctx.sent = 0
  ctx.page = await signedInPage(ctx.browser, { baseURL: ctx.server.web.url, name: 'root', password: PASSWORD, problems: ctx.problems })
})

test.after(async (ctx) => {
  await ctx.browser.close()
  await ctx.server.stop()
})

test('create an engine on a free port in the UI', async (ctx) => {
  const { page } = ctx
  const probe = dgram.createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()))
  ctx.port = probe.address().port
  probe.close()
  await page.goto('/engines')
  await page.getByLabel('Name', { exact: true }).fill('edge')
  await page.getByLabel('Class').selectOption('mikrotik5')
  await page.getByLabel('UDP listen addresses').fill(`127.0.0.1:${ctx.port}`)
  await page.getByLabel('Receive threads').fill('1')
  await page.getByRole('button', { name: 'Create engine' }).click()
  await page.getByText('Engine edge created and receiving. Add its senders next.').waitFor()
  assert.is(await page.locator('h1').textContent(), 'Senders of edge')
  assert.is(ctx.server.supervisor.engine('edge')!.receiver.port, ctx.port)
})

test('add a sender, send lines with logger, watch the dashboard counters rise', async (ctx) => {
  const { page } = ctx
  await page.getByLabel('Sender name').fill('lo')
  await page.getByLabel('Match').fill('127.0.0.1')
  await page.getByRole('button', { name: 'Add sender' }).click()
  await page.getByText('Sender lo added to edge.').waitFor()
  await page.goto('/')
  await page.locator('[data-engine="edge"] canvas').waitFor()
  for (let i = 0; i < 5; i++) {
    execFileSync('logger', ['-d', '-n', '127.0.0.1', '-P', String(ctx.port), '--rfc3164', `<54> 01:05:2${i} gw${i} prerouting: in:<pppoe-user${i}> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443`])
    ctx.sent++
  }
  // The SSE stream replaces the totals once a second.
  const received = page.locator('#totals-edge .counter-received .counter-total')
  await page.waitForFunction(() => document.querySelector('#totals-edge .counter-received .counter-total')?.textContent === '5')
  assert.is(await received.textContent(), '5')
  await page.waitForFunction(() => document.querySelector('#totals-edge .counter-stored .counter-total')?.textContent === '5')
})

test('the dashboard under load, at desktop and phone width', async (ctx) => {
  const { page } = ctx
  const running = load(ctx, 2000)
  try {
    await page.goto('/')
    // A few seconds of samples so the chart has a shape.
    await page.waitForFunction(() => Number(document.querySelector('#totals-edge .counter-received .counter-rate')?.textContent?.replace(/\D/g, '')) > 500)
    await page.waitForTimeout(4000)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.setViewportSize({ width: 1280, height: 900 })
      await page.goto('/')
      await page.waitForTimeout(2500)
      await page.screenshot({ path: shot('dashboard-live', 'desktop', scheme), fullPage: true })
      await page.setViewportSize({ width: 390, height: 844 })
      await page.waitForTimeout(1500)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.is(overflow, 0, `dashboard ${scheme} scrolls sideways on a phone`)
      await page.screenshot({ path: shot('dashboard-live', 'phone', scheme), fullPage: true })
    }
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1280, height: 900 })
  } finally {
    await running.stop()
  }
})

test('the live tail shows rows as they arrive, with the sample rate', async (ctx) => {
  const { page } = ctx
  await page.goto('/tail?engine=edge')
  const running = load(ctx, 400)
  try {
    await page.locator('#tail-rows tr').first().waitFor()
    await page.waitForFunction(() => /rows\/s/.test(document.getElementById('tail-rate')?.textContent ?? ''))
    const first = await page.locator('#tail-rows tr').first().locator('td[data-column="sender"]').textContent()
    assert.is(first, 'lo')
    await page.screenshot({ path: shot('tail-live', 'desktop', 'light'), fullPage: false })
  } finally {
    await running.stop()
  }
})

test('add a class field in the UI while lines keep coming: no row lost, new rows have it', async (ctx) => {
  const { page, server } = ctx
  const runner = server.supervisor.engine('edge')!
  await page.goto('/classes/mikrotik5')
  const running = load(ctx, 1000)
  let stopped = false
  try {
    await page.waitForTimeout(500)
    await page.getByLabel('Field 6', { exact: true }).fill('proto')
    await page.getByLabel('Regular expression 6', { exact: true }).fill('proto (\\w+)')
    await page.getByRole('button', { name: 'Save and apply' }).click()
    await page.getByText('Class mikrotik5 saved and applied.').waitFor()
    await page.waitForTimeout(700)
    await running.stop()
    stopped = true
  } finally {
    if (!stopped) await running.stop()
  }
  for (let i = 0; i < 100 && (await count(runner, 'SELECT count(*) FROM logs')) < ctx.sent; i++) await page.waitForTimeout(50)
  assert.is(await count(runner, 'SELECT count(*) FROM logs'), ctx.sent, 'every datagram sent is stored')
  assert.is(runner.counters().received, ctx.sent)
  assert.ok((await count(runner, "SELECT count(*) FROM logs WHERE proto = 'TCP'")) > 0, 'new rows have the column')
  assert.ok((await count(runner, 'SELECT count(*) FROM logs WHERE proto IS NULL')) > 0, 'earlier rows hold NULL')
})

test('the configuration pages at desktop and phone width, the tester run from the page', async (ctx) => {
  const { page } = ctx
  await page.goto('/classes/mikrotik5')
  await page.getByLabel('Sample lines').fill(corpusLines('edge.log').slice(0, 3).join('\n'))
  await page.getByRole('button', { name: 'Test these lines' }).click()
  await page.locator('#tester-summary').waitFor()
  assert.is((await page.locator('#tester-summary').textContent())!.trim(), '3 lines, 2 with every field matched.')
  await page.getByLabel('Engine', { exact: true }).selectOption('edge')
  await page.getByRole('button', { name: 'Test recent lines' }).click()
  await page.getByText('(the last 20 lines of edge)').waitFor()
  const pages: [string, string, () => Promise<unknown>][] = [
    ['engines', '/engines', async () => {}],
    ['engine', '/engines/edge', async () => {}],
    ['senders', '/senders/edge', async () => {}],
    ['settings', '/settings', async () => {}],
    ['class-tester', '/classes/mikrotik5', async () => {
      await page.getByLabel('Sample lines').fill(corpusLines('edge.log').slice(0, 3).join('\n'))
      await page.getByRole('button', { name: 'Test these lines' }).click()
      await page.locator('#tester-summary').waitFor()
    }],
  ]
  for (const [viewport, size] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
    await page.setViewportSize(size)
    for (const [name, path, prepare] of pages) {
      await page.goto(path)
      await prepare()
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.is(overflow, 0, `${name} scrolls sideways at ${viewport} width`)
      await page.screenshot({ path: shot(name, viewport, 'light'), fullPage: true })
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 })
})

test('delete the engine keeping its data: the day files stay', async (ctx) => {
  const { page, server } = ctx
  await page.goto('/engines/edge')
  assert.ok(await page.getByLabel('Keep them').isChecked())
  await page.getByRole('button', { name: 'Delete edge' }).click()
  await page.getByText('Engine edge deleted; its data was kept.').waitFor()
  assert.is(server.supervisor.engine('edge'), undefined)
  const files = readdirSync(join(ctx.dataDir, 'edge'))
  assert.equal(files, [`${new Date().toISOString().slice(0, 10)}.duckdb`])
  assert.ok(existsSync(join(ctx.dataDir, 'edge', files[0]!)))
  assert.equal(ctx.problems, [], 'no CSP violation or script error')
})

test.run()
