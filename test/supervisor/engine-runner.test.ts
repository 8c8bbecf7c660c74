/**
 * @module
 * The pump between an engine and its writer, on a real engine over loopback UDP: with
 * two appends in flight and the writer's timer committing beside them, the live tail
 * still gets every chunk once and in the order the datagrams arrived, and every row is
 * stored once.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import type { RowChunk } from '../../src/engine/row-chunk.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { queryFile, tempConfig } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'
import { untilCounters } from '../support/wait.js'

const pump = suite('EngineRunner pump')

pump('the tail sees every chunk once, in arrival order, while the timer commits beside the appends', async () => {
  const { file } = tempConfig((c) => {
    c.flush_interval_ms = 50
    // One receiver thread: with two, each sending socket lands on either, and their chunks
    // may interleave before the pump sees them.
    ;(c.engines as Record<string, unknown>[])[0]!.threads = 1
  })
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const supervisor = await Supervisor.start(plan)
  const runner = supervisor.engine('fw')!
  const tailed: string[] = []
  const off = runner.onBatch((chunk: RowChunk) => {
    const batch = chunk.toBatch(chunk.rowCount)
    const log = batch.columns.find((c) => c.name === 'original_log')!
    for (let i = 0; i < batch.rowCount; i++) tailed.push(String(log.values[i]))
  })
  const total = 20_000
  const lines = Array.from({ length: total }, (_, i) => `<134>line ${String(i).padStart(5, '0')}`)
  try {
    // One socket, in order; in slices with pauses so that commits fall between chunks.
    for (let i = 0; i < total; i += 2_000) {
      await sendDatagrams(runner.receiver.port, lines.slice(i, i + 2_000))
      await new Promise((r) => setTimeout(r, 30))
    }
    await untilCounters(runner, (c) => c.stored >= total, `${total} rows stored`, 15_000)
  } finally {
    off()
    await supervisor.stop()
  }
  const counters = runner.counters()
  assert.is(counters.received, total, `received (kernel drops ${counters.kernel_drops})`)
  assert.is(counters.stored, total)
  assert.ok(runner.flushLatency.snapshot().count >= 3, `the timer committed several times (${runner.flushLatency.snapshot().count})`)
  assert.equal(tailed, lines, 'the tail got every line once, in order')
  const day = new Date().toISOString().slice(0, 10)
  const stored = await queryFile(`${plan.dataDir}/fw/${day}.duckdb`, `SELECT count(*)::INTEGER, count(DISTINCT original_log)::INTEGER FROM logs`)
  assert.equal(stored, [[total, total]])
})

pump.run()
