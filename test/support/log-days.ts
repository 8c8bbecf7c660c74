/**
 * @module
 * Four days of one engine for the browse, SQL and export tests: three closed day files
 * written by {@link DuckDBWriter} from hand-built batches (the engine's input format),
 * and "today" held open by a running writer. Day two has an extra column, `vlan`. A closed
 * day can be archived as the archiver lays it out ({@link archiveDay}).
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { archiveKey } from '../../src/archive/archived-days.js'
import type { ColumnType } from '../../src/engine/batch.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { quoteLiteral } from '../../src/store/sql-quote.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import type { LogsSource } from '../../src/store/query.js'
import { makeBatch, manualClock, specColumns, tempDataDir, type Row } from '../store/helpers.js'

/** The days, oldest first; the last is "today" for the open writer. */
export const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04'] as const

/** Addresses cycled through `sender_ip`, IPv4 and IPv6. */
export const SENDERS = ['10.1.2.3', '10.1.200.9', '10.2.0.1', '192.0.2.77', '2001:db8::1', '2001:db8:0:1::ff', '2001:db9::5', 'fe80::1']

/** Lines an attacker could send: HTML and script that must show as text. */
export const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>']

/** The row `i` of `day`: three rows share each received_at, so paging must break ties. */
export function dayRow(day: string, i: number): Row {
  const at = BigInt(Date.parse(`${day}T00:00:00Z`)) * 1000n + BigInt(Math.floor(i / 3)) * 1_000_000n + 250n
  const user = `user${i % 17}`
  return {
    received_at: at,
    sender_ip: SENDERS[i % SENDERS.length]!,
    sender: i % 2 === 0 ? 'core' : 'edge',
    facility: i % 24,
    severity: i % 8,
    hostname: `gw${i % 5}`,
    pppoe: i % 11 === 0 ? null : user,
    destination_ip: i % 4 === 0 ? `203.0.113.${i % 256}` : `2001:db8:${(i % 3).toString(16)}::${(i % 200).toString(16)}`,
    destination_port: 1000 + (i % 50),
    vlan: day === DAYS[1] ? `v${i % 4}` : undefined,
    original_log: i % 97 === 0 ? `${HOSTILE[i % 2]} #${i}` : `${day} line ${i} in:<pppoe-${user}> proto TCP`,
  }
}

/** The columns of a day's batches. */
export function dayColumns(day: string): [string, ColumnType][] {
  const fields: [string, ColumnType][] = [['pppoe', 'varchar'], ['destination_ip', 'varchar'], ['destination_port', 'integer']]
  if (day === DAYS[1]) fields.push(['vlan', 'varchar'])
  return specColumns(fields)
}

/** Writes `days` (closed afterwards) into `dataDir` for engine `fw`, each by a writer of its own day. */
export async function writeDays(dataDir: string, days: readonly string[], rowsPerDay: number): Promise<void> {
  for (const day of days) {
    const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${day}T12:00:00Z`) })
    await writer.append(makeBatch(dayColumns(day), Array.from({ length: rowsPerDay }, (_, i) => dayRow(day, i))))
    await writer.close()
  }
}

/** Appends today's rows (the last of {@link DAYS}) through a running writer and commits them. */
export async function writeToday(writer: DuckDBWriter, rowsPerDay: number): Promise<void> {
  const day = DAYS[3]
  await writer.append(makeBatch(dayColumns(day), Array.from({ length: rowsPerDay }, (_, i) => dayRow(day, i))))
  await writer.flush()
}

/** Writes the three past days and opens today in a writer that stays running. */
export async function fourDays(rowsPerDay = 600): Promise<{ dataDir: string; writer: DuckDBWriter; source: LogsSource }> {
  const dataDir = tempDataDir()
  await writeDays(dataDir, DAYS.slice(0, 3), rowsPerDay)
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  await writeToday(writer, rowsPerDay)
  return { dataDir, writer, source: { dataDir, engine: 'fw', timezone: 'UTC', writer } }
}

/**
 * Copies engine `fw`'s closed `day` into `archiveDir` in the archive's layout, as Parquet
 * written by DuckDB's COPY in row order; resolves with the Parquet file's path.
 */
export async function archiveDay(dataDir: string, archiveDir: string, day: string, engine = 'fw'): Promise<string> {
  const target = join(archiveDir, ...archiveKey(engine, day).split('/'))
  await mkdir(dirname(target), { recursive: true })
  const db = await DuckDBInstance.create(':memory:')
  try {
    const c = await db.connect()
    await c.run(`ATTACH ${quoteLiteral(dayFilePath(dataDir, 'fw', day))} AS day (READ_ONLY)`)
    await c.run(`COPY (SELECT * FROM day.logs ORDER BY rowid) TO ${quoteLiteral(target)} (FORMAT parquet)`)
    c.closeSync()
  } finally {
    db.closeSync()
  }
  return target
}
