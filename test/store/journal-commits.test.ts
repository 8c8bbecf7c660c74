import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine } from '../../src/engine/engine.js'
import { chunkFromBatch, type RowChunk } from '../../src/engine/row-chunk.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { appendChunk, flushAppender } from '../../src/store/native-append.js'
import { mikrotik5 } from '../support/corpus.js'
import { sendDatagrams } from '../support/udp.js'
import { makeBatch, specColumns, tempDataDir } from './helpers.js'

const commits = suite('store: journal records committed with their rows')

commits('the C appender\'s rows join the transaction open on its connection', async () => {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  await c.run('CREATE TABLE logs (received_at TIMESTAMPTZ, note VARCHAR)')
  const columns = specColumns([['note', 'varchar']])
  const chunk = chunkFromBatch(makeBatch(columns, [{ received_at: 1_000_000n, note: 'a' }, { received_at: 1_000_001n, note: 'b' }]))
  const appender = await c.createAppender('logs')
  const count = async () => Number((await c.runAndReadAll('SELECT count(*) FROM logs')).getRowsJS()[0]![0])
  await c.run('BEGIN TRANSACTION')
  assert.is(await appendChunk(appender, chunk, ['received_at', 'note'], 0, Number.MAX_SAFE_INTEGER), 2)
  await flushAppender(appender)
  assert.is(await count(), 2, 'flushed rows are visible in their transaction')
  await c.run('ROLLBACK')
  assert.is(await count(), 0, 'a rollback takes the flushed rows back: they were in the transaction')
  await c.run('BEGIN TRANSACTION')
  await appendChunk(appender, chunk, ['received_at', 'note'], 0, Number.MAX_SAFE_INTEGER)
  await flushAppender(appender)
  await c.run('COMMIT')
  assert.is(await count(), 2)
  appender.closeSync()
  c.closeSync()
  db.closeSync()
  chunk.release()
})

commits('a journaled chunk commits with a journal_commits row naming its records, read back after reopening', async () => {
  const dataDir = tempDataDir()
  const engine = Engine.start({
    name: 'fw',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    senders: [{ name: 'lo', match: '127.0.0.1' }],
    threads: 1,
    journalDir: join(mkdtempSync(join(tmpdir(), 'logsift-journal-')), 'fw'),
  })
  engine.openJournal()
  await sendDatagrams(engine.port, ['one', 'two', 'three'])
  await engine.stop()
  const chunks: RowChunk[] = []
  const deadline = Date.now() + 5000
  while (!engine.finished() && Date.now() < deadline) {
    const c = await engine.nextChunk(65_536, 50)
    if (c) chunks.push(c)
  }
  const journalId = engine.journalId!
  assert.match(journalId, /^[0-9a-f]{16}$/)
  const heard: (readonly [number, number])[] = []
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', journalId, onCommit: (_rows, _ms, records) => heard.push(...records) })
  for (const c of chunks) await writer.append(c)
  assert.equal(await writer.committedJournalRecords(journalId), [], 'nothing committed before the commit')
  await writer.flush()
  const records = chunks.map((c) => c.journalRecords as [number, number])
  assert.equal(heard, records, 'the commit reports the records it stored')
  assert.equal(await writer.committedJournalRecords(journalId), records)
  assert.equal(await writer.committedJournalRecords('0000000000000000'), [], 'another journal\'s numbers are apart')
  await writer.close()
  const again = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', journalId })
  assert.equal(await again.committedJournalRecords(journalId), records)
  const rows = await (await again.connect()).runAndReadAll('SELECT count(*) FROM logs')
  assert.is(Number(rows.getRowsJS()[0]![0]), 3)
  await again.close()
  for (const c of chunks) c.release()
  engine.closeJournal()
})

commits.run()
