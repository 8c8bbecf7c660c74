/**
 * Counters over the life of the process (issue 18): a reload that replaces an engine's
 * runner (new zone) and an engine deleted and created again under its name continue the
 * counters of the runner before, with real UDP into real engines, so `received` counts
 * every datagram and the accounting identity of SPEC §4 holds over the whole run.
 */
import { rm, writeFile } from 'node:fs/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { carryForward } from '../../src/supervisor/carried-counters.js'
import type { EngineCounters } from '../../src/supervisor/engine-runner.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { corpusLines } from '../support/corpus.js'
import { tempConfig } from '../support/serve.js'
import { freePort, sendDatagrams } from '../support/udp.js'

const test = suite('carried counters')

/** Waits until `pred` holds on the engine's counters, for at most 10 s. */
async function until(s: Supervisor, name: string, pred: (c: EngineCounters) => boolean, what: string): Promise<EngineCounters> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const c = s.engine(name)?.counters()
    if (c && pred(c)) return c
    if (Date.now() > deadline) throw new Error(`${what}: counters stuck at ${JSON.stringify(c)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function identityHolds(c: EngineCounters): boolean {
  return c.received === c.stored + c.rejected_unknown_sender + c.dropped_backpressure + c.dropped_disk_full + c.dropped_write_error
}

test('carryForward sums every counter, a new one too; gauges are the current runner\'s; maxima the largest', () => {
  const before = { received: 10, stored: 8, queue_depth: 5, queue_capacity: 100, pending_commit: 3, max_flush_ms: 40, regex_budget_exceeded: 2, replayed: 4, journal_bytes: 900, journal_records: 9, journal_lag_seconds: 2.5, journal_max_bytes: 1000 }
  const now = { received: 1, stored: 0, queue_depth: 1, queue_capacity: 200, pending_commit: 0, max_flush_ms: 7, regex_budget_exceeded: 1, replayed: 0, journal_bytes: 10, journal_records: 1, journal_lag_seconds: 0.1, journal_max_bytes: 2000 }
  assert.equal(carryForward(before as unknown as EngineCounters, now as unknown as EngineCounters), {
    received: 11,
    stored: 8,
    queue_depth: 1,
    queue_capacity: 200,
    pending_commit: 0,
    max_flush_ms: 40,
    regex_budget_exceeded: 3,
    replayed: 4,
    journal_bytes: 10,
    journal_records: 1,
    journal_lag_seconds: 0.1,
    journal_max_bytes: 2000,
  })
})

test('a zone change replaces the runner; deleting and re-creating the engine: counters continue', async () => {
  const port = await freePort()
  const { dir, file, config } = tempConfig((c) => {
    ;(c.engines as { listen: { udp: string[] } }[])[0]!.listen.udp = [`127.0.0.1:${port}`]
  })
  const load = async () => (await loadPlan(file, { validateClass: validateClassNatively })).plan
  const edit = async (change: (c: Record<string, unknown>) => void) => {
    change(config)
    await writeFile(file, JSON.stringify(config))
    return s.reload(await load())
  }
  const lines = corpusLines('mikrotik-20k.log')
  const s = await Supervisor.start(await load())
  try {
    const first = s.engine('fw')!
    await sendDatagrams(port, lines.slice(0, 300))
    await sendDatagrams(port, lines.slice(300, 320), { from: '127.0.0.2' })
    await until(s, 'fw', (c) => c.stored === 300 && c.rejected_unknown_sender === 20, 'first 320')
    const commitsBefore = first.flushLatency.snapshot().count
    assert.ok(commitsBefore > 0)

    const zone = await edit((c) => (c.timezone = 'Asia/Tokyo'))
    assert.equal(zone.updated, ['fw'])
    const second = s.engine('fw')!
    assert.ok(second !== first, 'the zone change restarted the runner')
    await sendDatagrams(port, lines.slice(320, 520))
    await sendDatagrams(port, lines.slice(520, 530), { from: '127.0.0.2' })
    const c2 = await until(s, 'fw', (c) => c.received === 530, 'after the zone change')
    await until(s, 'fw', (c) => c.stored === 500, 'stored after the zone change')
    assert.is(c2.rejected_unknown_sender, 30)
    assert.ok(second.flushLatency.snapshot().count >= commitsBefore, 'commit latencies carried')

    const engines = config.engines as Record<string, unknown>[]
    const fw = engines[0]!
    assert.equal((await edit((c) => (c.engines = []))).stopped, ['fw'])
    assert.is(s.engine('fw'), undefined)
    assert.equal((await edit((c) => (c.engines = [fw]))).started, ['fw'])
    await sendDatagrams(port, lines.slice(530, 630))
    await sendDatagrams(port, lines.slice(630, 635), { from: '127.0.0.2' })
    await until(s, 'fw', (c) => c.received === 635 && c.stored === 600, 're-created')
    await s.stop()
    const last = s.engine('fw')!.counters()
    assert.is(last.received, 635)
    assert.is(last.stored, 600)
    assert.is(last.rejected_unknown_sender, 35)
    assert.is(last.delivered, 600)
    assert.is(last.pending_commit, 0)
    assert.is(last.queue_depth, 0)
    assert.ok(identityHolds(last), JSON.stringify(last))
  } finally {
    await s.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()

