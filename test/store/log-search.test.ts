/**
 * @module
 * Browse, SQL and export over real day files: three closed days and today held by a
 * running writer, one day with an extra column. Every filter kind is checked against a
 * direct DuckDB query of the files themselves.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { browseLogs, cidrRange, countLogs, exportLogs, findLogRow, runSql, searchWindows, SearchError, type Filter, type RowKey } from '../../src/store/log-search.js'
import type { LogsSource, TimeRange } from '../../src/store/query.js'
import { DAYS, HOSTILE, dayRow, fourDays } from '../support/log-days.js'
import { makeBatch, manualClock, specColumns, tempDataDir, us, type Row } from './helpers.js'
import { DuckDBWriter } from '../../src/store/duckdb-writer.js'

const RANGE = { from: Date.parse('2024-05-01T00:00:00Z'), to: Date.parse('2024-05-05T00:00:00Z') }

/**
 * Keys (`epoch_us:rowid`) of the rows of every day file matching `where`, newest first,
 * read without logsift's query layer. The last of `days` is the writer's open day.
 */
async function direct(source: LogsSource, where: string, params: DuckDBValue[] = [], days: readonly string[] = DAYS): Promise<string[]> {
  const keys: [bigint, bigint][] = []
  const sql = `SELECT epoch_us(received_at), rowid FROM logs WHERE ${where}`
  for (const day of days) {
    const today = day === days[days.length - 1]
    const db = today ? undefined : await DuckDBInstance.create(join(source.dataDir, 'fw', `${day}.duckdb`), { access_mode: 'READ_ONLY' })
    const c = today ? await source.writer!.connect() : await db!.connect()
    // A column a day lacks matches nothing there, as NULL does in the union.
    const cols = (await c.runAndReadAll('SELECT * FROM logs LIMIT 0')).columnNames()
    if (!/"(\w+)"/.test(where) || cols.includes(/"(\w+)"/.exec(where)![1]!)) {
      for (const [at, id] of (await c.runAndReadAll(sql, params)).getRowsJS()) keys.push([at as bigint, BigInt(id as number)])
    }
    c.closeSync()
    db?.closeSync()
  }
  keys.sort((a, b) => (a[0] !== b[0] ? (a[0] > b[0] ? -1 : 1) : a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0))
  return keys.map(([at, id]) => `${at}:${id}`)
}

/**
 * Every key the browse pages visit, following `next` to the end; the total of
 * `countLogs`, and the totals that came with pages.
 */
async function allPages(
  source: LogsSource,
  filters: Filter[],
  pageSize: number,
  range: TimeRange = RANGE,
): Promise<{ keys: string[]; pages: number; total: number; pageTotals: number[] }> {
  const keys: string[] = []
  const pageTotals: number[] = []
  let after: RowKey | undefined
  let pages = 0
  do {
    const page = await browseLogs(source, range, { filters, pageSize, ...(after ? { after } : {}) })
    if (page.total !== undefined) pageTotals.push(page.total)
    assert.ok(page.total === undefined || pages === 0 || filters.length === 0, 'a filtered page after the first comes without a total')
    pages++
    for (const r of page.rows) keys.push(`${r.key.receivedAtUs}:${r.key.rowid}`)
    after = page.next
  } while (after)
  return { keys, pages, total: await countLogs(source, range, filters), pageTotals }
}

const browse = suite('browseLogs over four days')
let ctx: Awaited<ReturnType<typeof fourDays>>

browse.before(async () => {
  ctx = await fourDays(600)
})
browse.after(async () => {
  await ctx.writer.close()
})

const CASES: [string, Filter[], string, DuckDBValue[]][] = [
  ['equals', [{ column: 'pppoe', op: 'eq', value: 'user3' }], `"pppoe" = 'user3'`, []],
  ['equals on an integer', [{ column: 'destination_port', op: 'eq', value: '1007' }], `"destination_port" = 1007`, []],
  ['prefix', [{ column: 'hostname', op: 'prefix', value: 'gw1' }], `"hostname" LIKE 'gw1%'`, []],
  ['contains', [{ column: 'original_log', op: 'contains', value: 'line 12' }], `"original_log" LIKE '%line 12%'`, []],
  ['regex', [{ column: 'original_log', op: 'regex', value: '^2024-05-0[24] line \\d+5 ' }], `regexp_matches("original_log", '^2024-05-0[24] line \\d+5 ')`, []],
  ['CIDR IPv4 /16', [{ column: 'sender_ip', op: 'cidr', value: '10.1.0.0/16' }], `"sender_ip" IN ('10.1.2.3', '10.1.200.9')`, []],
  ['CIDR IPv4 /32 as bare address', [{ column: 'sender_ip', op: 'cidr', value: '192.0.2.77' }], `"sender_ip" = '192.0.2.77'`, []],
  ['CIDR IPv4 /14 across octets', [{ column: 'sender_ip', op: 'cidr', value: '10.0.0.0/14' }], `"sender_ip" IN ('10.1.2.3', '10.1.200.9', '10.2.0.1')`, []],
  ['CIDR IPv4 /0', [{ column: 'sender_ip', op: 'cidr', value: '0.0.0.0/0' }], `"sender_ip" LIKE '%.%'`, []],
  ['CIDR IPv6 /32', [{ column: 'sender_ip', op: 'cidr', value: '2001:db8::/32' }], `"sender_ip" IN ('2001:db8::1', '2001:db8:0:1::ff')`, []],
  ['CIDR IPv6 /64 with host bits', [{ column: 'sender_ip', op: 'cidr', value: '2001:db8:0:1::7/64' }], `"sender_ip" = '2001:db8:0:1::ff'`, []],
  ['CIDR on a field', [{ column: 'destination_ip', op: 'cidr', value: '2001:db8:2::/48' }], `"destination_ip" LIKE '2001:db8:2::%'`, []],
  ['a column one day has', [{ column: 'vlan', op: 'eq', value: 'v2' }], `"vlan" = 'v2'`, []],
  [
    'filters combine with AND',
    [{ column: 'sender', op: 'eq', value: 'core' }, { column: 'sender_ip', op: 'cidr', value: '10.0.0.0/8' }, { column: 'original_log', op: 'contains', value: '7' }],
    `"sender" = 'core' AND "sender_ip" LIKE '10.%' AND "original_log" LIKE '%7%'`,
    [],
  ],
  ['no filter', [], 'true', []],
]

for (const [name, filters, where, params] of CASES) {
  browse(`${name}: exactly the rows of a direct query, each page once`, async () => {
    const want = await direct(ctx.source, where, params)
    assert.ok(want.length > 0, 'the case selects something')
    const got = await allPages(ctx.source, filters, 97)
    assert.is(got.total, want.length)
    for (const total of got.pageTotals) assert.is(total, want.length)
    assert.equal(got.keys, want)
    assert.is(got.pages, Math.max(1, Math.ceil(want.length / 97)))
  })
}

browse('not equals keeps exactly the rows equals leaves out, NULL (no value, or a day without the column) included', async () => {
  const cases: [Filter, string][] = [
    // pppoe is NULL on one row in 11: those rows are not "user3", so they match.
    [{ column: 'pppoe', op: 'ne', value: 'user3' }, `"pppoe" IS NULL OR "pppoe" <> 'user3'`],
    [{ column: 'destination_port', op: 'ne', value: '1007' }, `"destination_port" <> 1007`],
  ]
  const all = await direct(ctx.source, 'true')
  for (const [filter, where] of cases) {
    const want = await direct(ctx.source, where)
    const got = await allPages(ctx.source, [filter], 500)
    assert.equal(got.keys, want, `${filter.column} ≠ ${filter.value}`)
    assert.is(got.total + (await countLogs(ctx.source, RANGE, [{ ...filter, op: 'eq' }])), all.length)
  }
  const nulls = (await direct(ctx.source, '"pppoe" IS NULL')).length
  assert.is(nulls, 4 * Math.ceil(600 / 11), 'rows without pppoe')
  // vlan exists on day two only: the other three days' rows have no vlan, so they are not v2.
  assert.is(await countLogs(ctx.source, RANGE, [{ column: 'vlan', op: 'ne', value: 'v2' }]), 2400 - 150)
  try {
    await countLogs(ctx.source, RANGE, [{ column: 'destination_port', op: 'ne', value: 'x' }])
    assert.unreachable('a non-number for an integer column is refused')
  } catch (e) {
    assert.instance(e, SearchError)
    assert.is((e as Error).message, 'destination_port must be a whole number; "x" is not.')
  }
})

browse('a page has the union of the days\' columns in SPEC order and the values', async () => {
  const page = await browseLogs(ctx.source, RANGE, { filters: [{ column: 'vlan', op: 'eq', value: 'v1' }], pageSize: 1 })
  assert.equal(page.columns.map((c) => c.name), [
    'received_at', 'sender_ip', 'sender', 'facility', 'severity', 'hostname', 'app_name', 'proc_id', 'msg_id', 'log_time',
    'pppoe', 'destination_ip', 'destination_port', 'vlan', 'original_log',
  ])
  assert.equal(page.days, [...DAYS])
  // Newest v1 row of day two: i = 597 (597 % 4 = 1).
  const want = dayRow(DAYS[1], 597)
  assert.equal(page.rows[0]!.values, {
    received_at: want.received_at, sender_ip: want.sender_ip, sender: 'edge', facility: 21, severity: 5, hostname: 'gw2',
    app_name: null, proc_id: null, msg_id: null, log_time: null, pppoe: 'user2', destination_ip: want.destination_ip,
    destination_port: 1047, vlan: 'v1', original_log: want.original_log,
  })
})

browse('a row by its key, and none for a key that does not exist', async () => {
  const page = await browseLogs(ctx.source, RANGE, { filters: [{ column: 'original_log', op: 'contains', value: '<script>' }], pageSize: 5 })
  const key = page.rows[2]!.key
  const row = await findLogRow(ctx.source, key)
  // The row comes with the columns of its own day, which lacks `vlan`.
  const { vlan, ...rest } = page.rows[2]!.values
  assert.is(vlan, null)
  assert.equal(row!.values, rest)
  assert.is('vlan' in row!.values, false)
  assert.ok(String(row!.values.original_log).startsWith(HOSTILE[0]!))
  assert.is(await findLogRow(ctx.source, { receivedAtUs: key.receivedAtUs, rowid: 99_999n }), undefined)
})

browse('bad filters are refused with a reason', async () => {
  const refused = async (filter: Filter) => {
    try {
      await browseLogs(ctx.source, RANGE, { filters: [filter] })
    } catch (e) {
      assert.instance(e, SearchError)
      return (e as Error).message
    }
    throw new Error('not refused')
  }
  assert.is(await refused({ column: 'nope"; DROP TABLE logs; --', op: 'eq', value: 'x' }), 'There is no column "nope"; DROP TABLE logs; --" in the chosen days.')
  assert.is(await refused({ column: 'hostname', op: 'cidr', value: '10.0.0.0/8' }), 'CIDR applies to address columns (sender_ip and *_ip), not to hostname.')
  assert.is(await refused({ column: 'sender_ip', op: 'cidr', value: '10.0.0.0/33' }), '/33 is too long for an IPv4 address (at most /32).')
  assert.is(await refused({ column: 'destination_port', op: 'eq', value: '1e3' }), 'destination_port must be a whole number; "1e3" is not.')
  assert.is(await refused({ column: 'hostname', op: 'regex', value: '(' }), 'not a valid regular expression: unclosed group: a ( without its ) (at “(”).')
  assert.is(await refused({ column: 'hostname', op: 'regex', value: 'gw[0-' }), 'not a valid regular expression: unclosed character class: a [ without its ] (at “[0-”).')
  assert.is(await refused({ column: 'hostname', op: 'regex', value: 'a**' }), 'not a valid regular expression: a repetition (*, +, ?) that follows another one (at “**”).')
  // The error names the filter at fault, so the form shows it at that field.
  const second = await browseLogs(ctx.source, RANGE, {
    filters: [
      { column: 'hostname', op: 'eq', value: 'gw1' },
      { column: 'original_log', op: 'regex', value: 'x(?<n>y)' },
    ],
  }).catch((e: SearchError) => e)
  assert.instance(second, SearchError)
  assert.is((second as SearchError).filter, 1)
  assert.is((second as SearchError).message, 'not a valid regular expression: a (? group RE2 does not support; named groups are (?P<name>…) (at “(?<”).')
})

browse('facility and severity filters take RFC 5424 names as well as numbers', async () => {
  const count = (column: string, value: string) => countLogs(ctx.source, RANGE, [{ column, op: 'eq', value }])
  assert.is(await count('severity', 'warning'), await count('severity', '4'))
  assert.is(await count('facility', 'LOCAL4'), await count('facility', '20'))
  assert.ok((await count('facility', 'local4')) > 0)
})

browse('cidrRange: network and broadcast of both families', () => {
  assert.equal(cidrRange('10.1.2.3/8'), { family: 4, lo: String(10 * 2 ** 24), hi: String(11 * 2 ** 24 - 1), octets: '10.' })
  assert.equal(cidrRange('10.1.2.3/23'), { family: 4, lo: String(10 * 2 ** 24 + 2 ** 16 + 2 * 256), hi: String(10 * 2 ** 24 + 2 ** 16 + 4 * 256 - 1), octets: '10.1.' })
  assert.equal(cidrRange('10.1.2.3'), { family: 4, lo: String(10 * 2 ** 24 + 2 ** 16 + 2 * 256 + 3), hi: String(10 * 2 ** 24 + 2 ** 16 + 2 * 256 + 3), octets: '10.1.2.' })
  assert.equal(cidrRange('0.0.0.0/0'), { family: 4, lo: '0', hi: String(2 ** 32 - 1), octets: '' })
  assert.equal(cidrRange('::ffff:1.2.3.4/128'), { family: 6, lo: '00000000000000000000ffff01020304', hi: '00000000000000000000ffff01020304', octets: '' })
  assert.equal(cidrRange('2001:db8::/32'), { family: 6, lo: '20010db8000000000000000000000000', hi: '20010db8ffffffffffffffffffffffff', octets: '' })
  assert.is(cidrRange('10.0.0'), '"10.0.0" is not a CIDR; write 10.0.0.0/8 or 2001:db8::/32.')
})

browse('today\'s rows appended after the instance is locked down are stored and found', async () => {
  const extra = specColumns([['pppoe', 'varchar'], ['destination_ip', 'varchar'], ['destination_port', 'integer'], ['late_field', 'varchar']])
  const at = BigInt(Date.parse('2024-05-04T23:00:00Z')) * 1000n
  await ctx.writer.append(makeBatch(extra, [{ received_at: at, pppoe: 'late', late_field: 'added by ALTER TABLE', original_log: 'after lock' }]))
  await ctx.writer.flush()
  const page = await browseLogs(ctx.source, RANGE, { filters: [{ column: 'late_field', op: 'prefix', value: 'added' }] })
  assert.is(page.total, 1)
  assert.is(page.rows[0]!.values.original_log, 'after lock')
  const c = await ctx.writer.connect()
  await c.run('CHECKPOINT')
  assert.is((await c.runAndReadAll("SELECT current_setting('enable_external_access')")).getRows()[0]![0], false)
  c.closeSync()
})

browse.run()

const windowed = suite('browseLogs searches the newest window first')

/** Two days: 2024-05-03 closed, 2024-05-04 held by the writer. */
const TWO_DAYS = ['2024-05-03', '2024-05-04'] as const
const W_RANGE = { from: Date.parse('2024-05-03T00:00:00Z'), to: Date.parse('2024-05-05T00:00:00Z') }
/** The oldest and the newest row of {@link windowRows}: the search divides the time between them. */
const OLDEST = us('2024-05-03T00:00:00Z')
const NEWEST = us('2024-05-04T23:59:00Z') + 7n
const W_WINDOWS = searchWindows(OLDEST, NEWEST + 1n)
/** An edge between two windows inside the open day, about 2024-05-04T23:14:15Z. */
const EDGE = W_WINDOWS[1]!.fromUs
let wctx: { writer: DuckDBWriter; source: LogsSource }

/**
 * A filler row a minute through both days (matched by no `needle`), then the needles:
 * three sharing an instant in the first second of the range (the oldest rows), two ties
 * on each side of midnight, and ties on both sides of {@link EDGE}.
 */
function windowRows(day: string): Row[] {
  const row = (at: bigint, text: string): Row => ({ received_at: at, sender: 'core', original_log: text })
  const start = us(`${day}T00:00:00Z`)
  const rows = Array.from({ length: 24 * 60 }, (_, i) => row(start + BigInt(i) * 60_000_000n + 7n, `filler ${day} ${i}`))
  const needles: [bigint, string][] =
    day === TWO_DAYS[0]
      ? [[start, 'needle old a'], [start, 'needle old b'], [start, 'needle old c'], [start + 86_400_000_000n - 1n, 'needle eve a'], [start + 86_400_000_000n - 1n, 'needle eve b']]
      : [[start, 'needle midnight a'], [start, 'needle midnight b'], [EDGE - 1n, 'needle edge-1 a'], [EDGE - 1n, 'needle edge-1 b'], [EDGE, 'needle edge a'], [EDGE, 'needle edge b'], [EDGE, 'needle edge c'], [EDGE + 1n, 'needle edge+1']]
  // Appended in received_at order, as an engine writes them.
  return [...rows, ...needles.map(([at, text]) => row(at, text))].sort((a, b) => (a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : 0))
}

windowed.before(async () => {
  const dataDir = tempDataDir()
  const closed = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${TWO_DAYS[0]}T12:00:00Z`) })
  await closed.append(makeBatch(specColumns(), windowRows(TWO_DAYS[0])))
  await closed.close()
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: manualClock(`${TWO_DAYS[1]}T12:00:00Z`) })
  await writer.append(makeBatch(specColumns(), windowRows(TWO_DAYS[1])))
  await writer.flush()
  wctx = { writer, source: { dataDir, engine: 'fw', timezone: 'UTC', writer } }
})
windowed.after(async () => {
  await wctx.writer.close()
})

windowed('the windows partition the range, newest first, each widening the search fourfold', () => {
  const span = NEWEST + 1n - OLDEST
  const to = NEWEST + 1n
  assert.equal(
    W_WINDOWS.map((w) => [w.fromUs, w.toUs]),
    [[to - span / 256n, to], [to - span / 64n, to - span / 256n], [to - span / 16n, to - span / 64n], [to - span / 4n, to - span / 16n], [OLDEST, to - span / 4n]],
  )
  assert.ok(EDGE > us('2024-05-04T23:14:00Z') && EDGE < us('2024-05-04T23:15:00Z'))
  assert.equal(searchWindows(to, to), [])
  // A span too short to split is one window.
  assert.equal(searchWindows(to - 3n, to), [{ fromUs: to - 3n, toUs: to }])
})

for (const [name, value] of [['needles across a window edge and midnight', 'needle'], ['needles only among the oldest rows', 'needle old']] as const) {
  for (const pageSize of [1, 2, 3, 5, 100]) {
    windowed(`${name}, ${pageSize} a page: exactly the rows of a direct query, each page once`, async () => {
      const filters: Filter[] = [{ column: 'original_log', op: 'contains', value }]
      const want = await direct(wctx.source, `contains(original_log, '${value}')`, [], TWO_DAYS)
      assert.is(want.length, value === 'needle' ? 13 : 3)
      const got = await allPages(wctx.source, filters, pageSize, W_RANGE)
      assert.equal(got.keys, want)
      assert.is(got.total, want.length)
      assert.is(got.pages, Math.max(1, Math.ceil(want.length / pageSize)))
      // A first page that had to search the whole range counted every match on the way.
      if (pageSize >= want.length) assert.equal(got.pageTotals, [want.length])
    })
  }
}

windowed('a first page found in the newest window comes without a total, and countLogs counts the range', async () => {
  const filters: Filter[] = [{ column: 'original_log', op: 'prefix', value: 'filler' }]
  const page = await browseLogs(wctx.source, W_RANGE, { filters, pageSize: 5 })
  assert.is(page.total, undefined)
  assert.equal(page.rows.map((r) => r.values.original_log), ['filler 2024-05-04 1439', 'filler 2024-05-04 1438', 'filler 2024-05-04 1437', 'filler 2024-05-04 1436', 'filler 2024-05-04 1435'])
  assert.is(await countLogs(wctx.source, W_RANGE, filters), 2 * 24 * 60)
})

windowed('a bad regex is refused whichever window it first runs in', async () => {
  try {
    await browseLogs(wctx.source, W_RANGE, { filters: [{ column: 'original_log', op: 'regex', value: 'needle(' }] })
    assert.unreachable()
  } catch (e) {
    assert.instance(e, SearchError)
  }
})

windowed.run()

const sql = suite('runSql')
let sq: Awaited<ReturnType<typeof fourDays>>
sql.before(async () => {
  sq = await fourDays(50)
})
sql.after(async () => {
  await sq.writer.close()
})

sql('runs a SELECT over the view of every chosen day', async () => {
  const result = await runSql(sq.source, RANGE, "SELECT sender, count(*) AS n, count(vlan) AS with_vlan FROM logs GROUP BY ALL ORDER BY sender")
  assert.equal(result.columns, [{ name: 'sender', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }, { name: 'with_vlan', type: 'BIGINT' }])
  assert.equal(result.rows, [['core', '100', '25'], ['edge', '100', '25']])
  assert.is(result.truncated, false)
})

sql('keeps rowLimit rows and says so', async () => {
  const result = await runSql(sq.source, RANGE, 'SELECT original_log FROM logs ORDER BY received_at', { rowLimit: 3 })
  assert.equal(result.rows, [['2024-05-01 line 0 in:<pppoe-user0> proto TCP'], ['2024-05-01 line 1 in:<pppoe-user1> proto TCP'], ['2024-05-01 line 2 in:<pppoe-user2> proto TCP']].map((r, i) => (i === 0 ? [`${HOSTILE[0]} #0`] : r)))
  assert.is(result.truncated, true)
})

sql('a page skips offset rows across chunks and counts the rest up to countTo', async () => {
  // 5,000 rows: DuckDB's chunks hold 2,048, so the page starts inside the second one.
  const sql = 'SELECT i FROM range(5000) t(i) ORDER BY i'
  const page = await runSql(sq.source, RANGE, sql, { offset: 2500, rowLimit: 500, countTo: 10_000 })
  assert.equal(page.rows, Array.from({ length: 500 }, (_, i) => [String(2500 + i)]))
  assert.is(page.counted, 5000)
  assert.is(page.truncated, false)
  const capped = await runSql(sq.source, RANGE, sql, { offset: 4000, rowLimit: 500, countTo: 4500 })
  assert.equal(capped.rows.map((r) => r[0]).slice(0, 2), ['4000', '4001'])
  assert.is(capped.counted, 4500)
  assert.is(capped.truncated, true)
})

sql('stops a query at the time limit', async () => {
  try {
    await runSql(sq.source, RANGE, 'SELECT count(*) FROM range(100000000000) a, logs', { timeLimitMs: 200 })
    assert.unreachable()
  } catch (e) {
    assert.is((e as Error).message, 'The query ran longer than 0.2 s and was stopped.')
  }
})

const systemDb = '/tmp/logsift-system.duckdb'
const NOT_SELECT = /^Only read-only queries \(SELECT\) can run here/
const REFUSED: [string, RegExp][] = [
  ["INSERT INTO logs (sender) VALUES ('x')", NOT_SELECT],
  ["UPDATE logs SET sender = 'x'", NOT_SELECT],
  ['DELETE FROM logs', NOT_SELECT],
  ['CREATE TABLE t (a INTEGER)', NOT_SELECT],
  ['DROP VIEW logs', NOT_SELECT],
  [`ATTACH '${systemDb}' AS sys`, NOT_SELECT],
  ['DETACH DATABASE memory', NOT_SELECT],
  ["COPY (SELECT 1) TO '/tmp/out.csv'", NOT_SELECT],
  [`COPY logs TO '${'${dataDir}'}/fw/2024-05-01.duckdb'`, NOT_SELECT],
  ['INSTALL inet', NOT_SELECT],
  ['LOAD inet', NOT_SELECT],
  ['SET threads = 1', NOT_SELECT],
  ['PRAGMA version', NOT_SELECT],
  ['CALL pragma_version()', NOT_SELECT],
  ['SELEC 1', /^Parser Error: syntax error at or near "SELEC"/],
  ["SELECT * FROM read_csv('/etc/passwd')", /^Permission Error: Cannot access file "\/etc\/passwd"/],
  ["SELECT * FROM read_text('/etc/hostname')", /^Permission Error: Cannot access file "\/etc\/hostname"/],
  [`SELECT * FROM read_text('${systemDb}')`, /^Permission Error/],
  [`SELECT * FROM read_blob('${systemDb}')`, /^Permission Error/],
  ['SELECT 1; SELECT 2', /^Run one statement at a time\.$/],
]

for (const [statement, message] of REFUSED) {
  sql(`refuses ${statement}`, async () => {
    try {
      await runSql(sq.source, RANGE, statement.replace('${dataDir}', sq.dataDir))
    } catch (e) {
      assert.instance(e, SearchError)
      assert.match((e as Error).message, message)
      return
    }
    assert.unreachable('ran')
  })
}

sql('read_text of a file beside the day files but outside their directory is refused', async () => {
  try {
    await runSql(sq.source, RANGE, `SELECT * FROM read_text('${join(sq.dataDir, 'other.txt')}')`)
    assert.unreachable()
  } catch (e) {
    assert.match((e as Error).message, /^Permission Error/)
  }
})

sql.run()

const exp = suite('exportLogs')
let ex: Awaited<ReturnType<typeof fourDays>>
exp.before(async () => {
  ex = await fourDays(300)
})
exp.after(async () => {
  await ex.writer.close()
})

/** Rows of `sql` in a fresh in-memory DuckDB, as JSON text for exact comparison. */
async function readBack(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(sql)).getRowsJS()
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

const FILTER: Filter[] = [{ column: 'sender_ip', op: 'cidr', value: '2001:db8::/32' }]

for (const format of ['csv', 'parquet'] as const) {
  exp(`a browse filter as ${format} reads back to the query's rows`, async () => {
    const file = await exportLogs(ex.source, RANGE, { kind: 'filter', filters: FILTER }, format)
    try {
      const cols = 'epoch_us(received_at)::VARCHAR, sender_ip, sender, facility::INTEGER, pppoe, destination_port::INTEGER, vlan, original_log'
      const got = await readBack(`SELECT ${cols} FROM ${format === 'csv' ? 'read_csv' : 'read_parquet'}('${file.path}')`)
      const want = await runSql(ex.source, RANGE, `SELECT ${cols} FROM logs WHERE sender_ip LIKE '2001:db8:%' ORDER BY received_at DESC, original_log`, { rowLimit: 10_000 })
      assert.is(got.length, want.rows.length)
      const norm = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? null : String(v))))
      // Ties of received_at may come in either order; compare as sorted lists.
      const sort = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort()
      assert.equal(sort(norm(got)), sort(want.rows))
      if (format === 'parquet') assert.is(readFileSync(file.path).subarray(0, 4).toString(), 'PAR1')
    } finally {
      await file.remove()
    }
    assert.throws(() => statSync(file.path))
  })
}

exp('past days only: read in an instance of the export\'s own, every matching row once', async () => {
  const past = { from: RANGE.from, to: Date.parse('2024-05-04T00:00:00Z') }
  const file = await exportLogs(ex.source, past, { kind: 'filter', filters: [{ column: 'hostname', op: 'eq', value: 'gw3' }] }, 'csv')
  try {
    const got = await readBack(`SELECT epoch_us(received_at)::VARCHAR, vlan, original_log FROM read_csv('${file.path}') ORDER BY ALL`)
    const want = await runSql(ex.source, past, "SELECT epoch_us(received_at)::VARCHAR, vlan, original_log FROM logs WHERE hostname = 'gw3' ORDER BY ALL", { rowLimit: 10_000 })
    assert.is(got.length, 3 * 60)
    assert.equal(got.map((r) => r.map((v) => (v === null ? null : String(v)))), want.rows)
  } finally {
    await file.remove()
  }
})

exp('a SQL result as CSV', async () => {
  const file = await exportLogs(ex.source, RANGE, { kind: 'sql', sql: 'SELECT hostname, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1;' }, 'csv')
  assert.is(readFileSync(file.path, 'utf8'), 'hostname,n\ngw0,240\ngw1,240\ngw2,240\ngw3,240\ngw4,240\n')
  await file.remove()
})

exp('a SQL export refuses what the SQL page refuses', async () => {
  for (const statement of ["SELECT 1) TO '/tmp/x.csv' (FORMAT csv) --", 'DELETE FROM main.logs', "SELECT * FROM read_text('/etc/hostname')"]) {
    try {
      await exportLogs(ex.source, RANGE, { kind: 'sql', sql: statement }, 'csv')
      assert.unreachable(statement)
    } catch (e) {
      assert.instance(e, SearchError, statement)
    }
  }
})

exp.run()
