/**
 * @module
 * Operations (SPEC §8, issue 9) on a whole server: retention at start and on a later
 * sweep with an injected clock, and the disk guard with an injected free-space probe —
 * real UDP into a real engine, storing pauses and resumes, and `dropped_disk_full` is
 * exactly what was sent meanwhile; and `/metrics`, read by a strict parser of the
 * Prometheus text format, against the engine's own counters.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer } from '../../src/cli/serve.js'
import type { EngineCounters } from '../../src/supervisor/engine-runner.js'
import { corpusLines } from '../support/corpus.js'
import { queryFile, tempConfig } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'
import { untilCounters } from '../support/wait.js'

/** Captures the server's own log lines (stdout and stderr) while `run` runs. */
async function captureLog<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = []
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const grab = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  }
  process.stdout.write = grab as typeof process.stdout.write
  process.stderr.write = grab as typeof process.stderr.write
  try {
    return { result: await run(), lines }
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
}

const retention = suite('operations: retention')

retention('expired day files go at start and on a later sweep; today and open days stay', async () => {
  const { file, config } = tempConfig((c) => {
    c.retention_days = 30
    ;(c.engines as Record<string, unknown>[])[0]!.retention_days = 3
  })
  const fwDir = join(config.data_dir as string, 'fw')
  mkdirSync(fwDir, { recursive: true })
  for (const day of ['2026-05-25', '2026-05-28', '2026-05-29', '2026-05-31']) writeFileSync(join(fwDir, `${day}.duckdb`), '')
  const clock = { ms: Date.parse('2026-06-01T12:00:00Z') }
  const { result: server, lines } = await captureLog(() => startServer(file, { clock: { now: () => clock.ms } }))
  try {
    assert.equal(readdirSync(fwDir).filter((n) => n.endsWith('.duckdb')).sort(), [
      '2026-05-29.duckdb',
      '2026-05-31.duckdb',
      '2026-06-01.duckdb',
    ])
    assert.equal(
      lines.filter((l) => l.includes('event=retention.deleted')).map((l) => / day=(\S+)/.exec(l)![1]),
      ['2026-05-25', '2026-05-28'],
    )
    // Three days on, 05-29 and 05-31 have expired; 06-01 is the oldest day kept.
    clock.ms = Date.parse('2026-06-04T12:00:00Z')
    const swept = await captureLog(() => server.retention.sweep())
    assert.equal(
      swept.result.map((d) => d.day),
      ['2026-05-29', '2026-05-31'],
    )
    const audit = await server.systemStore.listAudit()
    assert.equal(
      audit.map((a) => [a.userName, a.action, a.target, a.details]),
      [
        ['system', 'retention.deleted', 'fw', 'day file 2026-05-31 deleted (older than 3 days)'],
        ['system', 'retention.deleted', 'fw', 'day file 2026-05-29 deleted (older than 3 days)'],
        ['system', 'retention.deleted', 'fw', 'day file 2026-05-28 deleted (older than 3 days)'],
        ['system', 'retention.deleted', 'fw', 'day file 2026-05-25 deleted (older than 3 days)'],
      ],
    )
  } finally {
    await captureLog(() => server.stop())
  }
})

retention.run()

const guard = suite('operations: disk guard')

guard('below min_free_percent rows are dropped and counted; storing resumes when space returns', async () => {
  const { file, config } = tempConfig((c) => {
    c.disk_guard = { min_free_percent: 10 }
  })
  let free = 40
  const probed: string[] = []
  const { result: server } = await captureLog(() =>
    startServer(file, {
      freeSpace: async (dir) => {
        probed.push(dir)
        return free
      },
    }),
  )
  const lines = corpusLines('mikrotik-20k.log')
  try {
    const runner = server.supervisor.engine('fw')!
    const port = runner.receiver.port
    assert.is(probed[0], config.data_dir)

    await sendDatagrams(port, lines.slice(0, 300))
    await untilCounters(runner, (c) => c.stored === 300, 'before')

    free = 9.5
    const on = await captureLog(() => server.supervisor.diskGuard.check())
    assert.equal(server.supervisor.diskGuard.state(), { full: true, freePercent: 9.5, minFreePercent: 10, dataDir: config.data_dir })
    assert.ok(on.lines.some((l) => / level=warn event=disk_guard\.on .*free_percent=9\.5 min_free_percent=10/.test(l)), on.lines.join('\n'))
    await sendDatagrams(port, lines.slice(300, 800))
    await untilCounters(runner, (c) => c.dropped_disk_full === 500, 'while full')
    assert.is(runner.state, 'disk_full', 'the dashboard and engines list show the engine as disk full')
    // Every console page carries the banner meanwhile.
    const viewer = await server.systemStore.createUser({ name: 'vera', displayName: 'Vera', role: 'viewer', password: 'correct horse battery' })
    const { token } = await server.systemStore.createSession(viewer.id, { address: '127.0.0.1', userAgent: null })
    const page = () => fetch(`${server.web.url}/account`, { headers: { cookie: `logsift_session=${token}` } }).then((r) => r.text())
    const banner = `<strong>Disk almost full: logs are not being stored.</strong> The data file system (${config.data_dir as string}) has 9.5% free`
    assert.ok((await page()).includes(banner), 'banner while full')

    free = 60
    const off = await captureLog(() => server.supervisor.diskGuard.check())
    assert.ok(off.lines.some((l) => / level=info event=disk_guard\.off .*free_percent=60 min_free_percent=10/.test(l)), off.lines.join('\n'))
    await sendDatagrams(port, lines.slice(800, 1000))
    await untilCounters(runner, (c) => c.stored === 500, 'after')
    assert.not.ok((await page()).includes('Disk almost full'), 'no banner once space returned')
    assert.is(runner.state, 'running')

    const c = runner.counters()
    assert.is(c.received, 1000)
    assert.is(c.stored, 500)
    assert.is(c.dropped_disk_full, 500)
    assert.is(c.received, c.stored + c.rejected_unknown_sender + c.dropped_backpressure + c.dropped_disk_full + c.dropped_write_error)
  } finally {
    await captureLog(() => server.stop())
  }
  const path = join(config.data_dir as string, 'fw', `${new Date().toISOString().slice(0, 10)}.duckdb`)
  // The rows stored are exactly those sent before and after the full spell.
  const stored = (await queryFile(path, 'SELECT original_log FROM logs')).map((r) => r[0] as string).sort()
  assert.equal(stored, [...lines.slice(0, 300), ...lines.slice(800, 1000)].sort())
})

guard.run()

interface Family {
  type: string
  help: string
  /** Series key (name + canonical labels) → value. */
  samples: Map<string, number>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** A value of the text format: a float, or ±Inf / NaN. */
function parseValue(v: string, line: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (v === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`bad value in: ${line}`)
  return Number(v)
}

/** Labels `{a="x",b="y\\n"}` with the format's three escapes; returns them sorted as `a="x",b="y"`. */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    const name = text.slice(i, eq)
    if (eq < 0 || !LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`bad label in: ${line}`)
    let value = ''
    let j = eq + 2
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j]
        if (next === 'n') value += '\n'
        else if (next === '\\' || next === '"') value += next
        else throw new Error(`bad escape in: ${line}`)
      } else value += text[j]
    }
    if (j >= text.length) throw new Error(`unterminated label value in: ${line}`)
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`)
    labels[name] = value
    i = j + 1
    if (i < text.length && text[i++] !== ',') throw new Error(`expected , in: ${line}`)
  }
  return labels
}

/**
 * A strict reader of the Prometheus text format 0.0.4: HELP and TYPE once per family and
 * before its samples, families contiguous, valid names, labels and values, no duplicate
 * series, histograms cumulative with `+Inf` equal to `_count`, a final newline.
 */
function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the body must end with a newline')
  const families = new Map<string, Family>()
  const closed = new Set<string>()
  let current: string | undefined
  const enter = (name: string) => {
    if (current === name) return
    if (closed.has(name)) throw new Error(`family ${name} is not contiguous`)
    if (current !== undefined) closed.add(current)
    current = name
  }
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`)
      enter(name)
      const f = families.get(name) ?? { type: '', help: '', samples: new Map() }
      families.set(name, f)
      if (f.samples.size > 0) throw new Error(`${kind} after samples: ${line}`)
      if (kind === 'TYPE') {
        if (f.type !== '') throw new Error(`TYPE twice: ${line}`)
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type: ${line}`)
        f.type = rest
      } else {
        if (f.help !== '') throw new Error(`HELP twice: ${line}`)
        f.help = rest
      }
      continue
    }
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`bad sample line: ${JSON.stringify(line)}`)
    const [, name, labelText = '', value] = m as unknown as [string, string, string | undefined, string]
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1]
    const family = families.get(name)?.type ? name : base !== undefined && families.get(base)?.type === 'histogram' ? base : undefined
    if (family === undefined) throw new Error(`sample without a TYPE: ${line}`)
    enter(family)
    const labels = parseLabels(labelText, line)
    const key = `${name}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`
    const f = families.get(family)!
    if (f.samples.has(key)) throw new Error(`duplicate series: ${line}`)
    f.samples.set(key, parseValue(value, line))
  }
  for (const [name, f] of families) {
    if (f.type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} lacks _total`)
    if (f.type !== 'histogram') continue
    const byEngine = new Map<string, [number, number][]>()
    for (const [key, v] of f.samples) {
      const b = /_bucket\{engine="([^"]*)",le="([^"]*)"\}$/.exec(key)
      if (!b) continue
      const list = byEngine.get(b[1]!) ?? []
      list.push([parseValue(b[2]!, key), v])
      byEngine.set(b[1]!, list)
    }
    for (const [engine, buckets] of byEngine) {
      buckets.sort((a, b) => a[0] - b[0])
      buckets.forEach(([, v], i) => {
        if (i > 0 && v < buckets[i - 1]![1]) throw new Error(`${name} buckets of ${engine} are not cumulative`)
      })
      if (buckets.at(-1)![0] !== Infinity || buckets.at(-1)![1] !== f.samples.get(`${name}_count{engine="${engine}"}`)) {
        throw new Error(`${name} of ${engine}: +Inf bucket must equal _count`)
      }
    }
  }
  return families
}

const metrics = suite('operations: /metrics')

metrics('parses as the Prometheus text format and matches the engine counters; needs the token or a session', async () => {
  const token = 'scrape-0123456789abcdef'
  const { file } = tempConfig((c) => {
    c.metrics = { token }
    const engines = c.engines as Record<string, unknown>[]
    // A second engine that rejects everything, so the two differ.
    engines.push({ ...engines[0]!, name: 'strict', senders: [{ name: 'nobody', match: '192.0.2.1' }] })
  })
  const { result: server } = await captureLog(() => startServer(file))
  try {
    const fw = server.supervisor.engine('fw')!
    const strict = server.supervisor.engine('strict')!
    const lines = corpusLines('mikrotik-20k.log')
    await sendDatagrams(fw.receiver.port, lines.slice(0, 400))
    await sendDatagrams(strict.receiver.port, lines.slice(0, 70))
    await untilCounters(fw, (c) => c.stored === 400, 'fw')
    await untilCounters(strict, (c) => c.rejected_unknown_sender === 70, 'strict')

    const url = `${server.web.url}/metrics`
    const anonymous = await fetch(url)
    assert.is(anonymous.status, 401)
    assert.is(anonymous.headers.get('www-authenticate'), 'Bearer realm="logsift metrics"')
    assert.is((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401)

    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    assert.is(res.status, 200)
    assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    const families = parsePrometheus(await res.text())

    const counterNames: [string, keyof EngineCounters][] = [
      ['logsift_received_total', 'received'],
      ['logsift_received_bytes_total', 'bytes'],
      ['logsift_stored_total', 'stored'],
      ['logsift_rejected_unknown_sender_total', 'rejected_unknown_sender'],
      ['logsift_dropped_backpressure_total', 'dropped_backpressure'],
      ['logsift_dropped_journal_full_total', 'dropped_journal_full'],
      ['logsift_dropped_journal_error_total', 'dropped_journal_error'],
      ['logsift_replayed_total', 'replayed'],
      ['logsift_dropped_disk_full_total', 'dropped_disk_full'],
      ['logsift_dropped_write_error_total', 'dropped_write_error'],
      ['logsift_kernel_drops_total', 'kernel_drops'],
      ['logsift_delivered_total', 'delivered'],
      ['logsift_invalid_utf8_total', 'invalid_utf8'],
      ['logsift_embedded_nul_total', 'embedded_nul'],
      ['logsift_empty_total', 'empty'],
      ['logsift_receive_errors_total', 'receive_errors'],
      ['logsift_truncated_total', 'truncated'],
      ['logsift_truncated_by_close_total', 'truncated_by_close'],
      ['logsift_refused_max_connections_total', 'refused_max_connections'],
      ['logsift_regex_budget_exceeded_total', 'regex_budget_exceeded'],
    ]
    for (const runner of [fw, strict]) {
      const counters = runner.counters()
      for (const [name, key] of counterNames) {
        const f = families.get(name)
        assert.is(f?.type, 'counter', name)
        assert.is(f!.samples.get(`${name}{engine="${runner.name}"}`), counters[key], `${name} of ${runner.name}`)
      }
      const gauges = [
        ['logsift_queue_depth_rows', 'queue_depth'],
        ['logsift_queue_capacity_rows', 'queue_capacity'],
        ['logsift_pending_commit_rows', 'pending_commit'],
        ['logsift_journal_bytes', 'journal_bytes'],
        ['logsift_journal_max_bytes', 'journal_max_bytes'],
        ['logsift_journal_records', 'journal_records'],
        ['logsift_journal_lag_seconds', 'journal_lag_seconds'],
      ] as const
      assert.is(counters.journal_max_bytes, 1024 ** 3, 'the default journal')
      for (const [name, key] of gauges) {
        assert.is(families.get(name)?.type, 'gauge', name)
        assert.is(families.get(name)!.samples.get(`${name}{engine="${runner.name}"}`), counters[key], `${name} of ${runner.name}`)
      }
      const flushes = runner.flushLatency.snapshot().count
      assert.is(families.get('logsift_flush_duration_seconds')!.samples.get(`logsift_flush_duration_seconds_count{engine="${runner.name}"}`), flushes)
    }
    assert.ok(fw.flushLatency.snapshot().count > 0, 'fw committed at least once')
    assert.is(families.get('logsift_received_total')!.samples.get('logsift_received_total{engine="fw"}'), 400)
    assert.is(families.get('logsift_rejected_unknown_sender_total')!.samples.get('logsift_rejected_unknown_sender_total{engine="strict"}'), 70)
    assert.is(families.get('logsift_flush_duration_seconds')!.type, 'histogram')
    assert.is(families.get('logsift_disk_guard_active')!.samples.get('logsift_disk_guard_active{}'), 0)
    assert.is(families.get('logsift_engine_up')!.samples.get('logsift_engine_up{engine="fw"}'), 1)
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'process_open_fds']) {
      assert.ok(families.get(name)!.samples.get(`${name}{}`)! > 0, name)
    }

    // A signed-in viewer reads it with the session cookie alone.
    const viewer = await server.systemStore.createUser({ name: 'vera', displayName: 'Vera', role: 'viewer', password: 'correct horse battery' })
    const { token: session } = await server.systemStore.createSession(viewer.id, { address: '127.0.0.1', userAgent: null })
    const withSession = await fetch(url, { headers: { cookie: `logsift_session=${session}` } })
    assert.is(withSession.status, 200)
    parsePrometheus(await withSession.text())
  } finally {
    await captureLog(() => server.stop())
  }
})

metrics.run()
