/**
 * @module
 * Browse, row detail, SQL and export over HTTP (issue 7), on a real supervisor: three
 * closed day files and today held by the running engine's writer, one day with an extra
 * column. Log text is hostile HTML and must come back escaped everywhere.
 */
import { writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { runSql } from '../../src/store/log-search.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import type { ConsoleControl } from '../../src/web/control.js'
import { ExportSlots, logsSource } from '../../src/web/log-data.js'
import { DAYS, dayColumns, dayRow, writeDays, writeToday } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { makeBatch, manualClock } from '../store/helpers.js'
import { addUser, Client, makeConsole, type TestConsole } from './helpers.js'

const RANGE = 'engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00'

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  control: ConsoleControl
  viewer: Client
  dir: string
}

async function start(): Promise<Ctx> {
  const { dir, file } = tempConfig()
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  await writeDays(plan.dataDir, DAYS.slice(0, 3), 600)
  const supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  await writeToday(supervisor.engine('fw')!.store, 600)
  const control: ConsoleControl = { supervisor, configFile: file, reload: () => Promise.reject(new Error('not in this test')) }
  const t = await makeConsole({ control, dataDir: plan.dataDir, maxConcurrentExports: 1 })
  await addUser(t.store, 'vera', 'viewer')
  const viewer = new Client(t.app)
  await viewer.login('vera')
  return { t, supervisor, control, viewer, dir }
}

async function stop(ctx: Ctx): Promise<void> {
  await ctx.supervisor.stop()
  await ctx.t.close()
  await rm(ctx.dir, { recursive: true, force: true })
}

const unescape = (s: string) => s.replace(/&amp;/g, '&')

/** Row links and the "Older" link of a browse page. */
function links(html: string): { rows: string[]; next?: string } {
  const rows = [...html.matchAll(/href="(\/browse\/row\?[^"]+)"/g)].map((m) => unescape(m[1]!))
  const next = /href="([^"]+)" rel="next"/.exec(html)?.[1]
  return next ? { rows, next: unescape(next) } : { rows }
}

const test = suite<Ctx>('data pages')
test.before(async (ctx) => {
  Object.assign(ctx, await start())
})
test.after((ctx) => stop(ctx))

/** The total a browse page shows: in the page, or from the `/browse/count` it loads after itself. */
async function shownTotal(viewer: Client, html: string): Promise<string> {
  const lazy = /<span class="results-total" hx-get="([^"]+)" hx-trigger="load" hx-swap="outerHTML">Counting rows…<\/span>/.exec(html)
  const total = lazy ? await (await viewer.get(unescape(lazy[1]!))).text() : html
  return /<span class="results-total">([^<]*)<\/span>/.exec(total)![1]!
}

test('browse pages visit each of the 600 matching rows of four days exactly once', async ({ viewer }) => {
  let path: string | undefined = `/browse?${RANGE}&col=sender_ip&op=cidr&val=10.1.0.0%2F16&n=50`
  const seen: string[] = []
  let pages = 0
  while (path) {
    const res = await viewer.get(path)
    assert.is(res.status, 200)
    const html = await res.text()
    assert.is(await shownTotal(viewer, html), '600 rows')
    const { rows, next } = links(html)
    seen.push(...rows)
    pages++
    path = next
  }
  assert.is(pages, 12)
  assert.is(seen.length, 600)
  assert.is(new Set(seen).size, 600)
})

test('a page found before the search read the whole range loads its total from /browse/count', async ({ viewer }) => {
  // 150 of the 600 matches are today's: the first 50 are found without reading the older days.
  const html = await (await viewer.get(`/browse?${RANGE}&col=sender_ip&op=cidr&val=10.1.0.0%2F16&n=50`)).text()
  assert.ok(
    html.includes(
      '<span class="results-total" hx-get="/browse/count?engine=fw&amp;range=custom&amp;from=2024-05-01T00%3A00&amp;to=2024-05-05T00%3A00&amp;col=sender_ip&amp;op=cidr&amp;val=10.1.0.0%2F16" hx-trigger="load" hx-swap="outerHTML">Counting rows…</span>',
    ),
  )
  const count = await viewer.get(`/browse/count?${RANGE}&col=sender_ip&op=cidr&val=10.1.0.0%2F16`)
  assert.is(count.status, 200)
  assert.is(await count.text(), '<span class="results-total">600 rows</span>')
  // Fewer matches than a page holds: the search read every day and found them all, so the page has its total.
  const counted = await (await viewer.get(`/browse?${RANGE}&col=original_log&op=contains&val=%3Cscript%3E`)).text()
  assert.ok(counted.includes('<span class="results-total">16 rows</span>'))
  assert.not.ok(counted.includes('Counting rows…'))
  assert.is(await (await viewer.get(`/browse/count?${RANGE}&col=original_log&op=contains&val=2024-05-03%20line%20599%20`)).text(), '<span class="results-total">1 row</span>')
  const bad = await viewer.get(`/browse/count?${RANGE}&col=hostname&op=cidr&val=10.0.0.0%2F8`)
  assert.is(bad.status, 400)
})

test('the filter form keeps its values and offers every column of the range', async ({ viewer }) => {
  const html = await (await viewer.get(`/browse?${RANGE}&col=vlan&op=eq&val=v2`)).text()
  assert.is(await shownTotal(viewer, html), '150 rows', 'vlan = v2 on day two only')
  assert.ok(html.includes('<option value="vlan" selected="">vlan</option>'))
  assert.ok(html.includes('<option value="destination_ip">destination_ip</option>'))
  assert.ok(html.includes('name="val" id="flt-0-val" value="v2"'))
})

test('removing a filter redirects to the view without it', async ({ viewer }) => {
  const res = await viewer.get(`/browse?${RANGE}&col=sender&op=eq&val=core&col=hostname&op=prefix&val=gw1&n=50&drop=0`)
  assert.is(res.status, 303)
  assert.is(
    res.headers.get('location'),
    '/browse?engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00&col=hostname&op=prefix&val=gw1&n=50',
  )
})

/** `data-count` of each histogram bucket, and each bucket's link. */
function bars(html: string): { counts: number[]; hrefs: string[] } {
  const found = [...html.matchAll(/<a class="histogram-bucket" href="([^"]+)" data-count="(\d+)"/g)]
  return { counts: found.map((m) => Number(m[2])), hrefs: found.map((m) => unescape(m[1]!)) }
}

/** Value and row count of each top value, in the order listed. */
function topRows(html: string): [string, number][] {
  return [...html.matchAll(/<td class="mono">(?:<a [^>]*>([^<]*)<\/a>|<span class="muted">\(no value\)<\/span>)(?:<span[^>]*>[^<]*<\/span>)?<\/td><td class="num top-value-count">([\d,]+)<\/td>/g)].map((m) => [
    m[1] ?? '(no value)',
    Number(m[2]!.replace(/,/g, '')),
  ])
}

test('the browse page leaves the histogram and the top values to load after it', async ({ viewer }) => {
  const html = await (await viewer.get(`/browse?${RANGE}&col=sender&op=eq&val=core&top=pppoe`)).text()
  const q = 'engine=fw&amp;range=custom&amp;from=2024-05-01T00%3A00&amp;to=2024-05-05T00%3A00&amp;col=sender&amp;op=eq&amp;val=core&amp;n=100&amp;top=pppoe'
  assert.ok(html.includes(`hx-get="/browse/histogram?${q}" hx-trigger="load" hx-swap="outerHTML"`))
  assert.ok(html.includes(`hx-get="/browse/top?${q}&amp;column=pppoe" hx-trigger="load"`))
  assert.not.ok(html.includes('histogram-bucket'), 'no bar is counted for the page itself')
  // Whole lines and the time have no top values to offer; the other columns do.
  const offered = [...html.match(/<select name="column" id="top-column">(.*?)<\/select>/s)![1]!.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1])
  assert.ok(offered.includes('pppoe') && offered.includes('sender'), offered.join(' '))
  assert.not.ok(offered.includes('original_log') || offered.includes('received_at'), offered.join(' '))
})

test('histogram: hour buckets over four days whose counts add up to the match', async ({ viewer }) => {
  const res = await viewer.get(`/browse/histogram?${RANGE}`)
  assert.is(res.status, 200)
  const html = await res.text()
  const { counts, hrefs } = bars(html)
  assert.is(counts.length, 96)
  assert.is(counts.reduce((a, b) => a + b, 0), 2400)
  // Each day's 600 rows are in its first 200 seconds.
  assert.equal(counts.flatMap((n, i) => (n > 0 ? [[i, n]] : [])), [[0, 600], [24, 600], [48, 600], [72, 600]])
  assert.ok(html.includes('<span class="histogram-total">2,400 rows</span>'))
  assert.ok(html.includes(' in 96 buckets of 1 h '))
  assert.is(hrefs[24], '/browse?engine=fw&range=custom&from=2024-05-02T00%3A00%3A00&to=2024-05-02T01%3A00%3A00&n=100')
  // Filters narrow the counts, and the bars keep them.
  const core = bars(await (await viewer.get(`/browse/histogram?${RANGE}&col=sender&op=eq&val=core&n=50&top=pppoe`)).text())
  assert.equal(core.counts.filter((n) => n > 0), [300, 300, 300, 300])
  assert.is(core.hrefs[72], '/browse?engine=fw&range=custom&from=2024-05-04T00%3A00%3A00&to=2024-05-04T01%3A00%3A00&col=sender&op=eq&val=core&n=50&top=pppoe')
  // A bar's range is that bucket's rows exactly.
  assert.is(await shownTotal(viewer, await (await viewer.get(core.hrefs[72]!)).text()), '300 rows')
  // Five minutes of today in 5 s buckets: three rows a second for the first 200 seconds.
  const today = bars(await (await viewer.get('/browse/histogram?engine=fw&range=custom&from=2024-05-04T00%3A00&to=2024-05-04T00%3A05')).text())
  assert.equal(today.counts, [...Array<number>(40).fill(15), ...Array<number>(20).fill(0)])
})

test('histogram and top values: a bad column is 400 with the reason', async ({ viewer }) => {
  const histogram = await viewer.get(`/browse/histogram?${RANGE}&col=nope&op=eq&val=x`, { 'hx-request': 'true' })
  assert.is(histogram.status, 400)
  assert.match(await histogram.text(), 'There is no column &quot;nope&quot; in the chosen days.')
  const top = await viewer.get(`/browse/top?${RANGE}&column=nope`, { 'hx-request': 'true' })
  assert.is(top.status, 400)
  assert.match(await top.text(), 'There is no column &quot;nope&quot; in the chosen days.')
  const none = await viewer.get(`/browse/top?${RANGE}`)
  assert.is(none.status, 400)
  assert.match(await none.text(), 'Choose a column to see its top values.')
  const badFilter = await viewer.get(`/browse/top?${RANGE}&column=sender&col=destination_port&op=ne&val=x`)
  assert.is(badFilter.status, 400)
  assert.match(await badFilter.text(), 'destination_port must be a whole number; &quot;x&quot; is not.')
})

test('top values: exact counts, most first; a click adds =, a second click makes it ≠', async ({ viewer }) => {
  // pppoe of row i is user(i % 17), NULL when i % 11 = 0, on each of the four days.
  const want = new Map<string, number>()
  for (let i = 0; i < 600; i++) {
    const key = i % 11 === 0 ? '(no value)' : `user${i % 17}`
    want.set(key, (want.get(key) ?? 0) + 4)
  }
  const sorted = [...want].sort((a, b) => b[1] - a[1] || (a[0] === '(no value)' ? 1 : b[0] === '(no value)' ? -1 : a[0] < b[0] ? -1 : 1))
  const html = await (await viewer.get(`/browse/top?${RANGE}&column=pppoe`)).text()
  assert.equal(topRows(html), sorted.slice(0, 10))
  assert.ok(html.includes('Top 10 values of pppoe among 2,400 rows'))
  const sender = await (await viewer.get(`/browse/top?${RANGE}&column=sender&col=pppoe&op=eq&val=user3`)).text()
  // user3 is on 33 rows a day (i % 17 = 3 and i % 11 ≠ 0): 17 odd ones (edge), 16 even (core).
  assert.equal(topRows(sender), [['edge', 68], ['core', 64]])
  // The first click: "= core" added, the top values kept open.
  const href = (html: string, value: string) => unescape(new RegExp(`<a class="top-value[^"]*" href="([^"]+)" title="[^"]*">${value}</a>`).exec(html)![1]!)
  const first = href(await (await viewer.get(`/browse/top?${RANGE}&column=sender`)).text(), 'core')
  assert.is(first, '/browse?engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00&col=sender&op=eq&val=core&n=100&top=sender')
  assert.is(await shownTotal(viewer, await (await viewer.get(first)).text()), '1,200 rows')
  // The second: the same value, filtered with = already, links to ≠.
  const filtered = await (await viewer.get(`/browse/top?${RANGE}&column=sender&col=sender&op=eq&val=core`)).text()
  assert.equal(topRows(filtered), [['core', 1200]])
  const second = href(filtered, 'core')
  assert.is(second, '/browse?engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00&col=sender&op=ne&val=core&n=100&top=sender')
  assert.is(await shownTotal(viewer, await (await viewer.get(second)).text()), '1,200 rows')
  assert.equal(topRows(await (await viewer.get(`/browse/top?${RANGE}&column=sender&col=sender&op=ne&val=core`)).text()), [['edge', 1200]])
  // The view's settings stay: page size and the chooser's hidden columns (the range is in every link).
  const kept = href(await (await viewer.get(`/browse/top?${RANGE}&column=sender&n=500&top=pppoe&hide=hostname&hide=pppoe`)).text(), 'core')
  assert.is(kept, '/browse?engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00&col=sender&op=eq&val=core&n=500&top=sender&hide=hostname&hide=pppoe')
  const page = await (await viewer.get(kept)).text()
  assert.ok(page.includes('<th scope="col" data-column="sender">'))
  assert.not.ok(page.includes('<th scope="col" data-column="hostname">'), 'hostname stays hidden')
})

test('a bad filter answers 400 with the reason', async ({ viewer }) => {
  const res = await viewer.get(`/browse?${RANGE}&col=hostname&op=cidr&val=10.0.0.0%2F8`)
  assert.is(res.status, 400)
  assert.ok((await res.text()).includes('CIDR applies to address columns (sender_ip and *_ip), not to hostname.'))
})

test('hostile log text is escaped in browse, row detail and SQL results', async ({ viewer }) => {
  const browse = await (await viewer.get(`/browse?${RANGE}&col=original_log&op=contains&val=%3Cscript%3E`)).text()
  assert.is(await shownTotal(viewer, browse), '16 rows')
  assert.ok(browse.includes('&lt;script&gt;alert(1)&lt;/script&gt; #0'))
  assert.not.ok(browse.includes('<script>alert'))
  const detail = await (await viewer.get(links(browse).rows[0]!)).text()
  assert.ok(detail.includes('<pre class="log-original">&lt;script&gt;alert(1)&lt;/script&gt; #582</pre>'))
  assert.not.ok(detail.includes('<script>alert'))
  const img = await (await viewer.get(`/browse?${RANGE}&col=original_log&op=contains&val=onerror`)).text()
  assert.is(await shownTotal(viewer, img), '12 rows')
  assert.ok(img.includes('&lt;img src=x onerror=alert(2)&gt;'))
  assert.not.ok(img.includes('<img src=x'))
  const q = encodeURIComponent("SELECT original_log FROM logs WHERE original_log LIKE '%alert%' ORDER BY received_at LIMIT 2")
  const sql = await (await viewer.get(`/sql?${RANGE}&q=${q}`)).text()
  assert.ok(sql.includes('<td>&lt;script&gt;alert(1)&lt;/script&gt; #0</td>'))
  assert.ok(sql.includes('<td>&quot;&gt;&lt;img src=x onerror=alert(2)&gt; #97</td>'))
  assert.not.ok(sql.includes('<img src=x'))
})

test('a row that does not exist is 404', async ({ viewer }) => {
  assert.is((await viewer.get('/browse/row?engine=fw&at=1714780864000250&id=999999')).status, 404)
  assert.is((await viewer.get('/browse?engine=nope')).status, 404)
})

// Issue 16.9: a time no day file can hold (beyond JavaScript's dates or BIGINT) is a bad
// request, not a server error; so is a row id over BIGINT.
test('a row key out of range is 400 with a message', async ({ viewer }) => {
  for (const [at, id] of [['9000000000000000000', '1'], ['99999999999999999999', '1'], ['-9000000000000000000', '1'], ['1714780864000250', '99999999999999999999']]) {
    const res = await viewer.get(`/browse/row?engine=fw&at=${at}&id=${id}`)
    assert.is(res.status, 400, `${at}.${id}`)
    assert.match(await res.text(), 'This row address is out of range.')
  }
})

test('a row page ignores a Referer that is not a URL', async ({ viewer }) => {
  const row = links(await (await viewer.get(`/browse?${RANGE}`)).text()).rows[0]!
  const res = await viewer.get(row, { referer: 'http://[' })
  assert.is(res.status, 200)
  assert.match(await res.text(), 'href="/browse?engine=fw"')
})

test('SQL runs over every chosen day and shows the result', async ({ viewer }) => {
  const q = encodeURIComponent('SELECT count(*) AS n, count(vlan) AS with_vlan FROM logs')
  const res = await viewer.get(`/sql?${RANGE}&q=${q}`)
  assert.is(res.status, 200)
  const html = await res.text()
  assert.ok(html.includes('<th scope="col" title="BIGINT">n</th><th scope="col" title="BIGINT">with_vlan</th>'))
  assert.ok(html.includes('<td>2400</td><td>600</td>'))
})

test('the SQL column list of a range without day files has the class fields, as a range with data has', async ({ viewer }) => {
  const columns = async (range: string) => {
    const res = await viewer.get(`/sql/columns?engine=fw&range=custom&${range}`)
    assert.is(res.status, 200)
    return [...(await res.text()).matchAll(/>([a-z_]+)<\/button> <span class="muted sql-column-type">([^<]+)<\/span>/g)].map((m) => `${m[1]} ${m[2]}`)
  }
  // Today's file has every column of the class (the writer creates it from the class).
  const today = await columns('from=2024-05-04T00%3A00&to=2024-05-05T00%3A00')
  for (const c of ['pppoe VARCHAR', 'router_identity VARCHAR', 'user_ip VARCHAR', 'user_port INTEGER', 'nat_ip VARCHAR', 'nat_port INTEGER']) assert.ok(today.includes(c), c)
  assert.equal(await columns('from=2023-01-01T00%3A00&to=2023-01-02T00%3A00'), today)
  // The page lists them too, and a query may name a field of the class over no rows.
  const q = encodeURIComponent('SELECT count(router_identity) AS n FROM logs')
  const page = await (await viewer.get(`/sql?engine=fw&range=custom&from=2023-01-01T00%3A00&to=2023-01-02T00%3A00&q=${q}`)).text()
  assert.ok(page.includes('data-insert="router_identity"'))
  assert.ok(page.includes('<td>0</td>'), 'the query ran')
})

test('a SQL result page stops at 10 MB of text and says it was cut', async ({ viewer }) => {
  // 10,000 rows of 20 KB: 200 MB printed, which once took the server to 913 MB resident.
  const q = encodeURIComponent("SELECT i, repeat('x', 20000) AS v FROM range(10000) t(i)")
  const res = await viewer.get(`/sql?${RANGE}&limit=10000&q=${q}`)
  assert.is(res.status, 200)
  const html = await res.text()
  // Rows 0–9 print 20,001 characters, 10–99 20,002, from 100 on 20,003: 499 rows fit in 10,000,000.
  assert.match(html, /499 rows in \d{1,3}(,\d{3})* ms<span class="muted results-sub"> · cut at 10 MB of text, more exist; export for all of them<\/span>/)
  assert.is(html.match(/<tr><td>/g)?.length, 499)
  assert.ok(html.length < 10_200_000, `page of ${html.length} characters`)
})

const REFUSED: [string, string][] = [
  ["INSERT INTO logs (sender) VALUES ('x')", 'Only read-only queries (SELECT) can run here'],
  ['DROP VIEW logs', 'Only read-only queries (SELECT) can run here'],
  ['PRAGMA version', 'Only read-only queries (SELECT) can run here'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'Permission Error: Cannot access file &quot;/etc/passwd&quot;'],
]

test('SQL refuses writes and files with a clear message', async (ctx) => {
  const systemDb = join(ctx.t.dir, 'logsift-system.duckdb')
  const cases = [...REFUSED, [`SELECT * FROM read_text('${systemDb}')`, 'Permission Error'], [`ATTACH '${systemDb}' AS sys`, 'Only read-only queries']]
  for (const [statement, message] of cases) {
    const res = await ctx.viewer.get(`/sql?${RANGE}&q=${encodeURIComponent(statement!)}`)
    assert.is(res.status, 400, statement)
    const html = await res.text()
    assert.ok(html.includes('The query failed.'), statement)
    assert.ok(html.includes(message!), `${statement}: ${message}`)
  }
})

/** Writes a response body to a file and reads it back with DuckDB. */
async function readExport(ctx: Ctx, res: Response, reader: 'read_csv' | 'read_parquet', select: string): Promise<unknown[][]> {
  const path = join(ctx.dir, `read-back-${reader}`)
  writeFileSync(path, Buffer.from(await res.arrayBuffer()))
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(`SELECT ${select} FROM ${reader}('${path}') ORDER BY 1, 2`)).getRowsJS()
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

for (const [format, reader] of [['csv', 'read_csv'], ['parquet', 'read_parquet']] as const) {
  test(`browse export as ${format}: named, audited, rows identical to the query`, async (ctx) => {
    const res = await ctx.viewer.get(`/browse/export?${RANGE}&col=sender_ip&op=cidr&val=10.1.0.0%2F16&format=${format}`)
    assert.is(res.status, 200)
    assert.is(res.headers.get('content-disposition'), `attachment; filename="fw_20240501T000000_20240505T000000.${format}"`)
    const select = 'epoch_us(received_at)::VARCHAR AS at, original_log, sender_ip, destination_port::INTEGER, vlan'
    const got = await readExport(ctx, res, reader, select)
    const source = logsSource(ctx.control, 'fw')!
    const want = await runSql(source, { from: Date.parse('2024-05-01T00:00:00Z'), to: Date.parse('2024-05-05T00:00:00Z') },
      `SELECT ${select} FROM logs WHERE sender_ip IN ('10.1.2.3', '10.1.200.9') ORDER BY 1, 2`, { rowLimit: 10_000 })
    assert.is(got.length, 600)
    assert.equal(got.map((r) => r.map((v) => (v === null ? null : String(v)))), want.rows)
    const [entry] = await ctx.t.store.listAudit({ limit: 1 })
    assert.is(entry!.action, 'data.exported')
    assert.is(entry!.userName, 'vera')
    assert.is(entry!.target, 'fw')
    assert.is(entry!.details, `${format} of browse: 2024-05-01T00:00:00 – 2024-05-05T00:00:00 UTC; sender_ip in CIDR 10.1.0.0/16`)
  })
}

test('SQL export of a result, and a refused statement is not exported', async (ctx) => {
  const q = encodeURIComponent('SELECT hostname, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1')
  const res = await ctx.viewer.get(`/sql/export?${RANGE}&q=${q}&format=csv`)
  assert.is(res.status, 200)
  assert.is(await res.text(), 'hostname,n\ngw0,480\ngw1,480\ngw2,480\ngw3,480\ngw4,480\n')
  const [entry] = await ctx.t.store.listAudit({ limit: 1 })
  assert.is(entry!.details, 'csv of SQL: 2024-05-01T00:00:00 – 2024-05-05T00:00:00 UTC; SELECT hostname, count(*) AS n FROM logs GROUP BY 1 ORDER BY 1')
  const refused = await ctx.viewer.get(`/sql/export?${RANGE}&q=${encodeURIComponent('DELETE FROM logs')}&format=csv`)
  assert.is(refused.status, 400)
})

test('one export more than the limit is answered 429 until one finishes', async (ctx) => {
  const path = `/browse/export?${RANGE}&format=csv`
  // Not Client.get: it reads every body, and this one must stay unread.
  const cookie = [...ctx.viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const first = await ctx.t.app.request(path, { headers: { cookie } })
  assert.is(first.status, 200)
  assert.is((await ctx.t.app.request(path, { headers: { cookie } })).status, 429)
  await first.body!.cancel()
  await new Promise((r) => setTimeout(r, 50))
  const third = await ctx.viewer.get(path)
  assert.is(third.status, 200)
  assert.is((await third.text()).split('\n').length, 2400 + 2)
})

test('a large export streams with bounded memory', async (ctx) => {
  const store = ctx.supervisor.engine('fw')!.store
  const day = DAYS[3]
  // 250k rows fit in the day: dayRow puts three rows a second.
  const rows = 250_000
  for (let start = 0; start < rows; start += 50_000) {
    await store.append(makeBatch(dayColumns(day), Array.from({ length: 50_000 }, (_, i) => dayRow(day, 600 + start + i))))
  }
  await store.flush()
  global.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  const res = await ctx.viewer.get(`/browse/export?engine=fw&range=custom&from=2024-05-04T00%3A00&to=2024-05-05T00%3A00&format=csv`)
  assert.is(res.status, 200)
  let lines = 0
  let bytes = 0
  for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length
    for (const b of chunk) if (b === 10) lines++
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  assert.is(lines, rows + 600 + 1)
  assert.is(Number(res.headers.get('content-length')), bytes)
  // The file is tens of MB; the process must not hold it: growth stays well below its size times a few.
  assert.ok(peak - before < 200 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB`)
})

test.run()

const slots = suite('ExportSlots')
slots('takes up to max, then 429; a release is counted once', () => {
  const s = new ExportSlots(2)
  const a = s.take()
  s.take()
  try {
    s.take()
    assert.unreachable()
  } catch (e) {
    assert.is((e as { status: number }).status, 429)
  }
  a()
  a()
  assert.is(s.active, 1)
})
slots.run()
