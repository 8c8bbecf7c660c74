/**
 * @module
 * Issue 16 item 1: a viewer's SELECT cannot change the DuckDB instance. Against the real
 * CLI in a child process (an abort there fails the test instead of killing the runner):
 * `enable_logging()` used to abort the whole process at the next connection close, read
 * other users' statements back from `duckdb_logs`, and create a directory named like
 * tomorrow's day file, which breaks that day.
 */
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SystemStore } from '../../src/system/system-store.js'
import { field, spawnServe, tempConfig, udpPort, type ServeProcess } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'
import { Client } from './helpers.js'

interface Ctx {
  dir: string
  serve: ServeProcess
  url: string
  port: number
  dataDir: string
  viewer: Client
}

const test = suite<Ctx>('SQL: statements that would change the instance')

test.before(async (ctx) => {
  const { dir, file, config } = tempConfig()
  ctx.dir = dir
  const store = await SystemStore.create(join(dir, 'logsift-system.duckdb'))
  await store.createUser({ name: 'vera', displayName: 'Vera', role: 'viewer', password: 'correct horse battery' })
  store.closeSync()
  ctx.serve = spawnServe(file)
  ctx.port = udpPort(await ctx.serve.waitFor(/event=engine\.started engine=fw/))
  ctx.url = field(await ctx.serve.waitFor(/event=console\.listening/), 'url')
  ctx.dataDir = config.data_dir as string
  const http = { request: (path: string, init?: RequestInit) => fetch(ctx.url + path, { ...init, redirect: 'manual' }) }
  ctx.viewer = new Client(http as unknown as Hono)
  await ctx.viewer.get('/login')
  assert.is((await ctx.viewer.post('/login', { name: 'vera', password: 'correct horse battery' }, { origin: ctx.url })).status, 303)
})

test.after(async ({ dir, serve }) => {
  try {
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM')
      assert.is(await serve.exited, 0)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

/** The error a refused statement shows, unescaped enough to compare. */
async function refusal(viewer: Client, sql: string): Promise<{ status: number; message: string }> {
  const res = await viewer.get(`/sql?engine=fw&q=${encodeURIComponent(sql)}`)
  const html = await res.text()
  return { status: res.status, message: /<pre class="sql-error">([^<]*)<\/pre>/.exec(html)?.[1] ?? '' }
}

test('the exact attack URL is answered 400 and the server keeps receiving and storing', async ({ serve, url, port, viewer }) => {
  const attack = "/sql?engine=fw&q=SELECT * FROM enable_logging(storage='file', storage_path='/tmp/x')"
  const res = await viewer.get(attack.replace(/ /g, '%20'))
  assert.is(res.status, 400)
  const html = await res.text()
  assert.ok(html.includes('<pre class="sql-error">enable_logging() cannot run here: SQL may call only the read-only table functions range, generate_series'), html.slice(-2000))
  // A second connection opened and closed (every page does) was where the process aborted.
  const mark = `after-attack-${Date.now()}`
  await sendDatagrams(port, [`<54> 01:05:27 gw1 prerouting: in:<pppoe-${mark}> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443`])
  const deadline = Date.now() + 5000
  let count = ''
  while (Date.now() < deadline) {
    const page = await (await viewer.get(`/sql?engine=fw&range=15m&q=${encodeURIComponent(`SELECT count(*) AS n FROM logs WHERE pppoe = '${mark}'`)}`)).text()
    count = /<td>(\d+)<\/td>/.exec(page)?.[1] ?? ''
    if (count === '1') break
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.is(count, '1', 'the line sent after the attack is stored and readable')
  assert.is(serve.child.exitCode, null)
  assert.is((await fetch(`${url}/login`)).status, 200)
})

test('every state-changing table function is refused, in any position and spelling', async ({ viewer, dataDir }) => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  const dayFile = join(dataDir, 'fw', `${tomorrow}.duckdb`)
  const cases: [string, string][] = [
    [`SELECT * FROM enable_logging(storage='file', storage_path='${dayFile}')`, 'enable_logging() cannot run here'],
    [`SELECT 1 FROM logs WHERE EXISTS (SELECT * FROM ENABLE_LOGGING(storage='file', storage_path='${dayFile}'))`, 'enable_logging() cannot run here'],
    [`WITH x AS (SELECT * FROM system.main.enable_logging()) SELECT * FROM x`, 'enable_logging() cannot run here'],
    [`SELECT * FROM range(1), "enable_logging"()`, 'enable_logging() cannot run here'],
    ['SELECT * FROM disable_logging()', 'disable_logging() cannot run here'],
    ['SELECT * FROM truncate_duckdb_logs()', 'truncate_duckdb_logs() cannot run here'],
    ['SELECT * FROM checkpoint()', 'checkpoint() cannot run here'],
    ['SELECT * FROM force_checkpoint()', 'force_checkpoint() cannot run here'],
    ['SELECT * FROM disable_peg_parser()', 'disable_peg_parser() cannot run here'],
    ["SELECT * FROM enable_profiling(format := 'json')", 'enable_profiling() cannot run here'],
    ["SELECT * FROM query('SELECT * FROM enable_logging()')", 'query() cannot run here'],
    ["SELECT * FROM query_table('duckdb_logs')", 'query_table() cannot run here'],
    ["SELECT * FROM histogram(logs, severity)", 'histogram() cannot run here'],
    ['SELECT * FROM duckdb_logs', 'duckdb_logs cannot be read here: it holds what other sessions ran.'],
    ['SELECT * FROM duckdb_logs()', 'duckdb_logs() cannot run here'],
    ['SELECT * FROM duckdb_logs_parsed(\'QueryLog\')', 'duckdb_logs_parsed() cannot run here'],
    ['SELECT setseed(0.5)', "setseed() cannot run here: it changes DuckDB's state or holds it up."],
    ["SELECT write_log('x')", "write_log() cannot run here: it changes DuckDB's state or holds it up."],
    ['SELECT sleep_ms(60000)', "sleep_ms() cannot run here: it changes DuckDB's state or holds it up."],
  ]
  for (const [sql, message] of cases) {
    const got = await refusal(viewer, sql)
    assert.is(got.status, 400, sql)
    assert.ok(got.message.replace(/&#39;/g, "'").startsWith(message), `${sql}: ${got.message}`)
  }
  assert.not.ok(existsSync(dayFile), 'no directory named like tomorrow’s day file')
})

test('read-only table functions and volatile readers still run', async ({ viewer }) => {
  const sql = "SELECT count(*) AS n, max(random()) < 1 AS r FROM range(3) t(i), generate_series(1, 2), unnest([1]) WHERE i IN (SELECT 1 FROM duckdb_columns() LIMIT 1) OR true"
  const res = await viewer.get(`/sql?engine=fw&q=${encodeURIComponent(sql)}`)
  assert.is(res.status, 200)
  assert.ok((await res.text()).includes('<td>6</td><td>true</td>'))
})

test.run()
