/**
 * @module
 * `npx tsx bench/writer.ts`: the storage half of the pipeline alone — `mikrotik-20k.log`
 * extracted once and cut into native chunks of `--chunk` rows, then stored through
 * {@link DuckDBWriter}, two chunks in flight as the engine's pump keeps them, with a
 * commit every `--commit` rows (the rows one flush interval holds at a given rate). Prints the CPU time per stored row (the process's, so other load on the machine
 * matters less than for wall time), the time spent appending and committing, peak RSS and
 * the file size, and the rate of the whole run in wall-clock time (building the chunks
 * included, so a lower bound). It measures what DuckDB settings
 * and the append path cost, without sockets or a load generator.
 *
 * Options: `--rows N` (default 1,000,000), `--commit N` (default 50,000), `--chunk N`
 * (default 2,048, a receiver's chunk), `--sql "SET …"`
 * run on the instance first (e.g. to compare a DuckDB setting).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Batch } from '../src/engine/batch.js'
import { extract } from '../src/engine/extract.js'
import { chunkFromBatch, type RowChunk } from '../src/engine/row-chunk.js'
import { DuckDBWriter } from '../src/store/duckdb-writer.js'
import { corpusLines, mikrotik5 } from '../test/support/corpus.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1]! : fallback
}
const totalRows = Number(option('rows', '1000000'))
const commitRows = Number(option('commit', '50000'))
const sql = option('sql', '')
const CHUNK_ROWS = Number(option('chunk', '2048'))

/** The corpus extracted once and cut into chunks, reused round-robin with fresh receive times. */
function sourceBatches(): Batch[] {
  const lines = corpusLines('mikrotik-20k.log')
  const cls = mikrotik5()
  const count = Math.ceil(lines.length / CHUNK_ROWS)
  return Array.from({ length: count }, (_, k) => {
    const part = Array.from({ length: CHUNK_ROWS }, (_, i) => lines[(k * CHUNK_ROWS + i) % lines.length]!)
    const ex = extract(cls, part)
    return { rowCount: part.length, receivedAtUs: new BigInt64Array(part.length), columns: [...ex.columns, { name: 'original_log', type: 'varchar', values: part }] }
  })
}

const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-writer-'))
const writer = await DuckDBWriter.create({ dataDir: dir, engine: 'bench', timezone: 'UTC', flushIntervalMs: 2 ** 30 })
if (sql !== '') {
  const c = await writer.connect()
  await c.run(sql)
  c.closeSync()
}
const sources = sourceBatches()
let at = BigInt(Date.now()) * 1000n
/** The next chunk; building it from JS strings is test-only work, so its CPU is set aside. */
function nextChunk(n: number): { chunk: RowChunk; cpuUs: number } {
  const before = process.cpuUsage()
  const source = sources[n % sources.length]!
  const times = new BigInt64Array(source.rowCount)
  for (let i = 0; i < times.length; i++) times[i] = at++
  const chunk = chunkFromBatch({ ...source, receivedAtUs: times })
  const used = process.cpuUsage(before)
  return { chunk, cpuUs: used.user + used.system }
}

const cpu0 = process.cpuUsage()
const wall0 = performance.now()
let [appendMs, commitMs, sinceCommit, stored, buildCpuUs] = [0, 0, 0, 0, 0]
// Two chunks in flight, as the engine's pump keeps them.
const inFlight: Promise<void>[] = []
for (let n = 0; stored < totalRows; n++) {
  const { chunk, cpuUs } = nextChunk(n)
  buildCpuUs += cpuUs
  const t = performance.now()
  inFlight.push(writer.append(chunk).finally(() => chunk.release()))
  if (inFlight.length >= 2) await inFlight.shift()
  appendMs += performance.now() - t
  stored += chunk.rowCount
  sinceCommit += chunk.rowCount
  if (sinceCommit >= commitRows) {
    const c = performance.now()
    await writer.flush()
    commitMs += performance.now() - c
    sinceCommit = 0
  }
}
await Promise.all(inFlight)
const c = performance.now()
await writer.close()
commitMs += performance.now() - c
const cpu = process.cpuUsage(cpu0)
const wallS = (performance.now() - wall0) / 1000
const file = readdirSync(join(dir, 'bench')).find((f) => f.endsWith('.duckdb'))!
const fileMb = statSync(join(dir, 'bench', file)).size / 1e6
const rssMb = process.resourceUsage().maxRSS / 1024
console.log(
  `rows ${stored}, commit every ${commitRows}${sql ? `, ${sql}` : ''}: ` +
    `${((cpu.user + cpu.system - buildCpuUs) / stored).toFixed(2)} µs CPU per row, append ${(appendMs / 1000).toFixed(1)} s, ` +
    `commit ${(commitMs / 1000).toFixed(1)} s, peak RSS ${rssMb.toFixed(0)} MB, file ${fileMb.toFixed(0)} MB, ` +
    `${Math.round(stored / wallS / 1000)}k rows/s wall (chunk building included)`,
)
if (process.env.KEEP) console.log(dir); else rmSync(dir, { recursive: true, force: true })
