/**
 * @module
 * Issue 16 items 2, 7 and 9 (first point): exports over real HTTP to a running console.
 * An export stops at its time limit, at its size cap and when the client goes away — its
 * partial file deleted, its slot given back; each engine's SQL reaches its own export
 * directory only; CSV cells that a spreadsheet would run as formulas are prefixed with `'`.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Hono } from 'hono'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { exportDir } from '../../src/store/log-search.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import type { ConsoleControl } from '../../src/web/control.js'
import { startWebServer, type WebServer } from '../../src/web/server.js'
import { DAYS, dayColumns, dayRow } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { makeBatch, manualClock } from '../store/helpers.js'
import { addUser, Client, makeConsole, type TestConsole } from './helpers.js'

const RANGE = `engine=fw&range=custom&from=${DAYS[3]}T00%3A00&to=${DAYS[3]}T23%3A59`
/** Export size cap of this console: small, so hitting it takes a fraction of a second. */
const MAX_BYTES = 5_000_000
/** Writes CSV at DuckDB's full speed (150 MB/s and more) for hours. */
const ENDLESS = 'SELECT * FROM range(1000000000000)'
/** Runs for hours but writes a row per million scanned: the file exists and stays small. */
const SLOW = 'SELECT range FROM range(1000000000000) WHERE range % 1000000 = 0'

/** Cells a spreadsheet would evaluate, and their neighbours that it would not. */
const CELLS = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', "'=quoted", 'plain', ' =spaced']

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  web: WebServer
  viewer: Client
  dir: string
  exports: string
  dataDir: string
}

const test = suite<Ctx>('export limits')

test.before(async (ctx) => {
  const { dir, file } = tempConfig()
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  const store = supervisor.engine('fw')!.store
  await store.append(makeBatch(dayColumns(DAYS[3]), CELLS.map((cell, i) => ({ ...dayRow(DAYS[3], i), hostname: cell, original_log: cell }))))
  await store.flush()
  const control: ConsoleControl = { supervisor, configFile: file, reload: () => Promise.reject(new Error('not in this test')) }
  const t = await makeConsole({ control, dataDir: plan.dataDir, maxConcurrentExports: 1, maxExportBytes: MAX_BYTES })
  await addUser(t.store, 'vera', 'viewer')
  const web = await startWebServer(t.app, { host: '127.0.0.1', port: 0 })
  // Every request has a deadline: an export that never stops fails the test instead of hanging it.
  const http = { request: (path: string, init?: RequestInit) => fetch(web.url + path, { signal: AbortSignal.timeout(10_000), ...init, redirect: 'manual' }) }
  const viewer = new Client(http as unknown as Hono)
  await viewer.get('/login')
  assert.is((await viewer.post('/login', { name: 'vera', password: 'correct horse battery' }, { origin: web.url })).status, 303)
  Object.assign(ctx, { t, supervisor, web, viewer, dir, exports: exportDir(plan.dataDir, 'fw'), dataDir: plan.dataDir })
})

test.after(async (ctx) => {
  await ctx.web.close()
  await ctx.supervisor.stop()
  await ctx.t.close()
  await rm(ctx.dir, { recursive: true, force: true })
})

/** Export files in the engine's export directory (the spill directory aside). */
const exportFiles = (dir: string) => readdirSync(dir).filter((name) => name !== 'spill')

/** Waits until `ok()` holds, failing after `ms`. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const exportUrl = (sql: string, format = 'csv', extra = '') => `/sql/export?${RANGE}&q=${encodeURIComponent(sql)}&format=${format}${extra}`

test('an endless export stops at its time limit, answered 400, its file deleted', async ({ viewer, exports }) => {
  const started = Date.now()
  const res = await viewer.get(exportUrl(SLOW, 'csv', '&timeout=1'))
  const took = Date.now() - started
  assert.is(res.status, 400)
  const html = await res.text()
  assert.ok(html.includes('The export ran longer than 1 s and was stopped; choose a shorter range or a smaller result.'), html.slice(-1500))
  assert.ok(took < 3000, `took ${took} ms`)
  assert.equal(exportFiles(exports), [])
})

test('an export stops when its file passes the size cap', async ({ viewer, exports }) => {
  const started = Date.now()
  const res = await viewer.get(exportUrl(ENDLESS, 'csv', '&timeout=60'))
  const took = Date.now() - started
  assert.is(res.status, 400)
  assert.ok((await res.text()).includes('The export passed 5 MB and was stopped; choose a shorter range, a smaller result, or Parquet.'))
  assert.ok(took < 3000, `took ${took} ms`)
  assert.equal(exportFiles(exports), [])
})

test('a client that leaves mid-export: the export stops, its file is deleted, its slot is free', async ({ web, viewer, exports }) => {
  const cookie = [...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const leaving = new AbortController()
  const request = fetch(web.url + exportUrl(SLOW, 'csv', '&timeout=300'), { headers: { cookie }, signal: leaving.signal }).catch((e: Error) => e)
  await until(() => exportFiles(exports).length === 1, 5000, 'the export file is being written')
  leaving.abort()
  assert.instance(await request, Error)
  await until(() => exportFiles(exports).length === 0, 3000, 'the partial file is deleted')
  // One slot in this console: a second export gets it only if the first gave it back.
  const res = await viewer.get(exportUrl('SELECT 1 AS one'))
  assert.is(res.status, 200)
  assert.is(await res.text(), 'one\n1\n')
})

test('a clean stop cancels a running export at once', async ({ t, viewer, exports }) => {
  // A listener of its own on the same console, so closing it leaves the suite's one open.
  const second = await startWebServer(t.app, { host: '127.0.0.1', port: 0 })
  const cookie = [...viewer.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const request = fetch(second.url + exportUrl(SLOW, 'csv', '&timeout=300'), { headers: { cookie }, signal: AbortSignal.timeout(10_000) }).catch((e: Error) => e)
  await until(() => exportFiles(exports).length === 1, 5000, 'the export file is being written')
  const closing = Date.now()
  await second.close()
  assert.instance(await request, Error)
  await until(() => exportFiles(exports).length === 0, 3000, 'the partial file is deleted')
  assert.ok(Date.now() - closing < 3000)
  assert.is((await viewer.get(exportUrl('SELECT 1 AS one'))).status, 200)
})

test("an engine's SQL reads its own export directory only", async ({ dataDir, viewer, exports }) => {
  assert.is(exports, join(dataDir, '.exports', 'fw'))
  const other = join(dataDir, '.exports', 'other')
  mkdirSync(other, { recursive: true })
  writeFileSync(join(other, 'in-progress.csv'), 'secret\n1\n')
  const res = await viewer.get(`/sql?${RANGE}&q=${encodeURIComponent(`SELECT * FROM read_csv('${join(other, 'in-progress.csv')}')`)}`)
  assert.is(res.status, 400)
  assert.ok((await res.text()).includes('Permission Error: Cannot access file'))
})

test('CSV cells starting with = + - @ tab or CR get a leading quote, in SQL and browse exports', async ({ viewer }) => {
  const values = CELLS.map((cell) => `(${cell.startsWith('\t') ? `chr(9) || '${cell.slice(1)}'` : cell.startsWith('\r') ? `chr(13) || '${cell.slice(1)}'` : `'${cell.replace(/'/g, "''")}'`})`)
  const sql = `SELECT v, -5 AS n, v AS "=h" FROM (VALUES ${values.join(', ')}, (NULL)) t(v)`
  const res = await viewer.get(exportUrl(sql))
  assert.is(res.status, 200)
  assert.is(
    await res.text(),
    [
      "v,n,'=h",
      "'=1+1,-5,'=1+1",
      "'+1,-5,'+1",
      "'-1,-5,'-1",
      "'@SUM(A1),-5,'@SUM(A1)",
      "'\tx,-5,'\tx",
      `"'\rx",-5,"'\rx"`,
      "'=quoted,-5,'=quoted",
      'plain,-5,plain',
      ' =spaced,-5, =spaced',
      ',-5,',
      '',
    ].join('\n'),
  )
  const browse = await viewer.get(`/browse/export?${RANGE}&format=csv`)
  assert.is(browse.status, 200)
  const lines = (await browse.text()).split('\n')
  const header = lines[0]!.split(',')
  const hostname = header.indexOf('hostname')
  const cells = lines.slice(1, 1 + CELLS.length).map((line) => line.split(',')[hostname])
  assert.equal(cells, ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", `"'\rx"`, "'=quoted", 'plain', ' =spaced'])
})

test('Parquet keeps every value as stored', async ({ viewer, dir }) => {
  const res = await viewer.get(`/browse/export?${RANGE}&format=parquet`)
  assert.is(res.status, 200)
  const path = join(dir, 'back.parquet')
  writeFileSync(path, Buffer.from(await res.arrayBuffer()))
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    const rows = (await c.runAndReadAll(`SELECT hostname FROM read_parquet('${path}')`)).getRowsJS()
    assert.equal(rows.map((r) => r[0]), CELLS)
  } finally {
    c.closeSync()
    db.closeSync()
  }
})

test.run()
