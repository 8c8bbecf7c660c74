import { spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import tls from 'node:tls'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startServer } from '../../src/cli/serve.js'
import { makeCerts } from '../support/certs.js'
import { corpusExpected, corpusLines } from '../support/corpus.js'
import { cliCommand, field, queryFile, spawnServe, tempConfig, udpPort } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'
import { waitFor } from '../support/wait.js'

const todayUtc = () => new Date().toISOString().slice(0, 10)

/** Sends corpus lines at roughly `perSecond` until `stop()`; returns how many were sent. */
function sendContinuously(port: number, perSecond: number): { stop(): Promise<number> } {
  const socket = dgram.createSocket('udp4')
  const lines = corpusLines('mikrotik-20k.log')
  let sent = 0
  let running = true
  const done = (async () => {
    const tickMs = 10
    while (running) {
      const started = Date.now()
      const n = Math.max(1, Math.round((perSecond * tickMs) / 1000))
      await Promise.all(
        Array.from({ length: n }, () => {
          const line = lines[sent % lines.length]!
          sent++
          return new Promise<void>((r) => socket.send(line, port, '127.0.0.1', () => r()))
        }),
      )
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - started))))
    }
    socket.close()
    return sent
  })()
  return {
    stop() {
      running = false
      return done
    },
  }
}

const e2e = suite('serve: end to end')

e2e('the 20k corpus is in today\'s file within 2 s with exact values', async () => {
  const { file } = tempConfig((c) => {
    const engines = c.engines as Record<string, unknown>[]
    engines.push({ ...engines[0]!, name: 'bare', keep_original_log: false, senders: [{ name: 'lo', match: '127.0.0.0/8' }] })
  })
  const server = await startServer(file)
  try {
    const fw = server.supervisor.engine('fw')!
    const bare = server.supervisor.engine('bare')!
    const lines = corpusLines('mikrotik-20k.log')
    const expected = corpusExpected('mikrotik-20k.expected.jsonl')
    const before = BigInt(Date.now()) * 1000n
    await sendDatagrams(fw.receiver.port, lines)
    await sendDatagrams(bare.receiver.port, lines.slice(0, 100))
    const c = await fw.store.connect()
    const count = async (conn: typeof c) => Number((await conn.runAndReadAll('SELECT count(*) FROM logs')).getRowsJS()[0]![0])
    let stored = 0
    // SPEC: committed within 2 s of arrival.
    await waitFor(async () => (stored = await count(c)) === lines.length, { what: 'every row committed within 2 s', timeoutMs: 2000, intervalMs: 50, detail: () => stored })
    const after = BigInt(Date.now()) * 1000n
    const read = await c.runAndReadAll(
      'SELECT epoch_us(received_at) AS at, sender_ip, sender, pppoe, router_identity, user_ip, user_port, destination_ip, destination_port, nat_ip, nat_port, original_log FROM logs',
    )
    c.closeSync()
    const byLine = new Map(lines.map((l, i) => [l, expected[i]!]))
    for (const row of read.getRowObjectsJS()) {
      const want = byLine.get(row.original_log as string)
      assert.ok(want, `stored line not sent: ${String(row.original_log)}`)
      byLine.delete(row.original_log as string)
      assert.ok((row.at as bigint) >= before && (row.at as bigint) <= after, 'received_at is the receive time')
      assert.is(row.sender_ip, '127.0.0.1')
      assert.is(row.sender, 'lo')
      for (const [k, v] of Object.entries(want)) assert.is(row[k], v, `${k} of ${String(row.original_log)}`)
    }
    assert.is(byLine.size, 0, 'every line stored once')
    const bareConn = await bare.store.connect()
    await waitFor(async () => (await count(bareConn)) === 100, { what: '100 rows in the bare engine', intervalMs: 50 })
    const nulls = (await bareConn.runAndReadAll('SELECT count(*) FROM logs WHERE original_log IS NULL AND pppoe IS NOT NULL')).getRowsJS()
    bareConn.closeSync()
    assert.is(nulls[0]![0], 100n, 'keep_original_log: false stores NULL, fields still extracted')
  } finally {
    await server.stop()
  }
})

e2e('adding a field while receiving loses no row; a two-day query reads both days', async () => {
  const { file, config } = tempConfig()
  const server = await startServer(file)
  const runner = server.supervisor.engine('fw')!
  const load = sendContinuously(runner.receiver.port, 2000)
  await new Promise((r) => setTimeout(r, 400))
  const classes = config.classes as Record<string, Record<string, string>>
  classes.mikrotik5!.proto = 'proto (\\w+)'
  writeFileSync(file, JSON.stringify(config))
  await server.reload()
  await new Promise((r) => setTimeout(r, 400))
  const sent = await load.stop()
  await new Promise((r) => setTimeout(r, 300))
  const counters = runner.counters()
  await server.stop()
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  const [[total, withProto, protoNull]] = (await queryFile(
    path,
    "SELECT count(*), count(*) FILTER (WHERE proto = 'TCP'), count(*) FILTER (WHERE proto IS NULL) FROM logs",
  )) as [[bigint, bigint, bigint]]
  assert.is(Number(total), sent, 'every datagram sent is stored')
  assert.is(counters.received, sent)
  assert.ok(withProto > 0n && protoNull > 0n, `rows before the change have NULL, after have the value (${withProto}/${protoNull})`)
  assert.is(withProto + protoNull, total)
})
e2e.run()

const signals = suite('serve: signals')

signals('SIGTERM under load stores every accepted message; a restart appends', async () => {
  const { file, config } = tempConfig()
  const serve = spawnServe(file)
  const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
  const load = sendContinuously(port, 5000)
  await new Promise((r) => setTimeout(r, 1500))
  serve.child.kill('SIGTERM')
  const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
  const sent = await load.stop()
  assert.is(await serve.exited, 0)
  const received = Number(field(stopped, 'received'))
  const stored = Number(field(stopped, 'stored'))
  assert.ok(received > 1000, `received ${received} of ${sent}`)
  assert.is(stored, received - Number(field(stopped, 'rejected_unknown_sender')) - Number(field(stopped, 'dropped_backpressure')))
  assert.is(Number(field(stopped, 'dropped_backpressure')), 0)
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  assert.equal(await queryFile(path, 'SELECT count(*)::INTEGER FROM logs'), [[stored]])

  const again = spawnServe(file)
  const port2 = udpPort(await again.waitFor(/event=engine\.started engine=fw/))
  await sendDatagrams(port2, ['after restart'])
  await new Promise((r) => setTimeout(r, 300))
  again.child.kill('SIGINT')
  await again.waitFor(/event=serve\.stopped/)
  assert.is(await again.exited, 0)
  assert.equal(await queryFile(path, 'SELECT count(*)::INTEGER FROM logs'), [[stored + 1]])
})

signals('SIGKILL under load: the file still opens and loses at most a flush interval', async () => {
  const { file, config } = tempConfig((c) => (c.flush_interval_ms = 500))
  const serve = spawnServe(file)
  const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
  const rate = 4000
  const load = sendContinuously(port, rate)
  await new Promise((r) => setTimeout(r, 2000))
  serve.child.kill('SIGKILL')
  await serve.exited
  const sent = await load.stop()
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  const [[count]] = (await queryFile(path, 'SELECT count(*)::INTEGER FROM logs')) as [[number]]
  // Lost: the uncommitted interval plus what was in flight when the process died.
  const allowed = rate * (0.5 + 0.25)
  assert.ok(count <= sent, `${count} rows for ${sent} sent`)
  assert.ok(sent - count <= allowed, `lost ${sent - count} of ${sent}, allowed ${allowed}`)
})

signals('SIGKILL mid-ingest, then a restart: the journal replays what was not committed, every row stored once', async () => {
  const { file, config } = tempConfig((c) => (c.flush_interval_ms = 2000))
  const serve = spawnServe(file)
  const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
  const sent = Array.from({ length: 6000 }, (_, i) => `<13>journal test line ${i}`)
  await sendDatagrams(port, sent.slice(0, 3000))
  // The timer commits the first half…
  await new Promise((r) => setTimeout(r, 2500))
  await sendDatagrams(port, sent.slice(3000))
  // …the second is in the journal (chunks are handed over within 50 ms), not committed.
  await new Promise((r) => setTimeout(r, 300))
  serve.child.kill('SIGKILL')
  await serve.exited
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  const [[before]] = (await queryFile(path, 'SELECT count(*)::INTEGER FROM logs')) as [[number]]
  assert.ok(before >= 3000 && before < 6000, `killed mid-ingest: ${before} of 6000 committed`)

  const again = spawnServe(file)
  await again.waitFor(/event=engine\.started engine=fw/)
  again.child.kill('SIGTERM')
  const stopped = await again.waitFor(/event=engine\.stopped engine=fw/)
  assert.is(await again.exited, 0)
  assert.equal(
    ['received', 'replayed', 'stored'].map((k) => Number(field(stopped, k))),
    [0, 6000 - before, 6000 - before],
    'the replay stores exactly what was not committed',
  )
  const [[count, distinct, matching]] = (await queryFile(
    path,
    "SELECT count(*)::INTEGER, count(DISTINCT original_log)::INTEGER, count(*) FILTER (WHERE original_log LIKE '<13>journal test line %')::INTEGER FROM logs",
  )) as [[number, number, number]]
  assert.equal([count, distinct, matching], [6000, 6000, 6000], 'every line stored exactly once')
})

signals('SIGHUP applies an edited config live; the unchanged engine keeps its socket', async () => {
  const { file, config } = tempConfig()
  const serve = spawnServe(file)
  const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
  const engines = config.engines as Record<string, unknown>[]
  engines.push({ ...engines[0]!, name: 'second' })
  writeFileSync(file, JSON.stringify(config))
  serve.child.kill('SIGHUP')
  const reloaded = await serve.waitFor(/event=config\.reloaded/)
  assert.is(field(reloaded, 'started'), 'second')
  assert.is(field(reloaded, 'unchanged'), 'fw')
  await sendDatagrams(port, ['still here'])
  await new Promise((r) => setTimeout(r, 300))
  serve.child.kill('SIGTERM')
  const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
  assert.is(field(stopped, 'stored'), '1')
  assert.is(await serve.exited, 0)
  assert.ok(existsSync(join(config.data_dir as string, 'second', `${todayUtc()}.duckdb`)))
})
signals('listen.tls: lines over TLS with a client certificate are stored; SIGTERM keeps them', async () => {
  const certs = makeCerts()
  const { file, config } = tempConfig((c) => {
    const e = (c.engines as Record<string, unknown>[])[0]!
    e.listen = { udp: ['127.0.0.1:0'], tls: [{ address: '127.0.0.1:0', cert: certs.serverCert, key: certs.serverKey, client_ca: certs.ca }] }
  })
  const serve = spawnServe(file)
  const started = await serve.waitFor(/event=engine\.started engine=fw/)
  const address = field(started, 'tls')
  const lines = Array.from({ length: 20 }, (_, i) => `<13> 10:00:00 r in:<pppoe-u${i}> x`)
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)), ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
      () => socket.end(lines.map((l) => `${l.length} ${l}`).join('')),
    )
    socket.on('error', reject)
    socket.on('close', () => resolve())
    socket.resume()
  })
  await new Promise((r) => setTimeout(r, 300))
  serve.child.kill('SIGTERM')
  const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
  assert.is(await serve.exited, 0)
  assert.is(field(stopped, 'stored'), String(lines.length))
  const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
  assert.equal(await queryFile(path, 'SELECT count(DISTINCT pppoe)::INTEGER FROM logs'), [[lines.length]])
})
signals.run()

const bad = suite('serve: bad config exits non-zero and leaves nothing behind')

const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
  ['unknown class', (c) => ((c.engines as Record<string, unknown>[])[0]!.class = 'nope'), /\/engines\/0\/class.*nope/],
  ['invalid regex', (c) => ((c.classes as Record<string, Record<string, string>>).mikrotik5!.pppoe = 'in:<(pppoe'), /\/classes\/mikrotik5\/pppoe.*invalid regex at position 4/],
  ['bad engine name', (c) => ((c.engines as Record<string, unknown>[])[0]!.name = 'Bad Name'), /\/engines\/0\/name/],
  ['bad sender pattern', (c) => ((c.engines as Record<string, unknown>[])[0]!.senders = [{ name: 'x', match: '10.0.0.0/99' }]), /\/engines\/0\/senders\/0\/match/],
  ['two engines on one port', (c) => {
    const e = c.engines as Record<string, unknown>[]
    e[0]!.listen = { udp: ['127.0.0.1:39999'] }
    e.push({ ...e[0]!, name: 'twin' })
  }, /\/engines\/1\/listen\/udp\/0.*39999/],
  ['unreadable TLS certificate', (c) => {
    const e = c.engines as Record<string, unknown>[]
    e[0]!.listen = { udp: ['127.0.0.1:0'], tls: [{ address: '127.0.0.1:0', cert: '/nonexistent/missing.pem', key: '/nonexistent/key.pem' }] }
  }, /\/engines\/0\/listen\/tls\/0\/cert: cannot read "\/nonexistent\/missing\.pem": ENOENT/],
]
for (const [name, edit, message] of cases) {
  bad(name, async () => {
    const { file, config } = tempConfig(edit)
    const serve = spawnServe(file)
    assert.is(await serve.exited, 1)
    assert.match(serve.lines.join('\n'), message)
    assert.not.ok(existsSync(config.data_dir as string), 'no data directory created')
  })
}

bad('bad JSON names the file, line and column', async () => {
  const { file, dir } = tempConfig()
  writeFileSync(file, '{\n  "data_dir": "x",\n  oops\n}')
  const serve = spawnServe(file)
  assert.is(await serve.exited, 1)
  assert.match(serve.lines.join('\n'), /logsift\.json:3:3: invalid JSON/)
  assert.equal(readdirSync(dir), ['logsift.json'])
})

bad('a port held by another process fails the start with no file written', async () => {
  const holder = dgram.createSocket('udp4')
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', r))
  const port = holder.address().port
  const { file, config } = tempConfig((c) => {
    const e = c.engines as Record<string, unknown>[]
    e.push({ ...e[0]!, name: 'taken', listen: { udp: [`127.0.0.1:${port}`] } })
  })
  const serve = spawnServe(file)
  assert.is(await serve.exited, 1)
  holder.close()
  assert.match(serve.lines.join('\n'), new RegExp(`bind 127\\.0\\.0\\.1:${port}: .*in use`))
  assert.not.ok(existsSync(config.data_dir as string), 'no day file for the engine that did bind')
})
// Issue 14 item 6: SO_REUSEPORT let a second process bind beside the first and split the port's datagrams.
bad('a second logsift on a UDP port the first listens on exits non-zero naming it; the first keeps every datagram, reloads too', async () => {
  const probe = dgram.createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r))
  const port = probe.address().port
  await new Promise<void>((r) => probe.close(r))
  const onPort = (c: Record<string, unknown>) => ((c.engines as Record<string, unknown>[])[0]!.listen = { udp: [`127.0.0.1:${port}`] })
  const first = tempConfig(onPort)
  const second = tempConfig(onPort)
  const serve = spawnServe(first.file)
  try {
    await serve.waitFor(/event=engine\.started engine=fw/)
    const intruder = spawnServe(second.file)
    const running = new Promise<string>((r) => setTimeout(() => r('still running after 15 s'), 15_000).unref())
    const exit = await Promise.race([intruder.exited, running])
    if (exit !== 1) intruder.child.kill('SIGKILL')
    assert.is(exit, 1)
    const pid = serve.child.pid!
    assert.match(intruder.lines.join('\n'), `bind udp 127.0.0.1:${port}: another process (pid ${pid}) already listens on udp port ${port}`)
    assert.not.ok(existsSync(second.config.data_dir as string), 'the refused process wrote nothing')
    const lines = corpusLines('mikrotik-20k.log').slice(0, 2000)
    await sendDatagrams(port, lines.slice(0, 1000))
    // A reload that rebinds the port (new sockets first, then the old ones close) is this process's own.
    ;(first.config.engines as Record<string, unknown>[])[0]!.threads = 3
    writeFileSync(first.file, JSON.stringify(first.config))
    serve.child.kill('SIGHUP')
    assert.is(field(await serve.waitFor(/event=config\.reloaded/), 'updated'), 'fw')
    await sendDatagrams(port, lines.slice(1000))
    await new Promise((r) => setTimeout(r, 300))
  } finally {
    serve.child.kill('SIGTERM')
  }
  const stopped = await serve.waitFor(/event=engine\.stopped engine=fw/)
  assert.is(await serve.exited, 0)
  assert.equal([field(stopped, 'received'), field(stopped, 'stored')], ['2000', '2000'])
})
bad.run()

const modes = suite('serve: file modes')

/** `path: mode` (octal) of `dir` and everything under it, relative to `base`. */
function modesUnder(base: string, dir: string): string[] {
  const out = [`${relative(base, dir) || '.'}: ${(statSync(dir).mode & 0o777).toString(8)}`]
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...modesUnder(base, path))
    else out.push(`${relative(base, path)}: ${(statSync(path).mode & 0o777).toString(8)}`)
  }
  return out
}

// Issue 16.8: run from a shell with umask 022, the system db (password hashes), its WAL
// and the day files came out 0644, readable by every local user.
modes('under umask 022, serve and user add create every file 0600 and directory 0700', async () => {
  const { dir, file, config } = tempConfig((c) => (c.system_db = join(dirname(c.data_dir as string), 'state/logsift-system.duckdb')))
  const serve = spawnServe(file, { umask: 0o022 })
  const port = udpPort(await serve.waitFor(/event=engine\.started engine=fw/))
  await serve.waitFor(/event=console\.setup_needed/)
  await sendDatagrams(port, ['<13> 12:00:00 gw a line'])
  await new Promise((r) => setTimeout(r, 700))
  const running = [...modesUnder(dir, join(dir, 'state')), ...modesUnder(dir, config.data_dir as string)]
  serve.child.kill('SIGTERM')
  assert.is(await serve.exited, 0)
  const day = `data/fw/${todayUtc()}.duckdb`
  for (const expected of ['state: 700', 'state/logsift-system.duckdb: 600', 'state/logsift-system.duckdb.wal: 600', 'data: 700', 'data/fw: 700', `${day}: 600`, `${day}.wal: 600`]) {
    assert.ok(running.includes(expected), `${expected} in\n${running.join('\n')}`)
  }
  for (const line of running) assert.match(line, / (600|700)$/, line)

  const { file: second, dir: secondDir } = tempConfig((c) => (c.system_db = join(dirname(c.data_dir as string), 'users/logsift-system.duckdb')))
  const [command, args] = cliCommand(['user', 'add', 'ann', '--admin', '--password-stdin', '--config', second], { umask: 0o022 })
  const added = spawnSync(command, args, { input: 'correct horse battery\n', encoding: 'utf8' })
  assert.is(added.status, 0, added.stderr)
  for (const line of modesUnder(secondDir, join(secondDir, 'users'))) assert.match(line, / (600|700)$/, line)
})

modes.run()
