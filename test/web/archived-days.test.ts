/**
 * @module
 * Issue 17 over HTTP: an engine with an archive whose oldest day, 2024-05-01, was
 * archived and then deleted from the data dir. Browse, SQL and CSV export over that day
 * return exactly its rows; a range up to today (held by the running writer) reads the
 * archived day and the day files together.
 */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { dayFilePath } from '../../src/store/day-files.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import { archiveDay, DAYS, writeDays, writeToday } from '../support/log-days.js'
import { tempConfig } from '../support/serve.js'
import { manualClock } from '../store/helpers.js'
import { addUser, Client, makeConsole, type TestConsole } from './helpers.js'

const GONE = 'engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-02T00%3A00'
const ALL = 'engine=fw&range=custom&from=2024-05-01T00%3A00&to=2024-05-05T00%3A00'

interface Ctx {
  t: TestConsole
  supervisor: Supervisor
  viewer: Client
  dir: string
  /** GONE's CSV export while its day file still existed. */
  goneCsv: string
}

const test = suite<Ctx>('archived days in the console')

test.before(async (ctx) => {
  const { dir, file } = tempConfig()
  ctx.dir = dir
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const archiveDir = mkdtempSync(join(dir, 'archive-'))
  plan.engines[0]!.archive = { dir: archiveDir, retentionDays: 3650 }
  await writeDays(plan.dataDir, DAYS.slice(0, 3), 600)
  ctx.supervisor = await Supervisor.start(plan, { clock: manualClock(`${DAYS[3]}T12:00:00Z`) })
  await writeToday(ctx.supervisor.engine('fw')!.store, 600)
  const control = { supervisor: ctx.supervisor, configFile: file, reload: () => Promise.reject(new Error('not in this test')) }
  ctx.t = await makeConsole({ control, dataDir: plan.dataDir })
  await addUser(ctx.t.store, 'vera', 'viewer')
  ctx.viewer = new Client(ctx.t.app)
  await ctx.viewer.login('vera')
  ctx.goneCsv = await (await ctx.viewer.get(`/browse/export?${GONE}&format=csv`)).text()
  await archiveDay(plan.dataDir, archiveDir, DAYS[0])
  await rm(dayFilePath(plan.dataDir, 'fw', DAYS[0]))
})

test.after(async (ctx) => {
  await ctx.supervisor.stop()
  await ctx.t.close()
  await rm(ctx.dir, { recursive: true, force: true })
})

/** The single value a SQL page shows. */
async function sqlValue(viewer: Client, range: string, sql: string): Promise<string> {
  const res = await viewer.get(`/sql?${range}&q=${encodeURIComponent(sql)}`)
  assert.is(res.status, 200)
  const cells = [...(await res.text()).matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1])
  assert.is(cells.length, 1)
  return cells[0]!
}

test('browse over the deleted day shows its archived rows and says where they came from', async ({ viewer }) => {
  // 500 a page: the first page holds all 300 matches, so the page itself counts them.
  const html = await (await viewer.get(`/browse?${GONE}&col=sender&op=eq&val=core&n=500`)).text()
  assert.match(html, '<span class="results-total">300 rows</span>')
  assert.match(html, ' · 1 day (1 from the archive)')
  assert.match(html, '2024-05-01 line 598 in:&lt;pppoe-user3&gt; proto TCP')
  const all = await (await viewer.get(`/browse?${ALL}`)).text()
  assert.match(all, '<span class="results-total">2,400 rows</span>')
  assert.match(all, ' · 4 days (1 from the archive)')
})

test('SQL over the deleted day counts exactly its rows; with today it reads both', async ({ viewer }) => {
  assert.is(await sqlValue(viewer, GONE, 'SELECT count(*) FROM logs'), '600')
  assert.is(await sqlValue(viewer, ALL, 'SELECT count(*) FROM logs'), '2400')
  assert.is(await sqlValue(viewer, ALL, "SELECT count(DISTINCT strftime(received_at, '%Y-%m-%d')) FROM logs WHERE received_at < '2024-05-02' OR received_at >= '2024-05-04'"), '2')
})

test('the CSV export of the deleted day is the one its day file gave', async ({ viewer, goneCsv }) => {
  assert.is(goneCsv.trim().split('\n').length, 601)
  const res = await viewer.get(`/browse/export?${GONE}&format=csv`)
  assert.is(res.status, 200)
  assert.is(await res.text(), goneCsv)
})

test.run()
