/**
 * @module
 * Issue 7: today's rows are browsable while the engine ingests them — a datagram sent
 * over real UDP to a running `startServer` shows on the Browse page within 2 s
 * (SPEC §4: committed at least every flush interval).
 */
import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer } from '../../src/cli/serve.js'
import { tempConfig } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'
import { Client } from './helpers.js'
import { waitFor } from '../support/wait.js'

const test = suite('browse: live rows')

test('a line sent over UDP is on the Browse page, and in SQL, within 2 s', async () => {
  const { file } = tempConfig()
  const server = await startServer(file)
  try {
    await server.systemStore.createUser({ name: 'vera', displayName: 'Vera', role: 'viewer', password: 'correct horse battery' })
    // Client speaks to the real server over HTTP instead of app.request().
    const http = { request: (path: string, init?: RequestInit) => fetch(server.web.url + path, { ...init, redirect: 'manual' }) }
    const client = new Client(http as unknown as Hono)
    await client.get('/login')
    // The CSRF origin check wants the server's own origin, not app.request()'s.
    assert.is((await client.post('/login', { name: 'vera', password: 'correct horse battery' }, { origin: server.web.url })).status, 303)
    const mark = randomBytes(6).toString('hex')
    const line = `<54> 01:05:27 gw1 prerouting: in:<pppoe-${mark}> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443`
    await sendDatagrams(server.supervisor.engine('fw')!.receiver.port, [line])
    let html = ''
    const oneRow = '<h2 id="results-title" class="results-title"><span class="results-total">1 row</span>'
    await waitFor(async () => (html = await (await client.get(`/browse?engine=fw&range=15m&col=pppoe&op=eq&val=${mark}`)).text()).includes(oneRow), {
      what: 'the row on the browse page within 2 s',
      timeoutMs: 2000,
      intervalMs: 50,
    })
    assert.ok(html.includes(`in:&lt;pppoe-${mark}&gt;`))
    const sql = await (await client.get(`/sql?engine=fw&range=15m&q=${encodeURIComponent(`SELECT pppoe, destination_port FROM logs WHERE pppoe = '${mark}'`)}`)).text()
    assert.ok(sql.includes(`<td>${mark}</td><td>443</td>`))
  } finally {
    await server.stop()
  }
})

test.run()
