/**
 * @module
 * Issue 8 on a whole server: an engine's `structured_data` and `tcp_limits` from the
 * config file, changed by a reload without restarting the engine — today's day file gains
 * the `structured_data` column (ALTER TABLE) and keeps its earlier rows, the TCP listener
 * keeps its port and its open connection — and the `truncated` and
 * `refused_max_connections` counters in `/metrics`, beside the accounting identity.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer } from '../../src/cli/serve.js'
import { ConfigError } from '../../src/config/config-error.js'
import { queryFile, tempConfig } from '../support/serve.js'
import { closedByPeer, connect } from '../support/tcp.js'
import { sendDatagrams } from '../support/udp.js'
import { untilCounters } from '../support/wait.js'

const sd = '[x@32473 class="high" note="a \\"quoted\\" \\] bracket"]'
const line = (user: string) => `<165>1 2026-11-28T10:00:00.5Z gw1 fw - ID47 ${sd} 01:05:27 gw1 prerouting: in:<pppoe-${user}> x`
const todayUtc = () => new Date().toISOString().slice(0, 10)

const live = suite('serve: structured_data and tcp_limits from the config')

live('a reload turns structured_data on and lowers the TCP limits live; /metrics counts cut messages and refused connections', async () => {
  const token = 'scrape-0123456789abcdef'
  const { file, config } = tempConfig((c) => {
    c.metrics = { token }
    const fw = (c.engines as Record<string, unknown>[])[0]!
    fw.listen = { udp: ['127.0.0.1:0'], tcp: ['127.0.0.1:0'] }
    fw.structured_data = false
  })
  const server = await startServer(file)
  try {
    const runner = server.supervisor.engine('fw')!
    const tcp = runner.receiver.sockets().find((s) => s.protocol === 'tcp')!.address
    await sendDatagrams(runner.receiver.port, [line('before')])
    await untilCounters(runner, (c) => c.stored === 1, 'first row')

    const fw = (config.engines as Record<string, unknown>[])[0]!
    delete fw.structured_data // the default with syslog_header auto: on
    fw.tcp_limits = { max_connections: 1, max_message_bytes: 480 }
    writeFileSync(file, JSON.stringify(config))
    assert.equal((await server.reload()).updated, ['fw'])
    assert.is(server.supervisor.engine('fw'), runner, 'the same runner, updated in place')
    assert.is(runner.receiver.sockets().find((s) => s.protocol === 'tcp')!.address, tcp, 'the TCP listener was not rebound')

    const port = Number(tcp.slice(tcp.lastIndexOf(':') + 1))
    const first = await connect(port)
    assert.ok(await closedByPeer(await connect(port)), 'a second connection is over max_connections')
    await new Promise<void>((resolve) => first.end(`${line('after')}\n<13>${'x'.repeat(1000)}\n`, resolve))
    await untilCounters(runner, (c) => c.stored === 3, 'TCP rows')

    const res = await fetch(`${server.web.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    const body = await res.text()
    const sample = (name: string) => Number(new RegExp(`^${name}\\{engine="fw"\\} (\\S+)$`, 'm').exec(body)?.[1])
    assert.match(body, /^# TYPE logsift_truncated_total counter$/m)
    assert.match(body, /^# TYPE logsift_refused_max_connections_total counter$/m)
    assert.is(sample('logsift_truncated_total'), 1)
    assert.is(sample('logsift_refused_max_connections_total'), 1)
    // A cut message is stored, and a refused connection carried none: the identity holds.
    const c = runner.counters()
    assert.equal([c.received, c.stored, c.rejected_unknown_sender, c.dropped_backpressure, c.truncated, c.refused_max_connections], [3, 3, 0, 0, 1, 1])
  } finally {
    await server.stop()
  }

  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  const columns = (await queryFile(path, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'logs' ORDER BY column_index")).map((r) => r[0])
  assert.is(columns.at(-1), 'structured_data', 'added to the existing table by ALTER TABLE')
  const rows = await queryFile(path, 'SELECT pppoe, structured_data, length(original_log) FROM logs ORDER BY received_at')
  assert.equal(rows, [
    ['before', null, BigInt(line('before').length)],
    ['after', sd, BigInt(line('after').length)],
    [null, null, 480n],
  ])
})

live('serve refuses a config with a bad limit, naming its JSON path, and binds nothing', async () => {
  const { file } = tempConfig((c) => {
    const fw = (c.engines as Record<string, unknown>[])[0]!
    fw.listen = { udp: ['127.0.0.1:0'], tcp: ['127.0.0.1:0'] }
    fw.tcp_limits = { max_message_bytes: 100 }
  })
  const error = await startServer(file).then(
    () => assert.unreachable('the server started'),
    (e: unknown) => e,
  )
  assert.instance(error, ConfigError)
  assert.is((error as ConfigError).format(), `${file}: /engines/0/tcp_limits/max_message_bytes: 100 is too small; it must be at least 480`)
})

live.run()
