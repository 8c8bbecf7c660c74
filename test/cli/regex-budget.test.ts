/**
 * @module
 * Issue 16, item 4, on the real CLI: a class whose look-around is quadratic on long lines
 * (`(\d+)(?!.*\d)` reads the rest of the line at every digit) must not stall the engine's
 * storage. Four 60 KB datagrams are stored at once with that field NULL, and
 * `regex_budget_exceeded` counts them in `/metrics` and in the `engine.stopped` line,
 * beside the accounting identity.
 */
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { field, queryFile, spawnServe, tempConfig, udpPort } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'

const todayUtc = () => new Date().toISOString().slice(0, 10)

const budget = suite('serve: the backtracking budget')

budget('60 KB datagrams with a quadratic look-around are stored at once, the field NULL and counted', async () => {
  const token = 'scrape-0123456789abcdef'
  const { file, config } = tempConfig((c) => {
    c.metrics = { token }
    c.flush_interval_ms = 100
    c.classes = { budget: { last: '(\\d+)(?!.*\\d)', id: 'id=(\\d+)' } }
    const fw = (c.engines as Record<string, unknown>[])[0]!
    fw.class = 'budget'
  })
  const serve = spawnServe(file)
  try {
    const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
    const url = field(await serve.waitFor(/event=console\.listening/), 'url')
    const lines = [1, 2, 3, 4].map((i) => `<13> id=${i} ${'1 '.repeat(30_000)}`)
    const started = Date.now()
    await sendDatagrams(port, [...lines, '<13> id=5 a 12 b 345 c'])
    const sample = async (name: string) => {
      const body = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
      return Number(new RegExp(`^${name}\\{engine="fw"\\} (\\S+)$`, 'm').exec(body)?.[1])
    }
    while ((await sample('logsift_stored_total')) < 5) {
      if (Date.now() - started > 10_000) assert.unreachable('5 rows not stored within 10 s')
      await new Promise((r) => setTimeout(r, 20))
    }
    // Before the budget: seconds per datagram, every other row waiting behind them.
    const took = Date.now() - started
    assert.ok(took < 2000, `5 rows stored after ${took} ms`)
    assert.is(await sample('logsift_regex_budget_exceeded_total'), 4)
    serve.child.kill('SIGTERM')
    const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
    assert.is(await serve.exited, 0)
    const counters = ['received', 'stored', 'rejected_unknown_sender', 'dropped_backpressure', 'regex_budget_exceeded'].map((k) => Number(field(stopped, k)))
    assert.equal(counters, [5, 5, 0, 0, 4])
  } finally {
    serve.child.kill('SIGKILL')
  }
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  assert.equal(await queryFile(path, 'SELECT id, last FROM logs ORDER BY id'), [
    ['1', null],
    ['2', null],
    ['3', null],
    ['4', null],
    ['5', '345'],
  ])
})

budget.run()
