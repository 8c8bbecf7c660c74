/**
 * @module
 * Operations (SPEC §8, issue 9) on a whole server: retention at start and on a later
 * sweep with an injected clock, and the disk guard with an injected free-space probe —
 * real UDP into a real engine, storing pauses and resumes, and `dropped_disk_full` is
 * exactly what was sent meanwhile.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer } from '../../src/cli/serve.js'
import type { EngineRunner } from '../../src/supervisor/engine-runner.js'
import { corpusLines } from '../support/corpus.js'
import { queryFile, tempConfig } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'

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

/** Waits until `pred` holds on the runner's counters (never asserting how long it took). */
async function until(runner: EngineRunner, pred: (c: ReturnType<EngineRunner['counters']>) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!pred(runner.counters())) {
    if (Date.now() > deadline) throw new Error(`${what}: counters stuck at ${JSON.stringify(runner.counters())}`)
    await new Promise((r) => setTimeout(r, 20))
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
    await until(runner, (c) => c.stored === 300, 'before')

    free = 9.5
    const on = await captureLog(() => server.supervisor.diskGuard.check())
    assert.equal(server.supervisor.diskGuard.state(), { full: true, freePercent: 9.5, minFreePercent: 10, dataDir: config.data_dir })
    assert.ok(on.lines.some((l) => / level=warn event=disk_guard\.on .*free_percent=9\.5 min_free_percent=10/.test(l)), on.lines.join('\n'))
    await sendDatagrams(port, lines.slice(300, 800))
    await until(runner, (c) => c.dropped_disk_full === 500, 'while full')

    free = 60
    const off = await captureLog(() => server.supervisor.diskGuard.check())
    assert.ok(off.lines.some((l) => / level=info event=disk_guard\.off .*free_percent=60 min_free_percent=10/.test(l)), off.lines.join('\n'))
    await sendDatagrams(port, lines.slice(800, 1000))
    await until(runner, (c) => c.stored === 500, 'after')

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
