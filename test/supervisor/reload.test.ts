/**
 * Reloads that change storage replace every runner and its native engine. Under a steady
 * stream no datagram may go missing uncounted: each one sent is received, and each one
 * received is stored or in a drop counter (SPEC §4).
 */
import dgram from 'node:dgram'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { tempConfig } from '../support/serve.js'
import { freePort } from '../support/udp.js'
import { waitFor } from '../support/wait.js'

const reload = suite('Supervisor reload')

reload('storage-changing reloads under a steady stream keep the sockets: every datagram is received and stored', async () => {
  const port = await freePort()
  const { dir, file } = tempConfig((c) => {
    ;(c.engines as { listen: { udp: string[] } }[])[0]!.listen.udp = [`127.0.0.1:${port}`]
  })
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const movedAside: string[] = []
  const supervisor = await Supervisor.start(plan, { onDamagedDayFile: (m) => movedAside.push(`${m.path} -> ${m.movedTo}: ${m.error.cause}`) })
  const first = supervisor.engine('fw')!
  // Several source ports, so that SO_REUSEPORT's hash spreads them over every socket.
  const senders = Array.from({ length: 8 }, () => dgram.createSocket('udp4'))
  let sent = 0
  let running = true
  const sending = (async () => {
    while (running) {
      await Promise.all(
        Array.from({ length: 32 }, (_, i) => {
          const seq = sent++
          return new Promise<void>((r) => senders[i % senders.length]!.send(`<134>seq ${seq}`, port, '127.0.0.1', () => r()))
        }),
      )
      // About 5,000 a second: well within what the queue takes while a writer restarts.
      await new Promise((r) => setTimeout(r, 5))
    }
  })()
  const reloads = 25
  try {
    for (let i = 0; i < reloads; i++) {
      // Only the flush interval changes: storage settings, so every runner is replaced.
      const summary = await supervisor.reload({ ...supervisor.current, flushIntervalMs: i % 2 === 0 ? 400 : 500 })
      assert.equal(summary.updated, ['fw'])
    }
  } finally {
    running = false
    await sending
    for (const s of senders) s.close()
  }
  const last = supervisor.engine('fw')!
  try {
    assert.ok(last !== first, 'the runner was replaced')
    assert.equal(last.receiver.sockets().map((s) => s.address), [`127.0.0.1:${port}`, `127.0.0.1:${port}`])
    const settled = (c: ReturnType<typeof last.counters>): boolean => c.received >= sent && c.queue_depth === 0 && c.pending_commit === 0
    await waitFor(() => settled(last.counters()), { what: 'every datagram received and committed', timeoutMs: 15_000, detail: () => ({ sent, ...last.counters() }) })
  } finally {
    await supervisor.stop()
  }
  const c = last.counters()
  const dropped = c.rejected_unknown_sender + c.dropped_backpressure + c.dropped_journal_full + c.dropped_journal_error + c.dropped_disk_full + c.dropped_write_error
  assert.is(c.received + c.replayed, c.stored + dropped, 'SPEC §4 identity')
  assert.is(c.kernel_drops, 0, 'no kernel drops at this rate')
  assert.is(c.received, sent, `received all ${sent} sent over ${reloads} reloads`)
  // Each reload's new writer checks the day file the old one just closed: a healthy file
  // must not be taken for damaged and moved aside, where the console no longer reads it.
  assert.equal(movedAside, [], 'no day file moved aside')
  const files = readdirSync(join(dir, 'data', 'fw'))
  assert.equal(files.filter((f) => f.includes('.corrupt-')), [], 'no corrupt-* file')
  let rows = 0
  const seen = new Set<number>()
  for (const f of files.filter((n) => /^\d{4}-\d{2}-\d{2}\.duckdb$/.test(n))) {
    const instance = await DuckDBInstance.create(join(dir, 'data', 'fw', f), { access_mode: 'READ_ONLY' })
    const connection = await instance.connect()
    const read = await connection.runAndReadAll(`SELECT CAST(regexp_extract(original_log, 'seq (\\d+)$', 1) AS INTEGER) FROM logs`)
    for (const [seq] of read.getRows()) {
      rows++
      seen.add(Number(seq))
    }
    connection.closeSync()
    instance.closeSync()
  }
  assert.is(rows, sent, 'the day files hold every row sent')
  assert.is(seen.size, sent, 'each sequence number once')
  assert.ok([...seen].every((n) => n >= 0 && n < sent), 'only the sequence numbers sent')
})

reload.run()
