/**
 * @module
 * The data set of the read-side benchmarks (browse, export): Mikrotik-like rows with
 * the fixed columns, four class fields and the original line, spread evenly over 23
 * hours of one day and appended oldest first through a real {@link DuckDBWriter}, as an
 * engine writes them. Values are a function of the row number, so every run (and every
 * reader of the bench's results) sees the same rows.
 */
import { performance } from 'node:perf_hooks'
import type { Batch, Column } from '../src/engine/batch.js'
import type { DuckDBWriter } from '../src/store/duckdb-writer.js'

const BATCH = 100_000

/** Row `i` of `rows` on `day`: which user, sender and address it has follows from `i` alone. */
function batch(day: string, rows: number, first: number, n: number): Batch {
  const dayStartUs = BigInt(Date.parse(`${day}T00:00:00Z`)) * 1000n
  const stepUs = (23n * 3600n * 1_000_000n) / BigInt(rows)
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
    const user = `user${(i * 7919) % 50_000}`
    const dst = `198.51.${(i * 31) & 255}.${(i * 17) & 255}`
    const port = 1024 + ((i * 13) % 60_000)
    senderIp.push(`10.${(i >> 8) & 3}.${i & 255}.1`)
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

/** Appends `rows` rows of `day` through `writer` and commits them; logs how long it took. */
export async function writeMikrotikRows(writer: DuckDBWriter, day: string, rows: number): Promise<void> {
  const started = performance.now()
  for (let first = 0; first < rows; first += BATCH) {
    await writer.append(batch(day, rows, first, Math.min(BATCH, rows - first)))
    if ((first / BATCH) % 10 === 9) await writer.flush()
  }
  await writer.flush()
  console.log(`wrote ${rows.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
