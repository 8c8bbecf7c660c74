/**
 * Issue 18 in headless Chromium against a real `startServer`: an admin adds a TCP and a
 * TLS listener and the TCP limits through the engine form; the config file has them; a
 * node `net` client and a node `tls` client each send a line, both are stored, and the
 * engine page's counters, live from its event stream, show exactly what was sent; bad
 * input is refused at its field.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import type { Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeCerts, type TestCerts } from '../support/certs.js'
import { tempConfig } from '../support/serve.js'
import { connect } from '../support/tcp.js'
import { shot, startAdminConsole, type AdminConsole } from './browser.js'

interface Ctx extends AdminConsole {
  file: string
  certs: TestCerts
  tcpPort: number
  tlsPort: number
}

const test = suite<Ctx>('engine form in Chromium: TCP and TLS listeners')

/** A TCP port free right now. */
async function freeTcpPort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
  const { port } = probe.address() as net.AddressInfo
  await new Promise((r) => probe.close(r))
  return port
}

const line = (user: string) => `<54> 01:05:27 gw1 prerouting: in:<pppoe-${user}> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443`

/** The text of one counter's total on the engine card. */
const total = (page: Page, counter: string) => page.locator(`#totals-fw .counter-${counter} .counter-total`).textContent()

test.before(async (ctx) => {
  const { file } = tempConfig()
  ctx.file = file
  ctx.certs = makeCerts()
  Object.assign(ctx, await startAdminConsole(file))
  ctx.tcpPort = await freeTcpPort()
  ctx.tlsPort = await freeTcpPort()
})

test.after((ctx) => ctx.close())

test('add a TCP and a TLS listener and the TCP limits in the form: saved to the file, bound, shown again', async (ctx) => {
  const { page, certs } = ctx
  await page.goto('/engines/fw')
  const maxMessage = page.getByLabel('Max message (bytes)')
  assert.is(await maxMessage.getAttribute('placeholder'), '65536')
  assert.is(await page.getByLabel('Idle timeout (ms)').getAttribute('placeholder'), '300000')
  assert.is(await page.getByLabel('Max connections per address').getAttribute('placeholder'), '1024')
  await page.getByLabel('TCP listen addresses').fill(`127.0.0.1:${ctx.tcpPort}`)
  await page.getByLabel('TLS address 1', { exact: true }).fill(`127.0.0.1:${ctx.tlsPort}`)
  await page.getByLabel('Certificate file 1', { exact: true }).fill(certs.serverCert)
  await page.getByLabel('Key file 1', { exact: true }).fill(certs.serverKey)
  await maxMessage.fill('4096')
  await page.getByLabel('Idle timeout (ms)').fill('60000')
  await page.getByLabel('Max connections per address').fill('16')
  await page.getByRole('button', { name: 'Save and apply' }).click()
  await page.getByText('Engine fw saved and applied.').waitFor()

  const fw = JSON.parse(readFileSync(ctx.file, 'utf8')).engines[0]
  assert.equal(fw.listen, {
    udp: ['127.0.0.1:0'],
    tcp: [`127.0.0.1:${ctx.tcpPort}`],
    tls: [{ address: `127.0.0.1:${ctx.tlsPort}`, cert: certs.serverCert, key: certs.serverKey }],
  })
  assert.equal(fw.tcp_limits, { max_message_bytes: 4096, idle_timeout_ms: 60000, max_connections: 16 })
  const sockets = ctx.server.supervisor.engine('fw')!.receiver.sockets().filter((s) => s.protocol !== 'udp')
  assert.equal(sockets.map((s) => `${s.protocol} ${s.address}`), [`tcp 127.0.0.1:${ctx.tcpPort}`, `tls 127.0.0.1:${ctx.tlsPort}`])

  // The page after the save shows the file's values, and a new empty TLS row.
  assert.is(await page.getByLabel('TCP listen addresses').inputValue(), `127.0.0.1:${ctx.tcpPort}`)
  assert.is(await page.getByLabel('TLS address 1', { exact: true }).inputValue(), `127.0.0.1:${ctx.tlsPort}`)
  assert.is(await page.getByLabel('TLS address 2', { exact: true }).inputValue(), '')
  assert.is(await maxMessage.inputValue(), '4096')
  assert.is(await page.getByLabel('Max connections per address').inputValue(), '16')
})

test('a TCP client and a TLS client send a line each: the page counts them live, and both are stored', async (ctx) => {
  const { page, server } = ctx
  await page.goto('/engines/fw')
  assert.is(await total(page, 'received'), '0')
  assert.match((await page.locator('.engine-meta').textContent())!, `TCP 127.0.0.1:${ctx.tcpPort} · TLS 127.0.0.1:${ctx.tlsPort}`)

  const plain = await connect(ctx.tcpPort)
  await new Promise<void>((r) => plain.end(`${line('tcpuser')}\n`, () => r()))
  await new Promise<void>((resolve, reject) => {
    const secure = tls.connect({ host: '127.0.0.1', port: ctx.tlsPort, ca: readFileSync(ctx.certs.ca) })
    secure.on('error', reject)
    secure.on('close', () => resolve())
    secure.on('secureConnect', () => secure.end(`${line('tlsuser')}\n`))
    secure.resume()
  })

  // The event stream replaces the totals once a second; the page is not reloaded.
  await page.waitForFunction(() => document.querySelector('#totals-fw .counter-stored .counter-total')?.textContent === '2', undefined, { timeout: 15_000 })
  assert.is(await total(page, 'received'), '2')
  for (const counter of ['rejected', 'dropped_backpressure', 'dropped_journal_full', 'dropped_journal_error', 'dropped_disk_full', 'dropped_write_error', 'kernel_drops']) {
    assert.is(await total(page, counter), '0', counter)
  }
  await page.waitForFunction(() => document.querySelector('#totals-fw .engine-journal')?.getAttribute('data-journal-records') === '0', undefined, { timeout: 15_000 })
  assert.match((await page.locator('#totals-fw .engine-journal').textContent())!, 'Journal: 0 chunks waiting')

  const c = await server.supervisor.engine('fw')!.store.connect()
  try {
    const rows = (await c.runAndReadAll('SELECT sender_ip, sender, pppoe, original_log FROM logs ORDER BY pppoe')).getRowsJS()
    assert.equal(rows, [
      ['127.0.0.1', 'lo', 'tcpuser', line('tcpuser')],
      ['127.0.0.1', 'lo', 'tlsuser', line('tlsuser')],
    ])
  } finally {
    c.closeSync()
  }
  // Drawn by the server too, not only by the stream.
  await page.reload()
  assert.is(await total(page, 'received'), '2')
  assert.is(await total(page, 'stored'), '2')
  assert.is(server.supervisor.engine('fw')!.counters().received, 2)
})

test('a certificate that does not exist and a TCP address without a port are refused at their fields', async (ctx) => {
  const { page } = ctx
  const before = readFileSync(ctx.file, 'utf8')
  await page.goto('/engines/fw')
  const cert = page.getByLabel('Certificate file 1', { exact: true })
  await cert.fill('/nonexistent/server.pem')
  await page.getByRole('button', { name: 'Save and apply' }).click()
  await page.locator('#edit-tls-0-tls_cert-error').waitFor()
  assert.is(await page.locator('#edit-tls-0-tls_cert-error').textContent(), 'cannot read "/nonexistent/server.pem": ENOENT')
  assert.is(await cert.getAttribute('aria-invalid'), 'true')
  assert.is(await cert.inputValue(), '/nonexistent/server.pem', 'what was typed stays in the field')
  assert.is(await page.locator('.field-error').count(), 1)

  await cert.fill(ctx.certs.serverCert)
  const tcp = page.getByLabel('TCP listen addresses')
  await tcp.fill('127.0.0.1')
  await page.getByRole('button', { name: 'Save and apply' }).click()
  await page.locator('#edit-tcp-error').waitFor()
  assert.is(await page.locator('#edit-tcp-error').textContent(), '"127.0.0.1" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"')
  assert.is(await tcp.getAttribute('aria-invalid'), 'true')
  assert.is(await page.locator('.field-error').count(), 1)
  assert.is(readFileSync(ctx.file, 'utf8'), before, 'nothing was saved')
})

test('the engine page at phone width: no sideways scrolling; no CSP violation or script error', async (ctx) => {
  const { page } = ctx
  for (const [viewport, size] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
    await page.setViewportSize(size)
    await page.goto('/engines/fw')
    await page.locator('[data-engine="fw"] canvas').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.is(overflow, 0, `the engine page scrolls sideways at ${viewport} width`)
    await page.screenshot({ path: shot('engine-listeners', viewport, 'light'), fullPage: true })
  }
  // The refused saves above answered 422, which Chromium logs as a failed load.
  assert.equal(ctx.problems.filter((p) => !p.includes('status of 422')), [])
})

test.run()
