import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { openLogs, queryLogs } from '../../src/store/query.js'
import { makeBatch, manualClock, specColumns, tempDataDir, us } from './helpers.js'

const t = (iso: string) => new Date(iso)

/** Day 1 (closed) has `pppoe`; day 2 (open in the writer) has `pppoe` and `src_ip`/`src_port`. */
async function twoDays() {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T12:00:00Z')
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  const v1 = specColumns([['pppoe', 'varchar']])
  const v2 = specColumns([['pppoe', 'varchar'], ['src_ip', 'varchar'], ['src_port', 'integer']])
  await writer.append(
    makeBatch(v1, [
      { received_at: us('2024-05-01T08:00:00Z'), pppoe: 'early', original_log: 'a' },
      { received_at: us('2024-05-01T23:59:59.999Z'), pppoe: 'late', original_log: 'b' },
    ]),
  )
  await writer.flush()
  clock.set('2024-05-02T00:05:00Z')
  await writer.flush() // past midnight and the grace minute: day 1 is closed
  await writer.append(
    makeBatch(v2, [
      { received_at: us('2024-05-02T00:00:01Z'), pppoe: 'carol', src_ip: '10.0.0.1', src_port: 22, original_log: 'c' },
      { received_at: us('2024-05-02T09:00:00Z'), src_ip: '10.0.0.2', src_port: 443, original_log: 'd' },
    ]),
  )
  await writer.flush()
  assert.equal(writer.stats().openDays, ['2024-05-02'])
  return { dataDir, writer }
}

const pick = (rows: Record<string, unknown>[]) => rows.map((r) => [r.received_at, r.pppoe, r.src_ip, r.src_port, r.original_log])

const query = suite('queryLogs')

query('two days with different columns read together, newest first, today through the writer', async () => {
  const { dataDir, writer } = await twoDays()
  const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
  const rows = await queryLogs(source, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-03T00:00:00Z') })
  assert.equal(pick(rows), [
    [t('2024-05-02T09:00:00Z'), null, '10.0.0.2', 443, 'd'],
    [t('2024-05-02T00:00:01Z'), 'carol', '10.0.0.1', 22, 'c'],
    [t('2024-05-01T23:59:59.999Z'), 'late', null, null, 'b'],
    [t('2024-05-01T08:00:00Z'), 'early', null, null, 'a'],
  ])
  assert.equal(Object.keys(rows[0]!), [
    'received_at', 'sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'proc_id', 'msg_id', 'log_time',
    'pppoe', 'src_ip', 'src_port', 'original_log',
  ])
  await writer.close()
})

query('the range is half-open and selects only the days it spans', async () => {
  const { dataDir, writer } = await twoDays()
  const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
  const relation = await openLogs(source, { from: t('2024-05-01T23:00:00Z'), to: t('2024-05-02T09:00:00Z') })
  assert.equal(relation.days, ['2024-05-01', '2024-05-02'])
  const reader = await relation.connection.runAndReadAll('SELECT original_log FROM logs ORDER BY received_at')
  assert.equal(reader.getRows(), [['b'], ['c']])
  await relation.close()

  const oneDay = await openLogs(source, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-02T00:00:00Z') })
  assert.equal(oneDay.days, ['2024-05-01'])
  await oneDay.close()
  await writer.close()
})

query('closing a relation detaches its days from the writer instance', async () => {
  const { dataDir, writer } = await twoDays()
  const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
  await queryLogs(source, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-03T00:00:00Z') })
  const c = await writer.connect()
  const databases = await c.runAndReadAll(`SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1`)
  // The writer's own: its in-memory default and the day file it holds (open-day.ts).
  assert.equal(databases.getRows(), [['day_file'], ['memory']])
  c.closeSync()
  await writer.close()
})

query('without a writer every day is attached read-only', async () => {
  const { dataDir, writer } = await twoDays()
  await writer.close()
  const rows = await queryLogs({ dataDir, engine: 'fw', timezone: 'UTC' }, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-03T00:00:00Z') }, { limit: 3 })
  assert.equal(pick(rows), [
    [t('2024-05-02T09:00:00Z'), null, '10.0.0.2', 443, 'd'],
    [t('2024-05-02T00:00:01Z'), 'carol', '10.0.0.1', 22, 'c'],
    [t('2024-05-01T23:59:59.999Z'), 'late', null, null, 'b'],
  ])
})

query('a day still in its grace period is read through a read-only attach', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T23:59:00Z')
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  const columns = specColumns()
  await writer.append(makeBatch(columns, [{ received_at: us('2024-05-01T23:59:30Z'), original_log: 'y' }]))
  clock.set('2024-05-02T00:00:10Z')
  await writer.append(makeBatch(columns, [{ received_at: us('2024-05-02T00:00:05Z'), original_log: 't' }]))
  await writer.flush()
  assert.equal(writer.stats().openDays, ['2024-05-01', '2024-05-02'])
  const rows = await queryLogs({ dataDir, engine: 'fw', timezone: 'UTC', writer }, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-03T00:00:00Z') })
  assert.equal(rows.map((r) => r.original_log), ['t', 'y'])
  await writer.close()
})

query('after a zone change, rows are found in files named by the zone they were written in', async () => {
  const dataDir = tempDataDir()
  // 2024-05-01 22:30 in New York is 2024-05-02 02:30 UTC and 08:00 on 2024-05-02 in Kolkata.
  const at = '2024-05-02T02:30:00Z'
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'America/New_York', clock: manualClock(at) })
  await writer.append(makeBatch(specColumns(), [{ received_at: us(at), original_log: 'written on the 1st in New York' }]))
  await writer.close()
  const source = { dataDir, engine: 'fw', timezone: 'Asia/Kolkata' }
  const hour = await queryLogs(source, { from: t('2024-05-02T02:00:00Z'), to: t('2024-05-02T03:00:00Z') })
  assert.equal(hour.map((r) => r.original_log), ['written on the 1st in New York'])
  // The bounds still hold exactly: the same files, a range just after the row.
  const after = await queryLogs(source, { from: t('2024-05-02T02:30:00.001Z'), to: t('2024-05-02T04:00:00Z') })
  assert.equal(after, [])
})

query('no day files: an empty relation with the fixed columns', async () => {
  const dataDir = tempDataDir()
  const relation = await openLogs({ dataDir, engine: 'none', timezone: 'UTC' }, { from: t('2024-05-01T00:00:00Z'), to: t('2024-05-02T00:00:00Z') })
  assert.equal(relation.days, [])
  const reader = await relation.connection.runAndReadAll('SELECT * FROM logs')
  assert.is(reader.currentRowCount, 0)
  assert.equal(reader.columnNames(), [
    'received_at', 'sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'proc_id', 'msg_id', 'log_time', 'original_log',
  ])
  await relation.close()
})

query.run()
