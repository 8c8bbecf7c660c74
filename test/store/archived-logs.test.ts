/**
 * @module
 * Issue 17: days whose day file retention deleted are read from the engine's archive.
 * Three closed days; 2024-05-01 is archived and its day file deleted, 2024-05-02 is
 * archived and kept (the day file wins), 2024-05-03 is only a day file. Browse, count,
 * SQL, histogram, top values and export must see exactly the rows of each day once.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { archivedDays, LISTING_TTL_MS } from '../../src/archive/archived-days.js'
import { LocalArchiveStore } from '../../src/archive/local-store.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { browseLogs, countLogs, exportLogs, findLogRow, runSql, SearchError, type RowKey } from '../../src/store/log-search.js'
import { histogramLogs, topValues } from '../../src/store/log-summary.js'
import type { LogsSource } from '../../src/store/query.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { archiveDay, DAYS, dayRow, writeDays, writeToday } from '../support/log-days.js'
import { manualClock, tempDataDir } from './helpers.js'

const ROWS = 600
const GONE = DAYS[0]
const BOTH = DAYS[1]
const LIVE = DAYS[2]
const TODAY = DAYS[3]

/** `[day 00:00, last day + 1 00:00)` in UTC. */
function daysRange(first: string, last = first): { from: number; to: number } {
  return { from: Date.parse(`${first}T00:00:00Z`), to: Date.parse(`${last}T00:00:00Z`) + 86_400_000 }
}

interface Ctx {
  dataDir: string
  archiveDir: string
  source: LogsSource
  /** The CSV export of GONE while its day file still existed. */
  goneCsv: string
  otherEngineFile: string
}

const test = suite<Ctx>('archived days')

test.before(async (ctx) => {
  ctx.dataDir = tempDataDir()
  ctx.archiveDir = mkdtempSync(join(tmpdir(), 'logsift-archive-'))
  await writeDays(ctx.dataDir, DAYS.slice(0, 3), ROWS)
  ctx.source = { dataDir: ctx.dataDir, engine: 'fw', timezone: 'UTC', archive: new LocalArchiveStore(ctx.archiveDir) }
  const before = await exportLogs({ dataDir: ctx.dataDir, engine: 'fw', timezone: 'UTC' }, daysRange(GONE), { kind: 'filter', filters: [] }, 'csv')
  ctx.goneCsv = readFileSync(before.path, 'utf8')
  await before.remove()
  await archiveDay(ctx.dataDir, ctx.archiveDir, GONE)
  await archiveDay(ctx.dataDir, ctx.archiveDir, BOTH)
  // Another engine's archive, which fw's SQL must not read.
  ctx.otherEngineFile = await archiveDay(ctx.dataDir, ctx.archiveDir, LIVE, 'other')
  await rm(dayFilePath(ctx.dataDir, 'fw', GONE))
})

test.after(async (ctx) => {
  await rm(ctx.dataDir, { recursive: true, force: true })
  await rm(ctx.archiveDir, { recursive: true, force: true })
})

async function count(source: LogsSource, range: { from: number; to: number }, sql = 'SELECT count(*) FROM logs'): Promise<string> {
  return (await runSql(source, range, sql)).rows[0]![0]!
}

test('SQL counts exactly the archived rows of a deleted day', async ({ source }) => {
  assert.is(await count(source, daysRange(GONE)), String(ROWS))
  assert.is(await count(source, daysRange(GONE), "SELECT count(*) FROM logs WHERE original_log LIKE '2024-05-01 line %'"), String(ROWS - 7))
})

test('a range over an archived day and a day file reads both, and a day in both places once', async ({ source }) => {
  assert.is(await count(source, daysRange(GONE, LIVE)), String(3 * ROWS))
  assert.is(await count(source, daysRange(BOTH)), String(ROWS))
  assert.is(await count(source, daysRange(GONE, BOTH), 'SELECT count(DISTINCT (received_at, original_log)) FROM logs'), String(2 * ROWS))
  // Day two's extra column comes from its day file; the archived day has it NULL.
  assert.is(await count(source, daysRange(GONE, BOTH), 'SELECT count(vlan) FROM logs'), String(ROWS))
})

test('without an archive the deleted day has no rows', async ({ dataDir }) => {
  assert.is(await count({ dataDir, engine: 'fw', timezone: 'UTC' }, daysRange(GONE, LIVE)), String(2 * ROWS))
})

test('browse pages an archived day newest first, every row once, and finds a row by its key', async ({ source }) => {
  const filters = [{ column: 'sender_ip', op: 'cidr' as const, value: '10.1.0.0/16' }]
  const expected = Array.from({ length: ROWS }, (_, i) => dayRow(GONE, i)).filter((_, i) => i % 8 < 2)
  const goneEndUs = BigInt(daysRange(GONE).to) * 1000n
  const seen: string[] = []
  let after: RowKey | undefined
  let first = true
  do {
    const page = await browseLogs(source, daysRange(GONE, LIVE), { filters, pageSize: 40, ...(after ? { after } : {}) })
    if (first) {
      assert.equal(page.days, [GONE, BOTH, LIVE])
      assert.equal(page.archived, [GONE])
      first = false
    }
    seen.push(...page.rows.filter((r) => r.key.receivedAtUs < goneEndUs).map((r) => `${r.key.receivedAtUs}.${r.key.rowid}`))
    after = page.next
  } while (after)
  assert.is(seen.length, expected.length)
  assert.is(new Set(seen).size, expected.length)
  assert.is(await countLogs(source, daysRange(GONE), filters), expected.length)
  const [at, id] = seen[0]!.split('.')
  const row = await findLogRow(source, { receivedAtUs: BigInt(at!), rowid: BigInt(id!) })
  assert.is(row?.values.original_log, expected[expected.length - 1]!.original_log)
})

test('histogram and top values count the archived day', async ({ source }) => {
  const range = daysRange(GONE, BOTH)
  const histogram = await histogramLogs(source, range, [], { originMs: range.from, widthMs: 86_400_000, count: 2 })
  assert.equal(histogram.counts, [ROWS, ROWS])
  const top = await topValues(source, daysRange(GONE), [], 'sender')
  assert.equal(top.values, [
    { value: 'core', count: ROWS / 2 },
    { value: 'edge', count: ROWS / 2 },
  ])
})

test('the CSV export of the archived day is the export of its day file', async ({ source, goneCsv }) => {
  const file = await exportLogs(source, daysRange(GONE), { kind: 'filter', filters: [] }, 'csv')
  try {
    assert.is(readFileSync(file.path, 'utf8'), goneCsv)
  } finally {
    await file.remove()
  }
})

test("SQL may not read another engine's archive or any other file", async ({ source, otherEngineFile, dataDir }) => {
  for (const path of [otherEngineFile, join(dataDir, '..', 'elsewhere.parquet')]) {
    try {
      await runSql(source, daysRange(GONE), `SELECT count(*) FROM read_parquet('${path}')`)
      assert.unreachable(`read ${path}`)
    } catch (e) {
      assert.instance(e, SearchError)
      assert.match((e as Error).message, /Permission Error/)
    }
  }
})

test('the archive is listed only for a range with a day that has no day file', async ({ dataDir }) => {
  // A store whose root is a file cannot be listed: the range of day files never asks it.
  const notADir = join(dataDir, 'fw', `${LIVE}.duckdb`)
  const source = { dataDir, engine: 'fw', timezone: 'UTC', archive: new LocalArchiveStore(notADir) }
  assert.is(await count(source, daysRange(BOTH, LIVE)), String(2 * ROWS))
  try {
    await count(source, daysRange(GONE))
    assert.unreachable('listed an archive that is a file')
  } catch (e) {
    assert.is((e as Error).message, `cannot list the archived days of engine "fw" in ${notADir}`)
  }
})

test("today's instance, locked before the engine had an archive, refuses archived days with the reason", async ({ dataDir, archiveDir }) => {
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${TODAY}T12:00:00Z`) })
  try {
    await writeToday(writer, ROWS)
    const before = { dataDir, engine: 'fw', timezone: 'UTC', writer }
    assert.is(await count(before, daysRange(TODAY)), String(ROWS))
    const after = { ...before, archive: new LocalArchiveStore(archiveDir) }
    assert.is(await count(after, daysRange(BOTH, TODAY)), String(3 * ROWS))
    try {
      await count(after, daysRange(GONE, TODAY))
      assert.unreachable('read an archived day through an instance locked without it')
    } catch (e) {
      assert.instance(e, SearchError)
      assert.is(
        (e as Error).message,
        'The archive of engine "fw" was set up after today\'s day file was opened: archived days can be read together with today from tomorrow on. Choose a range that ends before today.',
      )
    }
  } finally {
    await writer.close()
  }
})

test('a listing is reused for a few seconds, then asked again', async ({ archiveDir, dataDir }) => {
  const store = new LocalArchiveStore(archiveDir)
  const now = Date.now() + 3_600_000 // past any listing the tests above cached
  assert.equal([...(await archivedDays(store, 'fw', now)).keys()], [GONE, BOTH])
  await archiveDay(dataDir, archiveDir, LIVE)
  assert.equal([...(await archivedDays(store, 'fw', now + 1)).keys()], [GONE, BOTH])
  assert.equal([...(await archivedDays(store, 'fw', now + LISTING_TTL_MS)).keys()], [GONE, BOTH, LIVE])
})

test.run()
