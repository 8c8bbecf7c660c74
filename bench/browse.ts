/**
 * @module
 * Browse speed (SPEC §10): 10 million rows in today's file, held open by a running
 * writer, then the first page (100 rows, newest first) of filtered browses through
 * `browseLogs` — the same call the Browse page makes — and, when the page came without
 * its total, the `countLogs` the page loads after it. Reports the median of several
 * rounds per filter; the target for the page is ≤ 300 ms. Then the two summaries the
 * page loads after itself over the last 24 hours, `histogramLogs` (15 min buckets) and
 * `topValues` of several columns, whose target is ≤ 1 s each (issue 18).
 *
 * Run: `npx tsx bench/browse.ts` (`--rows 2000000` for a quicker run, `--rounds 9`,
 * `--summaries` for the histogram and top values alone).
 * Not a test: it writes about a gigabyte and takes minutes. `--keep DIR` writes the data
 * into DIR and leaves it there; a later run with the same DIR reuses it (same `--rows`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { browseLogs, countLogs, SearchError, type Filter } from '../src/store/log-search.js'
import { DuckDBWriter } from '../src/store/duckdb-writer.js'
import { chooseBuckets, histogramLogs, topValues } from '../src/store/log-summary.js'
import { writeMikrotikRows } from './mikrotik-rows.js'

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const ROWS = arg('--rows', 10_000_000)
const ROUNDS = arg('--rounds', 7)
const DAY = '2024-06-01'

const keepAt = process.argv.indexOf('--keep')
const kept = keepAt > 0 ? process.argv[keepAt + 1]! : undefined
const reuse = kept !== undefined && existsSync(join(kept, 'fw'))
const dataDir = kept ?? mkdtempSync(join(tmpdir(), 'logsift-bench-browse-'))
if (kept) mkdirSync(kept, { recursive: true })
const NOW = Date.parse(`${DAY}T23:30:00Z`)
const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: { now: () => NOW } })
try {
  if (!reuse) await writeMikrotikRows(writer, DAY, ROWS)

  const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
  const range = { from: Date.parse(`${DAY}T00:00:00Z`), to: Date.parse(`${DAY}T23:59:59Z`) }
  // Matches from one row in 3 to one in 60,000: a first page reads the newest rows until
  // it has 100 matches, so its cost follows how rare they are, not the 10 million.
  const cases: [string, Filter[]][] = [
    ['no filter', []],
    ['sender equals (1 in 3)', [{ column: 'sender', op: 'eq', value: 'core' }]],
    ['original_log prefix (1 in 40)', [{ column: 'original_log', op: 'prefix', value: '<54> 01:05:27 gw7 ' }]],
    ['original_log contains (1 in 45)', [{ column: 'original_log', op: 'contains', value: 'pppoe-user42' }]],
    ['original_log regex (1 in 500)', [{ column: 'original_log', op: 'regex', value: 'pppoe-user42[0-9]{2}>' }]],
    ['sender_ip CIDR /24 (1 in 1,024)', [{ column: 'sender_ip', op: 'cidr', value: '10.1.7.0/24' }]],
    ['original_log regex (1 in 5,000)', [{ column: 'original_log', op: 'regex', value: 'pppoe-user424[0-9]>' }]],
    ['pppoe equals (1 in 50,000)', [{ column: 'pppoe', op: 'eq', value: 'user4242' }]],
    ['original_log contains (1 in 50,000)', [{ column: 'original_log', op: 'contains', value: 'pppoe-user4242>' }]],
    ['destination_port equals + sender (rare)', [{ column: 'destination_port', op: 'eq', value: '4242' }, { column: 'sender', op: 'eq', value: 'core' }]],
  ]
  if (process.argv.includes('--checkpoint')) {
    // What the writer's file looks like after DuckDB's own automatic checkpoint.
    const c = await writer.connect()
    await c.run('CHECKPOINT')
    c.closeSync()
  }
  const median = (times: number[]) => times.sort((x, y) => x - y)[Math.floor(times.length / 2)]!
  for (const [name, filters] of process.argv.includes('--summaries') ? [] : cases) {
    const pageMs: number[] = []
    const countMs: number[] = []
    let total = 0
    let counted = false
    let rows = 0
    for (let r = 0; r < ROUNDS; r++) {
      let started = performance.now()
      const page = await browseLogs(source, range, { filters, pageSize: 100 })
      pageMs.push(performance.now() - started)
      rows = page.rows.length
      counted = page.total !== undefined
      started = performance.now()
      // What the Browse page loads after the rows when the page came without its total.
      total = page.total ?? (await countLogs(source, range, filters))
      countMs.push(performance.now() - started)
    }
    const pageText = `page median ${median(pageMs).toFixed(0).padStart(5)} ms (min ${Math.min(...pageMs).toFixed(0)}, max ${Math.max(...pageMs).toFixed(0)})`
    const countText = counted ? 'total with the page' : `count median ${median(countMs).toFixed(0)} ms`
    console.log(`${name.padEnd(42)} ${pageText}  ${countText}  total ${total.toLocaleString('en-US')}, page ${rows}`)
  }

  // What Browse's "Last 24 hours" asks for: the range ends just past now.
  const last24h = { from: NOW - 86_400_000, to: NOW + 1 }
  const timed = async (name: string, run: () => Promise<string>) => {
    const times: number[] = []
    let result = ''
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now()
      result = await run()
      times.push(performance.now() - started)
    }
    console.log(`${name.padEnd(42)} median ${median(times).toFixed(0).padStart(5)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})  ${result}`)
  }
  const buckets = chooseBuckets(last24h.from, last24h.to, 0)
  const histogramCases: [string, Filter[]][] = [
    ['histogram, no filter', []],
    ['histogram, sender equals (1 in 3)', [{ column: 'sender', op: 'eq', value: 'core' }]],
    ['histogram, original_log contains (1 in 45)', [{ column: 'original_log', op: 'contains', value: 'pppoe-user42' }]],
  ]
  for (const [name, filters] of histogramCases) {
    await timed(name, async () => {
      const h = await histogramLogs(source, last24h, filters, buckets)
      return `${h.count} buckets of ${h.widthMs / 60_000} min, total ${h.total.toLocaleString('en-US')}`
    })
  }
  const topCases: [string, string, Filter[]][] = [
    ['top values of sender (2 values)', 'sender', []],
    ['top values of sender_ip (1,024 values)', 'sender_ip', []],
    ['top values of pppoe (50,000 values)', 'pppoe', []],
    ['top values of destination_port (60,000)', 'destination_port', []],
    ['top values of pppoe, sender equals', 'pppoe', [{ column: 'sender', op: 'eq', value: 'core' }]],
    ['top values of original_log (millions)', 'original_log', []],
  ]
  for (const [name, column, filters] of topCases) {
    await timed(name, async () => {
      try {
        const top = await topValues(source, last24h, filters, column)
        return `first ${top.values[0]?.value?.slice(0, 20)} × ${top.values[0]?.count}, total ${top.total.toLocaleString('en-US')}`
      } catch (e) {
        if (!(e instanceof SearchError)) throw e
        return `stopped: ${e.message.slice(0, 60)}…`
      }
    })
  }
} finally {
  await writer.close()
  if (!kept) rmSync(dataDir, { recursive: true, force: true })
}
