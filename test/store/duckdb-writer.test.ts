import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { lockDown } from '../../src/store/log-search.js'
import { dayMemoryLimitBytes } from '../../src/store/open-day.js'
import { countFromOtherProcess, describe, makeBatch, manualClock, readRows, specColumns, tempDataDir, us, type Row } from './helpers.js'

const FIELDS = specColumns([
  ['pppoe', 'varchar'],
  ['destination_ip', 'varchar'],
  ['destination_port', 'integer'],
])

/** A row of every kind of value, varied by `i` so NULL runs cross chunk boundaries. */
function sampleRow(i: number, base: bigint): Row {
  const texts = ['', 'a', 'twelve chars', 'thirteen char', 'ünï', 'ünïcödé ok!!', 'quote \' and "', 'x'.repeat(300)]
  return {
    received_at: base + BigInt(i),
    sender_ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
    sender: 'any',
    facility: i % 7 === 0 ? null : i % 24,
    severity: i % 8,
    hostname: i % 3 === 0 ? null : 'router1',
    app_name: texts[i % texts.length],
    proc_id: null,
    msg_id: i % 2500 < 2100 ? null : `m${i}`,
    log_time: i % 5 === 0 ? null : base - 1000n * BigInt(i),
    pppoe: i % 11 === 0 ? null : `user${i}`,
    destination_ip: i % 13 === 0 ? null : `93.184.216.${i % 256}`,
    destination_port: i % 13 === 0 ? null : i % 4 === 0 ? 65535 : i % 4 === 1 ? 0 : i,
    original_log: `<${i % 192}>line ${i} ${'·'.repeat(i % 40)}`,
  }
}

/** What DuckDB gives back for `row`: absent becomes null, integers plain numbers. */
function expected(row: Row, columns = FIELDS): Record<string, unknown> {
  const out: Record<string, unknown> = { received_at: row.received_at }
  for (const [name] of columns) out[name] = row[name] ?? null
  return out
}

const writer = suite('DuckDBWriter')

writer('every value round-trips exactly, across chunks, through a second connection and after close', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T10:00:00Z')
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  const rows = Array.from({ length: 5000 }, (_, i) => sampleRow(i, us('2024-05-01T09:00:00Z')))
  await w.append(makeBatch(FIELDS, rows.slice(0, 4500)))
  await w.append(makeBatch(FIELDS, rows.slice(4500)))

  assert.is(w.stored, 0)
  assert.is(w.stats().pending, 5000)
  const live = await w.connect()
  assert.equal(await readRows(live), [], 'uncommitted rows are not visible yet')
  await w.flush()
  assert.is(w.stored, 5000)
  assert.is(w.stats().pending, 0)
  assert.is(w.stats().flushes, 1)
  assert.equal(await readRows(live), rows.map((r) => expected(r)), 'committed rows are visible to a second connection')
  live.closeSync()
  await w.close()

  const file = join(dataDir, 'fw', '2024-05-01.duckdb')
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })
  const c = await db.connect()
  assert.equal(await describe(c), [
    ['received_at', 'TIMESTAMP WITH TIME ZONE'],
    ['sender_ip', 'VARCHAR'],
    ['sender', 'VARCHAR'],
    ['facility', 'UTINYINT'],
    ['severity', 'UTINYINT'],
    ['hostname', 'VARCHAR'],
    ['app_name', 'VARCHAR'],
    ['proc_id', 'VARCHAR'],
    ['msg_id', 'VARCHAR'],
    ['log_time', 'TIMESTAMP WITH TIME ZONE'],
    ['pppoe', 'VARCHAR'],
    ['destination_ip', 'VARCHAR'],
    ['destination_port', 'INTEGER'],
    ['original_log', 'VARCHAR'],
  ])
  const back = await readRows(c)
  assert.is(back.length, 5000)
  back.forEach((row, i) => assert.equal(row, expected(rows[i]!), `row ${i}`))
  // Inline short strings must compare and group like any other string.
  const groups = await c.runAndReadAll(`SELECT count(*)::INTEGER FROM logs WHERE app_name = 'twelve chars' AND sender = 'any'`)
  assert.equal(groups.getRows(), [[625]])
  c.closeSync()
  db.closeSync()
})

writer('commits on its own timer', async () => {
  const dataDir = tempDataDir()
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', flushIntervalMs: 20 })
  const now = BigInt(Date.now()) * 1000n
  await w.append(makeBatch(FIELDS, [sampleRow(1, now)]))
  for (let waited = 0; w.stored === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10))
  assert.is(w.stored, 1)
  await w.close()
})

writer('the memory limit is sized for ordinary lines; a longer value reopens the file for 64 KiB values, also after the console locked its configuration', async () => {
  const dataDir = tempDataDir()
  const losses: number[] = []
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', flushIntervalMs: 3_600_000, onWriteFailure: (loss) => losses.push(loss.rows) })
  const now = BigInt(Date.now()) * 1000n
  const limit = async () => {
    const c = await w.connect()
    try {
      return String((await c.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0]![0])
    } finally {
      c.closeSync()
    }
  }
  await w.append(makeBatch(FIELDS, [sampleRow(7, now)]))
  // 128 MiB + 4 × 2,048 × 4,096 B.
  assert.is(await limit(), '160.0 MiB')
  // What the console does before its first query on today's file: from then on SET memory_limit is refused.
  const console = await w.connect()
  await lockDown(console, { dataDir, engine: 'fw', timezone: 'UTC' })
  console.closeSync()
  const long = { ...sampleRow(1, now), original_log: 'x'.repeat(65_507) }
  await w.append(makeBatch(FIELDS, [long]))
  await w.append(makeBatch(FIELDS, [sampleRow(8, now)]))
  await w.flush()
  assert.is(dayMemoryLimitBytes(65_507), 128 * 2 ** 20 + 4 * 2048 * 65_507)
  assert.is(await limit(), '640.0 MiB')
  assert.equal([w.stored, losses], [3, []])
  await w.close()
  const db = await DuckDBInstance.create(join(dataDir, 'fw', `${new Date().toISOString().slice(0, 10)}.duckdb`))
  const c = await db.connect()
  assert.equal((await c.runAndReadAll('SELECT count(*)::INTEGER, max(length(original_log))::INTEGER FROM logs')).getRows()[0], [3, 65_507])
  c.closeSync()
  db.closeSync()
})

writer('the timer commits beside appends going on: every row stored once, in row groups of 32,768, without dictionary compression', async () => {
  const dataDir = tempDataDir()
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', flushIntervalMs: 15 })
  const base = BigInt(Date.now()) * 1000n
  const chunks = Array.from({ length: 40 }, (_, k) => Array.from({ length: 2000 }, (_, i) => sampleRow(k * 2000 + i, base)))
  // Two appends in flight at a time, as the engine's pump keeps them, with pauses so that
  // several timer commits (each moving appends to another lane) fall between them.
  const inFlight: Promise<void>[] = []
  let storedWhileAppending = 0
  for (const rows of chunks) {
    inFlight.push(w.append(makeBatch(FIELDS, rows)))
    if (inFlight.length >= 2) await inFlight.shift()
    await new Promise((r) => setTimeout(r, 4))
    storedWhileAppending = w.stored
  }
  await Promise.all(inFlight)
  assert.ok(storedWhileAppending > 0 && storedWhileAppending < 80_000, `the timer committed while appends went on (${storedWhileAppending})`)
  assert.ok(w.stats().flushes >= 3, `several commits (${w.stats().flushes})`)
  await w.close()
  assert.is(w.stored, 80_000)

  const file = join(dataDir, 'fw', `${new Date().toISOString().slice(0, 10)}.duckdb`)
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })
  const c = await db.connect()
  const counts = await c.runAndReadAll(`SELECT count(*)::INTEGER, count(DISTINCT original_log)::INTEGER FROM logs`)
  assert.equal(counts.getRows(), [[80_000, 80_000]])
  const largest = await c.runAndReadAll(`SELECT max(count)::INTEGER FROM pragma_storage_info('logs') WHERE column_name = 'received_at' AND segment_type <> 'VALIDITY' GROUP BY row_group_id ORDER BY 1 DESC LIMIT 1`)
  assert.equal(largest.getRows(), [[32_768]])
  // app_name has eight values: DuckDB would choose Dictionary for it, were it not disabled.
  const kinds = await c.runAndReadAll(`SELECT DISTINCT compression FROM pragma_storage_info('logs') WHERE column_name = 'app_name' AND segment_type = 'VARCHAR'`)
  assert.equal(kinds.getRows(), [['FSST']])
  c.closeSync()
  db.closeSync()
})

for (const [oldRows, kind] of [[200_000, 'larger row groups'], [1_000, 'one small row group'], [0, 'no table']] as const) {
  writer(`a day file made with DuckDB's default row group size is appended to (${kind})`, async () => {
    const dataDir = tempDataDir()
    const clock = manualClock('2024-05-01T10:00:00Z')
    const base = us('2024-05-01T09:00:00Z')
    const file = join(dataDir, 'fw', '2024-05-01.duckdb')
    mkdirSync(join(dataDir, 'fw'), { recursive: true })
    const made = await DuckDBInstance.create(file)
    const m = await made.connect()
    if (oldRows > 0) {
      await m.run(`CREATE TABLE logs (received_at TIMESTAMPTZ, original_log VARCHAR)`)
      await m.run(`INSERT INTO logs SELECT TIMESTAMPTZ '2024-05-01 08:00:00+00', 'old ' || i FROM range(${oldRows}) t(i)`)
    }
    m.closeSync()
    made.closeSync()

    const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
    // Across the old size and the new one, in two commits.
    const rows = Array.from({ length: 40_000 }, (_, i) => sampleRow(i, base))
    await w.append(makeBatch(FIELDS, rows.slice(0, 30_000)))
    await w.flush()
    await w.append(makeBatch(FIELDS, rows.slice(30_000)))
    await w.close()
    assert.is(w.stored, 40_000)
    const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })
    const c = await db.connect()
    const r = await c.runAndReadAll(`SELECT count(*)::INTEGER, count(destination_port)::INTEGER, count(DISTINCT original_log)::INTEGER FROM logs`)
    assert.equal(r.getRows(), [[oldRows + 40_000, rows.filter((row) => row.destination_port !== null).length, oldRows + 40_000]])
    c.closeSync()
    db.closeSync()
  })
}

writer('a restart appends to the existing day file', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T10:00:00Z')
  const base = us('2024-05-01T09:00:00Z')
  const first = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  await first.append(makeBatch(FIELDS, [sampleRow(0, base), sampleRow(1, base)]))
  await first.close()
  const second = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  await second.append(makeBatch(FIELDS, [sampleRow(2, base)]))
  await second.flush()
  assert.is(second.stored, 1)
  const c = await second.connect()
  assert.equal(await readRows(c), [0, 1, 2].map((i) => expected(sampleRow(i, base))))
  c.closeSync()
  await second.close()
})

writer('closed writers refuse batches; close is idempotent', async () => {
  const w = await DuckDBWriter.create({ dataDir: tempDataDir(), engine: 'fw', timezone: 'UTC' })
  await w.close()
  await w.close()
  try {
    await w.append(makeBatch(FIELDS, [sampleRow(0, 0n)]))
    assert.unreachable()
  } catch (e) {
    assert.is((e as Error).message, 'the writer of engine "fw" is closed')
  }
})

writer.run()

const rollover = suite('DuckDBWriter rollover')

rollover('a batch straddling midnight is split; the old day is released after the grace period', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T23:59:30+02:00')
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'Europe/Berlin', clock, closeGraceMs: 60_000 })
  assert.is(w.today, '2024-05-01')
  const midnight = us('2024-05-02T00:00:00+02:00')
  const at = (i: number, receivedAt: bigint): Row => ({ ...sampleRow(i, 0n), received_at: receivedAt })
  const rows = [at(1, midnight - 1n), at(2, midnight), at(3, midnight - 3_600_000_000n), at(4, midnight + 1n)]
  await w.append(makeBatch(FIELDS, rows))
  clock.set('2024-05-02T00:00:10+02:00')
  await w.flush()
  assert.is(w.today, '2024-05-02')
  assert.equal(w.stats().openDays, ['2024-05-01', '2024-05-02'])
  assert.is(w.stored, 4)
  const yesterday = join(dataDir, 'fw', '2024-05-01.duckdb')
  assert.match(countFromOtherProcess(yesterday).error ?? '', /lock/i, 'held during the grace period')

  clock.set('2024-05-02T00:01:00.001+02:00')
  await w.flush()
  assert.equal(w.stats().openDays, ['2024-05-02'])
  assert.equal(countFromOtherProcess(yesterday), { count: 2 })

  const db = await DuckDBInstance.create(yesterday, { access_mode: 'READ_ONLY' })
  const c = await db.connect()
  assert.equal(await readRows(c), [rows[2]!, rows[0]!].map((r) => expected(r)))
  c.closeSync()
  db.closeSync()
  const today = await w.connect()
  assert.equal(await readRows(today), [rows[1]!, rows[3]!].map((r) => expected(r)))
  today.closeSync()
  await w.close()
  assert.equal(countFromOtherProcess(join(dataDir, 'fw', '2024-05-02.duckdb')), { count: 2 })
})

rollover('a late row for a closed day reopens its file', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-03T12:00:00Z')
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  await w.append(makeBatch(FIELDS, [sampleRow(0, us('2024-05-01T12:00:00Z')), sampleRow(1, us('2024-05-03T12:00:00Z'))]))
  assert.equal(w.stats().openDays, ['2024-05-01', '2024-05-03'])
  await w.flush()
  assert.equal(w.stats().openDays, ['2024-05-03'])
  assert.is(w.stored, 2)
  await w.close()
  assert.ok(existsSync(join(dataDir, 'fw', '2024-05-01.duckdb')))
  assert.equal(countFromOtherProcess(join(dataDir, 'fw', '2024-05-01.duckdb')), { count: 1 })
})

rollover.run()

const evolution = suite('DuckDBWriter schema evolution')

evolution('a new field adds a column, a dropped one gets NULL, no row is lost', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T10:00:00Z')
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  const base = us('2024-05-01T09:00:00Z')
  const v1 = specColumns([['pppoe', 'varchar']])
  const v2 = specColumns([['pppoe', 'varchar'], ['src_ip', 'varchar'], ['src_port', 'integer']])
  const v3 = specColumns([['src_ip', 'varchar'], ['src_port', 'integer']])
  await w.append(makeBatch(v1, [{ received_at: base + 1n, pppoe: 'alice', original_log: 'one' }]))
  await w.append(makeBatch(v2, [{ received_at: base + 2n, pppoe: 'bob', src_ip: '10.1.1.1', src_port: 443, original_log: 'two' }]))
  await w.append(makeBatch(v3, [{ received_at: base + 3n, src_ip: '10.2.2.2', src_port: 80, original_log: 'three' }]))
  await w.flush()
  assert.is(w.stored, 3)
  const c = await w.connect()
  assert.equal((await describe(c)).slice(10), [
    ['pppoe', 'VARCHAR'],
    ['original_log', 'VARCHAR'],
    ['src_ip', 'VARCHAR'],
    ['src_port', 'INTEGER'],
  ])
  const rows = (await readRows(c)).map((r) => [r.received_at, r.pppoe, r.src_ip, r.src_port, r.original_log])
  assert.equal(rows, [
    [base + 1n, 'alice', null, null, 'one'],
    [base + 2n, 'bob', '10.1.1.1', 443, 'two'],
    [base + 3n, null, '10.2.2.2', 80, 'three'],
  ])
  c.closeSync()
  await w.close()
})

evolution('a column keeps its declared type; other values are converted', async () => {
  const dataDir = tempDataDir()
  const clock = manualClock('2024-05-01T10:00:00Z')
  const w = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock })
  const base = us('2024-05-01T09:00:00Z')
  await w.append(makeBatch([['code', 'varchar'], ['port', 'integer']], [{ received_at: base, code: 'x', port: 1 }]))
  await w.append(
    makeBatch(
      [['code', 'integer'], ['port', 'varchar']],
      [
        { received_at: base + 1n, code: 42, port: '8080' },
        { received_at: base + 2n, code: null, port: 'http' },
      ],
    ),
  )
  await w.flush()
  const c = await w.connect()
  assert.equal(await describe(c), [['received_at', 'TIMESTAMP WITH TIME ZONE'], ['code', 'VARCHAR'], ['port', 'INTEGER']])
  assert.equal((await readRows(c)).map((r) => [r.code, r.port]), [['x', 1], ['42', 8080], [null, null]])
  c.closeSync()
  await w.close()
})

evolution.run()
