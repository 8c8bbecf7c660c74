/**
 * The Settings time zone decides every time the console shows, from the next page on,
 * with no restart (issue 6, SPEC §6). DuckDB is the oracle for a stored row's wall time
 * and offset in a zone; the audit entry's time is fixed by the test clock.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runSql } from '../../src/store/log-search.js'
import { logsSource } from '../../src/web/log-data.js'
import { sendDatagrams } from '../support/udp.js'
import { makeControlConsole } from './control.js'
import { addUser, Client } from './helpers.js'

const test = suite('time zone')

/** The stored row's received_at in `zone`, as DuckDB computes it: ms and µs wall text, and the offset. */
async function rowTimeIn(source: Parameters<typeof runSql>[0], zone: string) {
  const { rows } = await runSql(
    source,
    { from: 0, to: Date.now() + 60_000 },
    `SELECT strftime(timezone('${zone}', received_at), '%Y-%m-%d %H:%M:%S.%g'),
            strftime(timezone('${zone}', received_at), '%Y-%m-%d %H:%M:%S.%f'),
            (epoch_ms(timezone('${zone}', received_at)) - epoch_ms(received_at)) // 60000
     FROM logs`,
  )
  assert.is(rows.length, 1)
  const [ms, us, offsetMinutes] = rows[0]! as [string, string, string]
  const m = Math.abs(Number(offsetMinutes))
  const label = `UTC${Number(offsetMinutes) < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  return { ms, us, label }
}

test('a zone picked on the Settings page is how the next pages show times', async () => {
  const t = await makeControlConsole()
  try {
    await addUser(t.store, 'root', 'admin')
    const admin = new Client(t.app)
    await admin.login('root')
    const setZone = async (timezone: string) => {
      await admin.get('/settings')
      const res = await admin.post('/settings', { timezone, retention_days: '180', min_free_percent: '5', flush_interval_ms: '500' })
      assert.is(res.status, 303)
      assert.is(t.supervisor.current.timezone, timezone)
    }

    // New York first: a day file is named in the zone it was written in, and browse
    // reads the days of the current zone, so the row is written in the zone further
    // west and read back in one further east (see the report on issue 6).
    await setZone('America/New_York')
    const fw = t.supervisor.engine('fw')!
    await sendDatagrams(fw.receiver.port, ['<13> 12:00:00 gw in:<pppoe-ann> 1.2.3.4:5->6.7.8.9:10'])
    for (let i = 0; i < 200 && fw.counters().stored < 1; i++) await new Promise((r) => setTimeout(r, 25))
    assert.is(fw.counters().stored, 1)

    for (const [zone, audited] of [
      ['America/New_York', '2025-01-02 08:04:05 UTC-05:00'],
      // The Settings list is Node's ICU list, which names Kolkata by its canonical ID.
      ['Asia/Calcutta', '2025-01-02 18:34:05 UTC+05:30'],
    ] as const) {
      if (zone !== t.supervisor.current.timezone) await setZone(zone)
      const row = await rowTimeIn(logsSource(t.control, 'fw')!, zone)

      const browse = await (await admin.get('/browse?engine=fw&range=24h')).text()
      assert.match(browse, `title="${zone} (${row.label})">${row.ms}</time></a></td>`)
      assert.match(browse, `Times are in ${zone} (`)

      // The row detail finds a row by the day of its time in the current zone, so it
      // is checked in the zone the row was written in (see the report on issue 6).
      if (zone === 'America/New_York') {
        const href = /href="(\/browse\/row\?[^"]+)"/.exec(browse)![1]!.replace(/&amp;/g, '&')
        const detail = await (await admin.get(href)).text()
        assert.match(detail, `title="${zone} (${row.label})">${row.us} ${row.label}</time> (${zone})`)
      }

      const q = encodeURIComponent('SELECT received_at FROM logs')
      const sql = await (await admin.get(`/sql?engine=fw&range=24h&q=${q}`)).text()
      assert.match(sql, `title="${zone} (${row.label})">${row.us.replace(/\.?0+$/, '')}${row.label.slice(3).replace(/:00$/, '')}</time>`)

      // Every audit entry of the test clock's instant, the settings change among them.
      const audit = await (await admin.get('/audit')).text()
      assert.match(audit, `<time datetime="2025-01-02T13:04:05.000Z" title="${zone} (${audited.slice(20)})">${audited}</time>`)
      assert.not.match(audit, ' 13:04:05 UTC<')

      assert.match(await (await admin.get('/')).text(), `data-time-zone="${zone}"`)
      assert.match(await (await admin.get('/tail?engine=fw')).text(), `Times in ${zone} (`)
    }
  } finally {
    await t.close()
  }
})

test('a configured zone the list spells another way stays selected, and saving keeps it', async () => {
  const t = await makeControlConsole((c) => {
    c.timezone = 'Asia/Kolkata'
  })
  try {
    await addUser(t.store, 'root', 'admin')
    const admin = new Client(t.app)
    await admin.login('root')
    const page = await (await admin.get('/settings')).text()
    assert.equal([...page.matchAll(/<option value="([^"]+)" selected=""/g)].map((m) => m[1]), ['Asia/Kolkata'])
    const res = await admin.post('/settings', { timezone: 'Asia/Kolkata', retention_days: '90', min_free_percent: '5', flush_interval_ms: '500' })
    assert.is(res.status, 303)
    assert.is(t.config().timezone, 'Asia/Kolkata')
    assert.is(t.config().retention_days, 90)
    assert.is(t.supervisor.current.timezone, 'Asia/Calcutta')
    const bad = await admin.post('/settings', { timezone: 'Asia/Kolkatta', retention_days: '90', min_free_percent: '5', flush_interval_ms: '500' })
    assert.is(bad.status, 422)
    assert.match(await bad.text(), 'Pick a time zone from the list.')
  } finally {
    await t.close()
  }
})

test.run()
