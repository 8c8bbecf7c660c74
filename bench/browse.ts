/**
 * @module
 * Browse speed (SPEC §10): 10 million rows in today's file, held open by a running
 * writer, then the first page (100 rows, newest first, with the total count) of filtered
 * browses through `browseLogs` — the same call the Browse page makes. Reports the median
 * of several rounds per filter; the target is ≤ 300 ms.
 *
 * Run: `npx tsx bench/browse.ts` (`--rows 2000000` for a quicker run, `--rounds 9`).
 * Not a test: it writes about a gigabyte and takes minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Batch, Column } from '../src/engine/batch.js'
import { browseLogs, type Filter } from '../src/store/log-search.js'
import { DuckDBWriter } from '../src/store/duckdb-writer.js'

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const ROWS = arg('--rows', 10_000_000)
const ROUNDS = arg('--rounds', 7)
const BATCH = 100_000
const DAY = '2024-06-01'
const dayStartUs = BigInt(Date.parse(`${DAY}T00:00:00Z`)) * 1000n
// Rows spread evenly over 23 hours of the day, oldest first, as an engine writes them.
const stepUs = (23n * 3600n * 1_000_000n) / BigInt(ROWS)

/** One batch of Mikrotik-like rows starting at row `first`. */
function batch(first: number, n: number): Batch {
  const at = new BigInt64Array(n)
  const senderIp: (string | null)[] = []
  const sender: (string | null)[] = []
  const pppoe: (string | null)[] = []
  const dstIp: (string | null)[] = []
  const dstPort = new Int32Array(n)
  const original: (string | null)[] = []
  for (let j = 0; j < n; j++) {
    const i = first + j
    at[j] = dayStartUs + BigInt(i) * stepUs
    const sip = `10.${(i >> 8) & 3}.${i & 255}.1`
    const user = `user${(i * 7919) % 50_000}`
    const dst = `198.51.${(i * 31) & 255}.${(i * 17) & 255}`
    const port = 1024 + ((i * 13) % 60_000)
    senderIp.push(sip)
    sender.push(i % 3 === 0 ? 'core' : 'edge')
    pppoe.push(user)
    dstIp.push(dst)
    dstPort[j] = port
    original.push(`<54> 01:05:27 gw${i % 40} prerouting: in:<pppoe-${user}> out:(unknown 0), src-mac 4c:5e:0c:${(i & 255).toString(16)}:aa:01, proto TCP (SYN), 100.64.${i & 255}.9:${port}->${dst}:443, len 60`)
  }
  const columns: Column[] = [
    { name: 'sender_ip', type: 'varchar', values: senderIp },
    { name: 'sender', type: 'varchar', values: sender },
    { name: 'pppoe', type: 'varchar', values: pppoe },
    { name: 'destination_ip', type: 'varchar', values: dstIp },
    { name: 'destination_port', type: 'integer', values: dstPort },
    { name: 'original_log', type: 'varchar', values: original },
  ]
  return { rowCount: n, receivedAtUs: at, columns }
}

const dataDir = mkdtempSync(join(tmpdir(), 'logsift-bench-browse-'))
const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: { now: () => Date.parse(`${DAY}T23:30:00Z`) } })
try {
  const t0 = performance.now()
  for (let first = 0; first < ROWS; first += BATCH) {
    await writer.append(batch(first, Math.min(BATCH, ROWS - first)))
    if ((first / BATCH) % 10 === 9) await writer.flush()
  }
  await writer.flush()
  console.log(`wrote ${ROWS.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
  const range = { from: Date.parse(`${DAY}T00:00:00Z`), to: Date.parse(`${DAY}T23:59:59Z`) }
  const cases: [string, Filter[]][] = [
    ['no filter', []],
    ['pppoe equals', [{ column: 'pppoe', op: 'eq', value: 'user4242' }]],
    ['hostname-ish prefix on original_log', [{ column: 'original_log', op: 'prefix', value: '<54> 01:05:27 gw7 ' }]],
    ['original_log contains', [{ column: 'original_log', op: 'contains', value: 'pppoe-user4242>' }]],
    ['original_log regex', [{ column: 'original_log', op: 'regex', value: 'pppoe-user424[0-9]>' }]],
    ['sender_ip CIDR /24', [{ column: 'sender_ip', op: 'cidr', value: '10.1.7.0/24' }]],
    ['destination_port equals + sender', [{ column: 'destination_port', op: 'eq', value: '4242' }, { column: 'sender', op: 'eq', value: 'core' }]],
  ]
  if (process.argv.includes('--checkpoint')) {
    // What the writer's file looks like after DuckDB's own automatic checkpoint.
    const c = await writer.connect()
    await c.run('CHECKPOINT')
    c.closeSync()
  }
  for (const [name, filters] of cases) {
    const times: number[] = []
    let total = 0
    let rows = 0
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now()
      const page = await browseLogs(source, range, { filters, pageSize: 100 })
      times.push(performance.now() - started)
      total = page.total
      rows = page.rows.length
    }
    times.sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)]!
    console.log(`${name.padEnd(36)} median ${median.toFixed(0).padStart(5)} ms  (min ${times[0]!.toFixed(0)}, max ${times[times.length - 1]!.toFixed(0)})  total ${total.toLocaleString('en-US')}, page ${rows}`)
  }
} finally {
  await writer.close()
  rmSync(dataDir, { recursive: true, force: true })
}
