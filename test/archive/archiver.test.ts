import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ArchiveStore } from '../../src/archive/archive-store.js'
import { Archiver, type ArchivePlan } from '../../src/archive/archiver.js'
import { LocalArchiveStore } from '../../src/archive/local-store.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { Retention } from '../../src/store/retention.js'
import { quoteLiteral } from '../../src/store/sql-quote.js'
import { DAYS, writeDays } from '../support/log-days.js'
import { manualClock, tempDataDir } from '../store/helpers.js'

const test = suite('Archiver')

/** `sql` over a fresh in-memory DuckDB, rows as arrays of strings (so values compare exactly). */
async function query(sql: string, attach?: string): Promise<string[][]> {
  const db = await DuckDBInstance.create(':memory:')
  try {
    const c = await db.connect()
    if (attach !== undefined) await c.run(`ATTACH ${quoteLiteral(attach)} AS d (READ_ONLY)`)
    const rows = (await c.runAndReadAll(sql)).getRows().map((r) => r.map((v) => (v === null ? 'NULL' : String(v))))
    c.closeSync()
    return rows
  } finally {
    db.closeSync()
  }
}

interface Rig {
  dataDir: string
  archiveDir: string
  plan: ArchivePlan
  events: [string, Record<string, unknown>][]
  archiver: (store?: (dir: string) => ArchiveStore) => Archiver
}

async function rig(retentionDays = 3650): Promise<Rig> {
  const dataDir = tempDataDir()
  const archiveDir = await mkdtemp(join(tmpdir(), 'logsift-archive-'))
  // Three closed days of 600 rows; "today" is the fourth, which has no file yet.
  await writeDays(dataDir, DAYS.slice(0, 3), 600)
  const plan: ArchivePlan = { dataDir, timezone: 'UTC', engines: [{ name: 'fw', archive: { dir: archiveDir, retentionDays } }] }
  const events: Rig['events'] = []
  return {
    dataDir,
    archiveDir,
    plan,
    events,
    archiver: (store) =>
      Archiver.start({
        plan: () => plan,
        openDays: () => [DAYS[3]],
        clock: manualClock(`${DAYS[3]}T12:00:00Z`),
        intervalMs: 3_600_000,
        log: (_level, event, fields) => void events.push([event, fields ?? {}]),
        ...(store && { openStore: (c: { dir: string }) => store(c.dir) }),
      }),
  }
}

const parquetOf = (archiveDir: string, day: string) => join(archiveDir, 'engine=fw', `date=${day}`, 'part-0.parquet')

test('backfill archives every closed day at its key, sorted by received_at, with the day file’s rows, columns and values', async () => {
  const r = await rig()
  const a = r.archiver()
  await a.sweep()
  await a.stop()
  for (const day of DAYS.slice(0, 3)) {
    // The path is hive-style: without this DuckDB would add its date and engine as columns.
    const parquet = `${quoteLiteral(parquetOf(r.archiveDir, day))}, hive_partitioning = false`
    const dayFile = dayFilePath(r.dataDir, 'fw', day)
    assert.equal(await query(`SELECT count(*) FROM read_parquet(${parquet})`), [['600']])
    // Same columns, same types, same order as the day file.
    assert.equal(
      await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${parquet}))`),
      await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM d.logs)`, dayFile),
    )
    // Every row equal: nothing in one that is not in the other.
    assert.equal(await query(`SELECT count(*) FROM (SELECT * FROM d.logs EXCEPT ALL SELECT * FROM read_parquet(${parquet}))`, dayFile), [['0']])
    assert.equal(await query(`SELECT count(*) FROM (SELECT received_at < lag(received_at) OVER () AS back FROM read_parquet(${parquet})) WHERE back`), [['0']])
    assert.equal(await query(`SELECT DISTINCT compression FROM parquet_metadata(${quoteLiteral(parquetOf(r.archiveDir, day))})`), [['ZSTD']])
  }
  // Today is open: not archived.
  assert.not.ok(existsSync(join(r.archiveDir, 'engine=fw', `date=${DAYS[3]}`)))
  const record = JSON.parse(readFileSync(join(r.dataDir, '.archive', 'fw.json'), 'utf8')) as Record<string, { rows: number; key: string }>
  assert.equal(Object.keys(record).sort(), DAYS.slice(0, 3))
  assert.equal([record[DAYS[0]]!.rows, record[DAYS[0]]!.key], [600, `engine=fw/date=${DAYS[0]}/part-0.parquet`])
  assert.equal(r.events.filter(([e]) => e === 'archive.written').map(([, f]) => [f.day, f.rows]), DAYS.slice(0, 3).map((d) => [d, 600]))
  // No temporary file left beside the record.
  assert.equal(readdirSync(join(r.dataDir, '.archive')), ['fw.json'])
})

test('a second sweep archives nothing again; a day archived but not recorded (a crash before the record) is archived again', async () => {
  const r = await rig()
  const a = r.archiver()
  await a.sweep()
  const record = join(r.dataDir, '.archive', 'fw.json')
  const kept = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>
  delete kept[DAYS[1]]
  await writeFile(record, JSON.stringify(kept))
  r.events.length = 0
  await a.sweep()
  await a.stop()
  assert.equal(r.events.filter(([e]) => e === 'archive.written').map(([, f]) => f.day), [DAYS[1]])
  assert.ok(await a.isArchived('fw', DAYS[1]))
})

test('a store that fails a write leaves no key and no record; the day is archived on the next sweep', async () => {
  const r = await rig()
  // The first sweep (at start) and the next one fail; the third succeeds.
  let failures = 2
  const flaky = (dir: string): ArchiveStore => {
    const local = new LocalArchiveStore(dir)
    return Object.assign(Object.create(local) as ArchiveStore, {
      put: async (file: string, key: string) => {
        if (key.includes(DAYS[0]) && failures-- > 0) throw new Error('connection reset')
        return local.put(file, key)
      },
    })
  }
  const a = r.archiver(flaky)
  await a.sweep()
  assert.is(failures, 0)
  assert.not.ok(existsSync(parquetOf(r.archiveDir, DAYS[0])))
  assert.not.ok(await a.isArchived('fw', DAYS[0]))
  const failed = r.events.find(([e]) => e === 'archive.failed')
  assert.equal([failed?.[1].day, String(failed?.[1].error).includes('connection reset')], [DAYS[0], true])
  await a.sweep()
  await a.stop()
  assert.ok(await a.isArchived('fw', DAYS[0]))
  assert.equal(await query(`SELECT count(*) FROM read_parquet(${quoteLiteral(parquetOf(r.archiveDir, DAYS[0]))})`), [['600']])
})

test('retention keeps an expired day file until its day is archived, then deletes it; archive retention removes old archived days', async () => {
  // Today is 2024-05-04: with 1 day kept, 05-01 and 05-02 are expired.
  const r = await rig(1)
  const events: string[] = []
  const retention = (archiver: Archiver) =>
    Retention.start({
      plan: () => ({ dataDir: r.dataDir, timezone: 'UTC', engines: [{ name: 'fw', retentionDays: 1, archive: {} }] }),
      openDays: () => [],
      audit: async () => {},
      archived: (engine, day) => archiver.isArchived(engine, day),
      clock: manualClock(`${DAYS[3]}T12:00:00Z`),
      intervalMs: 3_600_000,
      log: (_l, event, fields) => void events.push(`${event} ${fields?.day}`),
    })
  // Nothing recorded: both expired files stay.
  const noRecord = { isArchived: async () => false } as unknown as Archiver
  await (await retention(noRecord)).stop()
  assert.ok(existsSync(dayFilePath(r.dataDir, 'fw', DAYS[0])))
  assert.ok(existsSync(dayFilePath(r.dataDir, 'fw', DAYS[1])))
  assert.equal(events, [`retention.waiting_for_archive ${DAYS[0]}`, `retention.waiting_for_archive ${DAYS[1]}`])
  // Archived (and archive retention of 1 day removed 05-01 and 05-02 from the archive again, so keep it long here).
  r.plan.engines = [{ name: 'fw', archive: { dir: r.archiveDir, retentionDays: 3650 } }]
  const a = r.archiver()
  await a.sweep()
  await (await retention(a)).stop()
  await a.stop()
  assert.not.ok(existsSync(dayFilePath(r.dataDir, 'fw', DAYS[0])))
  assert.not.ok(existsSync(dayFilePath(r.dataDir, 'fw', DAYS[1])))
  assert.ok(existsSync(dayFilePath(r.dataDir, 'fw', DAYS[2])))
  assert.ok(existsSync(parquetOf(r.archiveDir, DAYS[0])))
  // Archive retention of 1 day: 05-01 and 05-02 go from the archive and the record.
  r.plan.engines = [{ name: 'fw', archive: { dir: r.archiveDir, retentionDays: 1 } }]
  r.events.length = 0
  const b = r.archiver()
  await b.sweep()
  await b.stop()
  assert.not.ok(existsSync(parquetOf(r.archiveDir, DAYS[0])))
  assert.not.ok(existsSync(parquetOf(r.archiveDir, DAYS[1])))
  assert.ok(existsSync(parquetOf(r.archiveDir, DAYS[2])))
  assert.equal(r.events.filter(([e]) => e === 'archive.expired').map(([, f]) => f.day), [DAYS[0], DAYS[1]])
  assert.not.ok(await b.isArchived('fw', DAYS[0]))
})

test.run()
