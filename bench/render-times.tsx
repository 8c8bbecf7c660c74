/**
 * @module
 * What showing times in the display zone costs a page: the SQL page's result table at its
 * largest (10,000 rows), with two TIMESTAMPTZ columns converted to the zone, against the
 * same table with the timestamps left as DuckDB's UTC text. Medians of several rounds.
 *
 * Run: `npx tsx bench/render-times.tsx` (`--rounds 9`, `--zone Asia/Calcutta`).
 */
import { performance } from 'node:perf_hooks'
import { SqlPage } from '../views/pages/sql-page.js'
import type { SqlResult } from '../src/store/log-search.js'

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name)
  return at > 0 ? process.argv[at + 1]! : fallback
}
const ROUNDS = Number(arg('--rounds', '7'))
const ZONE = arg('--zone', 'America/New_York')
const ROWS = 10_000
const start = Date.UTC(2025, 2, 8, 12)

/** 10,000 rows a second apart across New York's spring DST change, as runSql returns them. */
function result(timestampType: string): SqlResult {
  const text = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}456+00`
  return {
    columns: [
      { name: 'received_at', type: timestampType },
      { name: 'log_time', type: timestampType },
      { name: 'sender_ip', type: 'VARCHAR' },
    ],
    rows: Array.from({ length: ROWS }, (_, i) => [text(start + i * 1000 * 8), text(start + i * 1000 * 8 - 500), '10.1.2.3']),
    counted: ROWS,
    truncated: false,
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function time(res: SqlResult): Promise<number[]> {
  const range = { key: '24h' as const, from: start, to: start + 86_400_000, fromText: '', toText: '' }
  const out: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    await String(<SqlPage engines={['fw']} engine="fw" range={range} timeZone={ZONE} sql="SELECT 1" columns={[]} rowLimit={10_000} timeLimitS={30} result={res} view={{ offset: 0, page: 1, pages: 1 }} />)
    out.push(performance.now() - t0)
  }
  return out
}

// A type the page does not convert: the same text, shown as it is.
const plain = await time(result('TIMESTAMP WITH TIME ZONE (as text)'))
const zoned = await time(result('TIMESTAMP WITH TIME ZONE'))
console.log(`SQL page, ${ROWS} rows × 2 TIMESTAMPTZ columns, ${ROUNDS} rounds, zone ${ZONE}`)
console.log(`  timestamps as UTC text: median ${median(plain).toFixed(0)} ms`)
console.log(`  timestamps in the zone: median ${median(zoned).toFixed(0)} ms (+${((median(zoned) - median(plain)) / (2 * ROWS) * 1000).toFixed(1)} µs a cell)`)
