/**
 * Counters over the life of the process (issue 18) on the real CLI: `logsift serve` takes
 * lines, some from an unknown sender, then a SIGHUP with a new time zone and a console
 * edit of the zone (both restart the writer), then more lines. `/metrics`, the dashboard
 * history and the final `engine.stopped` line count every datagram of the whole run, and
 * the accounting identity of SPEC §4 holds.
 */
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { corpusLines } from '../support/corpus.js'
import { field, spawnServe, tempConfig } from '../support/serve.js'
import { freePort, sendDatagrams } from '../support/udp.js'
import { Client } from '../web/helpers.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const TOKEN = 'scrape-0123456789abcdef'
const PASSWORD = 'correct horse battery'
/** Source address of the unknown sender: loopback, but not the configured 127.0.0.1. */
const STRANGER = '127.0.0.2'

const test = suite('counters across config applies')

/** `logsift user add root --admin` on the real CLI, before the server holds the system database. */
async function addAdmin(file: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'user', 'add', 'root', '--admin', '--password-stdin', '--config', file], {
    cwd: root,
    stdio: ['pipe', 'ignore', 'inherit'],
  })
  child.stdin!.end(`${PASSWORD}\n`)
  const code = await new Promise<number | null>((r) => child.once('exit', r))
  assert.is(code, 0, 'user add')
}

/** A {@link Client} over real HTTP: the same cookies and CSRF token, the server's own origin. */
function httpClient(base: string): Client {
  const app = {
    request: (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers)
      if (headers.has('origin')) headers.set('origin', base)
      return fetch(base + path, { ...init, headers, redirect: 'manual' })
    },
  }
  return new Client(app as unknown as Hono)
}

/** The `engine="fw"` samples of `/metrics`, by metric name. */
async function metrics(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  assert.is(res.status, 200)
  const out = new Map<string, number>()
  for (const m of (await res.text()).matchAll(/^(\w+)\{engine="fw"\} (\S+)$/gm)) out.set(m[1]!, Number(m[2]))
  return out
}

/** Polls `read` until `pred` holds, for at most 10 s. */
async function until<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const v = await read()
    if (pred(v)) return v
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v instanceof Map ? [...v] : v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The chart data of engine `fw` on the dashboard: seconds, then one array per series. */
async function chart(admin: Client): Promise<number[][]> {
  const html = await (await admin.get('/')).text()
  const attr = /data-engine="fw"[\s\S]*?data-chart="([^"]*)"/.exec(html)
  assert.ok(attr, 'the fw card has a chart')
  const json = attr[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  return JSON.parse(json) as number[][]
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0)

test('SIGHUP and a console edit restart the writer; /metrics, the dashboard and engine.stopped count the whole run', async () => {
  const port = await freePort()
  const { dir, file, config } = tempConfig((c) => {
    c.metrics = { token: TOKEN }
    ;(c.engines as { listen: { udp: string[] } }[])[0]!.listen.udp = [`127.0.0.1:${port}`]
  })
  await addAdmin(file)
  const serve = spawnServe(file)
  try {
    const base = field(await serve.waitFor(/event=console\.listening/), 'url')
    const admin = httpClient(base)
    assert.is((await admin.login('root', PASSWORD)).status, 303)
    const lines = corpusLines('mikrotik-20k.log')
    const firstSampleMs = Date.now()
    // A round of the dashboard's sampler before the first datagram, so its history starts at zero.
    await new Promise((r) => setTimeout(r, 1200))

    await sendDatagrams(port, lines.slice(0, 300))
    await sendDatagrams(port, lines.slice(300, 320), { from: STRANGER })
    await until(() => metrics(base), (m) => m.get('logsift_stored_total') === 300 && m.get('logsift_rejected_unknown_sender_total') === 20, 'first lines')

    config.timezone = 'Europe/Berlin'
    writeFileSync(file, JSON.stringify(config))
    serve.child.kill('SIGHUP')
    const reloaded = await serve.waitFor(/event=config\.reloaded/)
    assert.is(field(reloaded, 'updated'), 'fw')
    await sendDatagrams(port, lines.slice(320, 520))
    await sendDatagrams(port, lines.slice(520, 530), { from: STRANGER })
    await until(() => metrics(base), (m) => m.get('logsift_stored_total') === 500 && m.get('logsift_rejected_unknown_sender_total') === 30, 'after SIGHUP')

    await admin.get('/settings')
    const edit = await admin.post('/settings', { timezone: 'Asia/Tokyo', retention_days: '180', min_free_percent: '5', flush_interval_ms: '500' })
    assert.is(edit.status, 303)
    assert.is((await serve.waitFor(/event=config\.reloaded.* updated=fw/)).includes('updated=fw'), true)
    await sendDatagrams(port, lines.slice(530, 630))
    await sendDatagrams(port, lines.slice(630, 635), { from: STRANGER })

    const m = await until(() => metrics(base), (m) => m.get('logsift_stored_total') === 600 && m.get('logsift_received_total') === 635, 'after the console edit')
    assert.is(m.get('logsift_rejected_unknown_sender_total'), 35)
    assert.is(m.get('logsift_delivered_total'), 600)
    const drops = ['backpressure', 'journal_full', 'journal_error', 'disk_full', 'write_error'].map((k) => m.get(`logsift_dropped_${k}_total`)!)
    assert.equal(drops, [0, 0, 0, 0, 0])
    assert.is(m.get('logsift_received_total'), m.get('logsift_stored_total')! + m.get('logsift_rejected_unknown_sender_total')! + sum(drops))

    // The history spans both applies, adds up to the totals, and has every drop cause and the queue.
    // Rows are stored after they are received: a sample can hold all 635 received and not yet the
    // last stored, so the wait is for both.
    const data = await until(() => chart(admin), (d) => sum(d[1]!) === 635 && sum(d[2]!) === 600 && sum(d[3]!) === 35, 'dashboard history')
    const [seconds, received, stored, rejected, backpressure, journalFull, journalError, diskFull, writeError, kernel, queue] = data
    assert.is(data.length, 11)
    assert.ok(seconds![0]! * 1000 < firstSampleMs + 3000, 'the history starts before the first apply')
    assert.is(sum(received!), 635)
    assert.is(sum(stored!), 600)
    assert.is(sum(rejected!), 35)
    assert.equal([sum(backpressure!), sum(journalFull!), sum(journalError!), sum(diskFull!), sum(writeError!), sum(kernel!)], [0, 0, 0, 0, 0, 0])
    assert.is(queue!.length, seconds!.length)
    assert.ok(received!.every((v) => v >= 0), 'no negative rate at a restart')

    serve.child.kill('SIGTERM')
    const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
    assert.is(await serve.exited, 0)
    assert.equal(
      ['received', 'stored', 'rejected_unknown_sender', 'dropped_backpressure', 'dropped_disk_full', 'dropped_write_error'].map((k) => field(stopped, k)),
      ['635', '600', '35', '0', '0', '0'],
    )
  } finally {
    serve.child.kill('SIGKILL')
    await serve.exited
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
