import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine, type EngineSettings } from '../../src/engine/engine.js'
import { chunkRows } from '../../src/engine/row-chunk.js'
import { rowsOf } from '../support/columns.js'
import { corpusLines, mikrotik5 } from '../support/corpus.js'
import { assertAccounted, sendDatagrams } from '../support/udp.js'

function settings(journalDir: string, over: Partial<EngineSettings> = {}): EngineSettings {
  return {
    name: 'test',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    senders: [{ name: 'loopback', match: '127.0.0.0/8' }],
    threads: 1,
    chunkRows: 10,
    journalDir,
    ...over,
  }
}

const tempJournal = () => join(mkdtempSync(join(tmpdir(), 'logsift-journal-')), 'journal')

/** A pulled chunk's `original_log` values and journal records. */
interface Pulled {
  lines: string[]
  records: readonly number[] | null
}

/** Starts an engine and opens its journal. */
function start(s: EngineSettings): Engine {
  const engine = Engine.start(s)
  engine.openJournal()
  return engine
}

/** Stops the engine and pulls every journal record as a chunk of its own until it is finished (deadline 10 s). */
async function stopAndPull(engine: Engine): Promise<Pulled[]> {
  await engine.stop()
  const pulled: Pulled[] = []
  const deadline = Date.now() + 10_000
  while (!engine.finished()) {
    if (Date.now() > deadline) throw new Error(`not finished: ${JSON.stringify(engine.stats())}`)
    // One row asked: a batch is then one record, never several merged.
    const chunk = await engine.nextChunk(1, 50)
    if (chunk === null) continue
    const batch = chunkRows(chunk)
    pulled.push({ lines: rowsOf(batch.columns, batch.rowCount).map((r) => r.original_log as string), records: chunk.journalRecords })
    chunk.release()
  }
  return pulled
}

const lines = (pulled: Pulled[]) => pulled.flatMap((p) => p.lines)

const journal = suite('engine: disk journal')

journal('a burst a hundred times the memory window is stored entirely, read back from disk', async () => {
  const dir = tempJournal()
  // Without a journal, this window drops 900 of the 1000 rows (engine.test.ts).
  const engine = start(settings(dir, { queueCapacityRows: 10 }))
  const sent = corpusLines('mikrotik-20k.log').slice(0, 1000)
  await sendDatagrams(engine.port, sent)
  await new Promise((r) => setTimeout(r, 300))
  const during = engine.stats()
  // More records than the 10-row window holds wait on disk, none pulled yet.
  assert.ok(during.journal_bytes > 0 && during.journal_records >= 10 && during.queue_depth === 1000, JSON.stringify(during))
  const pulled = await stopAndPull(engine)
  assert.equal(lines(pulled).sort(), [...sent].sort(), 'every line once')
  const s = engine.stats()
  assert.equal([s.received, s.delivered, s.dropped_backpressure, s.dropped_journal_full, s.replayed], [1000, 1000, 0, 0, 0])
  assertAccounted(engine)
  // Acknowledged, the records leave the backlog.
  for (const p of pulled) engine.ackJournal(p.records![0]!, p.records![1]!)
  assert.is(engine.stats().journal_records, 0)
  engine.closeJournal()
})

journal('at its size cap the journal drops whole chunks and counts every row', async () => {
  const engine = start(settings(tempJournal(), { journalMaxBytes: 20_000 }))
  const sent = corpusLines('mikrotik-20k.log').slice(0, 1000)
  await sendDatagrams(engine.port, sent)
  await new Promise((r) => setTimeout(r, 300))
  const pulled = await stopAndPull(engine)
  const s = engine.stats()
  assert.is(s.received, 1000)
  assert.ok(s.journal_bytes <= 20_000 && s.journal_max_bytes === 20_000, JSON.stringify(s))
  assert.ok(s.dropped_journal_full > 0 && lines(pulled).length > 0, `${lines(pulled).length} stored`)
  assert.is(s.dropped_journal_full, 1000 - lines(pulled).length)
  assert.is(s.dropped_backpressure, 0)
  assertAccounted(engine)
  engine.closeJournal()
})

journal('a new engine on the journal replays every chunk after the acknowledged prefix', async () => {
  const dir = tempJournal()
  const first = start(settings(dir))
  const sent = corpusLines('mikrotik-20k.log').slice(0, 200)
  await sendDatagrams(first.port, sent)
  await new Promise((r) => setTimeout(r, 300))
  const pulled = await stopAndPull(first)
  assert.is(lines(pulled).length, 200)
  assert.ok(pulled.length >= 4 && pulled.every((p) => p.records![0] === p.records![1]), 'a chunk per record')
  // The first half is committed, and one record further on (lanes commit out of order).
  const half = Math.floor(pulled.length / 2)
  for (const p of [...pulled.slice(0, half), pulled[half + 1]!]) first.ackJournal(p.records![0]!, p.records![1]!)
  first.closeJournal()

  // The journal saved the prefix; the record acknowledged out of order replays too (the
  // runner acknowledges it again from the day file before pulling).
  const second = start(settings(dir))
  const expected = lines(pulled.slice(half))
  assert.is(second.stats().journal_records, pulled.length - half)
  const replayed = await stopAndPull(second)
  assert.equal(lines(replayed), expected)
  const s = second.stats()
  assert.equal([s.received, s.delivered, s.replayed], [0, expected.length, expected.length])
  assertAccounted(second)
  for (const p of replayed) second.ackJournal(p.records![0]!, p.records![1]!)
  second.closeJournal()

  const third = start(settings(dir))
  assert.is(third.stats().journal_records, 0)
  assert.equal(await stopAndPull(third), [])
  third.closeJournal()
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.seg')).length, 1, 'acknowledged segments deleted, an empty active one left')
})

journal('a second engine cannot open a journal another holds; it keeps rows in memory until it can', async () => {
  const dir = tempJournal()
  const first = start(settings(dir))
  const waiting = Engine.start(settings(dir))
  assert.throws(() => waiting.openJournal(), /journal\.lock/)
  // Bound but without the journal, it keeps rows in memory meanwhile.
  await sendDatagrams(waiting.port, ['held in memory'])
  await new Promise((r) => setTimeout(r, 200))
  assert.is(waiting.stats().queue_depth, 1)
  await first.stop()
  first.closeJournal()
  waiting.openJournal()
  await sendDatagrams(waiting.port, ['through the journal'])
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(lines(await stopAndPull(waiting)).sort(), ['held in memory', 'through the journal'])
  assert.is(waiting.stats().journal_records, 1)
  assertAccounted(waiting)
  waiting.closeJournal()
})

journal.run()
