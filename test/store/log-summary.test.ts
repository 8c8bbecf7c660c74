/**
 * @module
 * The Browse summaries over real day files (three closed days and today held by a
 * running writer): bucket choice, histogram counts against the rows themselves, top
 * values in order with their total, and the time limit of a count of too many values.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SearchError } from '../../src/store/log-search.js'
import { chooseBuckets, histogramLogs, MAX_BUCKETS, topValues } from '../../src/store/log-summary.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'
import { dayRow, DAYS, fourDays } from '../support/log-days.js'
import { makeBatch, manualClock, specColumns, tempDataDir } from './helpers.js'

const RANGE = { from: Date.parse('2024-05-01T00:00:00Z'), to: Date.parse('2024-05-05T00:00:00Z') }
const MIN = 60_000
const HOUR = 3_600_000

const test = suite('Browse summaries')
let ctx: Awaited<ReturnType<typeof fourDays>>
test.before(async () => {
  ctx = await fourDays(600)
})
test.after(async () => {
  await ctx.writer.close()
})

test('chooseBuckets: the narrowest round width with at most 120 buckets, on wall-clock edges', () => {
  const at = Date.parse('2024-05-01T10:07:31.250Z')
  // The presets, as Browse asks for them (to = now + 1 ms).
  assert.equal(chooseBuckets(at - 15 * MIN, at + 1, 0), { originMs: Date.parse('2024-05-01T09:52:30Z'), widthMs: 10_000, count: 91 })
  assert.equal(chooseBuckets(at - HOUR, at + 1, 0), { originMs: Date.parse('2024-05-01T09:07:00Z'), widthMs: MIN, count: 61 })
  assert.equal(chooseBuckets(at - 24 * HOUR, at + 1, 0), { originMs: Date.parse('2024-04-30T10:00:00Z'), widthMs: 15 * MIN, count: 97 })
  assert.equal(chooseBuckets(at - 7 * 24 * HOUR, at + 1, 0), { originMs: Date.parse('2024-04-24T10:00:00Z'), widthMs: 2 * HOUR, count: 85 })
  // Hour edges on the zone's hours: UTC+05:30 puts them at half past in UTC.
  assert.equal(chooseBuckets(RANGE.from, RANGE.to, 5.5 * HOUR), { originMs: Date.parse('2024-04-30T23:30:00Z'), widthMs: HOUR, count: 97 })
  for (const span of [1, 999, 5000, 86_400_000, 400 * 86_400_000]) {
    const b = chooseBuckets(0, span, 0)
    assert.ok(b.count >= 1 && b.count <= MAX_BUCKETS && b.originMs + b.count * b.widthMs >= span, String(span))
  }
})

test('histogramLogs: each bucket holds exactly its rows, and the counts add up to the match', async () => {
  const buckets = chooseBuckets(RANGE.from, RANGE.to, 0)
  const h = await histogramLogs(ctx.source, RANGE, [], buckets)
  assert.is(h.counts.length, 96)
  assert.is(h.total, 2400)
  assert.equal(h.counts.flatMap((n, i) => (n > 0 ? [[i, n]] : [])), [[0, 600], [24, 600], [48, 600], [72, 600]])
  // Ten-second buckets over today's first two minutes: row i is at i / 3 s.
  const minutes = { from: Date.parse(`${DAYS[3]}T00:00:00Z`), to: Date.parse(`${DAYS[3]}T00:02:00Z`) }
  const want = Array<number>(12).fill(0)
  for (let i = 0; i < 600; i++) {
    const row = dayRow(DAYS[3], i)
    if (row.pppoe === 'user3' && Number(row.received_at) / 1000 < minutes.to) want[Math.floor(Math.floor(i / 3) / 10)]!++
  }
  const filtered = await histogramLogs(ctx.source, minutes, [{ column: 'pppoe', op: 'eq', value: 'user3' }], chooseBuckets(minutes.from, minutes.to, 0))
  assert.equal([filtered.widthMs, filtered.count], [1000, 120], 'one-second buckets')
  const perTen = Array.from({ length: 12 }, (_, t) => filtered.counts.slice(t * 10, t * 10 + 10).reduce((a, b) => a + b, 0))
  assert.equal(perTen, want)
  assert.is(filtered.total, want.reduce((a, b) => a + b, 0))
})

test('topValues: most rows first, ties by value, NULL as a value, with the total of the match', async () => {
  const top = await topValues(ctx.source, RANGE, [{ column: 'sender', op: 'eq', value: 'core' }], 'destination_port', { limit: 3 })
  // Even rows are core; destination_port is 1000 + i % 50: the 25 even ports, 12 rows a day each.
  assert.equal(top, { column: 'destination_port', values: [{ value: '1000', count: 48 }, { value: '1002', count: 48 }, { value: '1004', count: 48 }], total: 1200 })
  const vlan = await topValues(ctx.source, RANGE, [], 'vlan')
  assert.equal(vlan.values, [{ value: null, count: 1800 }, { value: 'v0', count: 150 }, { value: 'v1', count: 150 }, { value: 'v2', count: 150 }, { value: 'v3', count: 150 }])
  assert.equal(await topValues(ctx.source, RANGE, [{ column: 'sender', op: 'eq', value: 'nobody' }], 'sender'), { column: 'sender', values: [], total: 0 })
  try {
    await topValues(ctx.source, RANGE, [], 'nope')
    assert.unreachable()
  } catch (e) {
    assert.instance(e, SearchError)
    assert.is((e as Error).message, 'There is no column "nope" in the chosen days.')
  }
})

test('topValues: whole lines and the time have none, refused before any count', async () => {
  for (const column of ['original_log', 'received_at']) {
    try {
      await topValues(ctx.source, RANGE, [], column)
      assert.unreachable(column)
    } catch (e) {
      assert.instance(e, SearchError, String(e))
      assert.is((e as Error).message, `${column} has no top values: nearly every row has a value of its own. Filter on it instead.`)
    }
  }
})

test('topValues: a count past its time limit is stopped with a reason', async () => {
  const dataDir = tempDataDir()
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock('2024-05-01T12:00:00Z') })
  try {
    const start = BigInt(Date.parse('2024-05-01T00:00:00Z')) * 1000n
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ received_at: start + BigInt(i) * 1000n, hostname: `host-${i}`, original_log: `line ${i} ${'x'.repeat(80)}` }))
    await writer.append(makeBatch(specColumns(), rows))
    await writer.flush()
    const source = { dataDir, engine: 'fw', timezone: 'UTC', writer }
    try {
      await topValues(source, RANGE, [], 'hostname', { timeLimitMs: 1 })
      assert.unreachable('stopped')
    } catch (e) {
      assert.instance(e, SearchError, String(e))
      assert.is(
        (e as Error).message,
        'Counting the values of hostname took longer than 0.001 s and was stopped: it has too many different values in this range; add a filter or choose a shorter range.',
      )
    }
    // The connection it ran on is fine afterwards: the next count runs to its end.
    assert.is((await topValues(source, RANGE, [], 'sender')).total, 200_000)
  } finally {
    await writer.close()
  }
})

test.run()
