/**
 * Issue 17: the archive is read as it is by a real distributed engine. PySpark in local
 * mode reads the whole archive directory, discovers `engine` and `date` from the hive
 * layout, prunes to one date, and gets the counts and values DuckDB gets from the day
 * files. Under CI a missing PySpark fails the test (`.ci/run` installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Archiver } from '../../src/archive/archiver.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { quoteLiteral } from '../../src/store/sql-quote.js'
import { DAYS, writeDays } from '../support/log-days.js'
import { manualClock, tempDataDir } from '../store/helpers.js'

const hasPySpark = spawnSync('python3', ['-c', 'import pyspark'], { stdio: 'ignore' }).status === 0

interface SparkResult {
  columns: string[]
  per_date: Record<string, number>
  totals: { rows: number; port_sum: number; senders: number; pppoe_rows: number; first_us: number; last_us: number }
  first_lines: string[]
  partition_filters: string[]
}

test('PySpark reads the archive as it is: partitions discovered, one date pruned, the same counts and values as DuckDB', async () => {
  if (!hasPySpark) {
    if (process.env.CI === 'true') assert.unreachable('PySpark is not installed (pip install pyspark), and CI must run this test')
    console.log('skipped: PySpark is not installed (pip install pyspark)')
    return
  }
  const dataDir = tempDataDir()
  const archiveDir = await mkdtemp(join(tmpdir(), 'logsift-spark-'))
  await writeDays(dataDir, DAYS.slice(0, 3), 600)
  const archiver = Archiver.start({
    plan: () => ({ dataDir, timezone: 'UTC', engines: [{ name: 'fw', archive: { dir: archiveDir, retentionDays: 3650 } }] }),
    openDays: () => [],
    clock: manualClock(`${DAYS[3]}T12:00:00Z`),
    intervalMs: 3_600_000,
    log: () => {},
  })
  await archiver.sweep()
  await archiver.stop()

  const day = DAYS[1]
  const out = execFileSync('python3', [join(import.meta.dirname, '..', 'support', 'spark-read.py'), archiveDir, day], { encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] })
  const spark = JSON.parse(out.trim().split('\n').at(-1)!) as SparkResult

  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  await c.run(`ATTACH ${quoteLiteral(dayFilePath(dataDir, 'fw', day))} AS d (READ_ONLY)`)
  const [expected] = (
    await c.runAndReadAll(
      `SELECT count(*)::BIGINT, sum(destination_port)::BIGINT, count(DISTINCT sender_ip)::BIGINT, count(pppoe)::BIGINT, epoch_us(min(received_at)), epoch_us(max(received_at)) FROM d.logs`,
    )
  ).getRows()
  const lines = (await c.runAndReadAll('SELECT original_log FROM d.logs ORDER BY received_at, original_log LIMIT 3')).getRows().map((r) => r[0])
  c.closeSync()
  db.closeSync()

  assert.equal(spark.per_date, Object.fromEntries(DAYS.slice(0, 3).map((d) => [d, 600])))
  // Day two alone has vlan: merged in, as the console's UNION ALL BY NAME does.
  assert.ok(['original_log', 'vlan', 'date', 'engine'].every((c) => spark.columns.includes(c)), spark.columns.join(','))
  assert.equal(
    [spark.totals.rows, spark.totals.port_sum, spark.totals.senders, spark.totals.pppoe_rows, spark.totals.first_us, spark.totals.last_us],
    expected!.map(Number),
  )
  assert.equal(spark.first_lines, lines)
  // Pruned: the scan itself filters on the partition column, so the other days' files are not read.
  assert.ok(spark.partition_filters.some((f) => f.includes(`(date#`) && f.includes(day)), spark.partition_filters.join('\n'))
})

test.run()
