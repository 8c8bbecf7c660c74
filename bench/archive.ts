/**
 * @module
 * `npx tsx bench/archive.ts`: what archiving a day costs (issue 17). Writes closed day files
 * of `--rows` Mikrotik-like rows (default 1M and 5M; `bench/mikrotik-rows.ts`) through a real
 * writer, archives each with the archiver's own Parquet writer ({@link writeDayParquet}),
 * `--runs` times (default 3), and reports the day file's and the Parquet file's size per
 * million rows and the median time to archive the day.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeDayParquet } from '../src/archive/archiver.js'
import { dayFilePath } from '../src/store/day-files.js'
import { DuckDBWriter } from '../src/store/duckdb-writer.js'
import { manualClock } from '../test/store/helpers.js'
import { writeMikrotikRows } from './mikrotik-rows.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1]! : fallback
}
const sizes = option('rows', '1000000,5000000').split(',').map(Number)
const runs = Number(option('runs', '3'))
const DAY = '2026-11-30'

const mb = (bytes: number) => (bytes / 1e6).toFixed(1)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(`archive of a closed day file, ${runs} runs each (median), load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`)
console.log('rows        day file   MB/M rows   parquet   MB/M rows   ratio   archive time   rows/s')
for (const rows of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-archive-'))
  try {
    const writer = await DuckDBWriter.create({ dataDir: dir, engine: 'bench', timezone: 'UTC', clock: manualClock(`${DAY}T12:00:00Z`) })
    await writeMikrotikRows(writer, DAY, rows)
    await writer.close()
    const dayFile = dayFilePath(dir, 'bench', DAY)
    const dayBytes = statSync(dayFile).size
    const times: number[] = []
    let parquetBytes = 0
    for (let r = 0; r < runs; r++) {
      const out = join(dir, `run-${r}.parquet`)
      const started = performance.now()
      const copied = await writeDayParquet(dayFile, out)
      times.push(performance.now() - started)
      if (copied !== rows) throw new Error(`archived ${copied} rows of ${rows}`)
      parquetBytes = statSync(out).size
      rmSync(out)
    }
    const ms = median(times)
    const perM = (b: number) => mb((b / rows) * 1e6)
    console.log(
      [
        rows.toLocaleString('en-US').padEnd(10),
        `${mb(dayBytes)} MB`.padStart(10),
        perM(dayBytes).padStart(11),
        `${mb(parquetBytes)} MB`.padStart(9),
        perM(parquetBytes).padStart(11),
        (parquetBytes / dayBytes).toFixed(2).padStart(7),
        `${(ms / 1000).toFixed(2)} s`.padStart(14),
        `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')}`.padStart(8),
      ].join(' '),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
