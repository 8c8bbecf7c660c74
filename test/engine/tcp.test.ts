/**
 * @module
 * Syslog over TCP (issue 8, SPEC §9, RFC 6587) from real clients: `logger --tcp` with LF
 * and octet-counting framing, and `loggen --stream` with several connections.
 */
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine, type EngineSettings } from '../../src/engine/engine.js'
import { mikrotik5 } from '../support/corpus.js'
import { rowsOf } from '../support/columns.js'
import { closedByPeer, connect } from '../support/tcp.js'
import { assertAccounted, pullRows, stopAndDrain } from '../support/udp.js'

function settings(over: Partial<EngineSettings> = {}): EngineSettings {
  return {
    name: 'tcp',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    tcp: ['127.0.0.1:0'],
    senders: [{ name: 'loopback', match: '127.0.0.0/8' }],
    ...over,
  }
}

function tcpPort(engine: Engine): number {
  const s = engine.sockets().find((x) => x.protocol === 'tcp')!
  return Number(s.address.slice(s.address.lastIndexOf(':') + 1))
}

const line = '<54> 01:05:27 gw1 prerouting: in:<pppoe-alice> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443'

const tcp = suite('engine: syslog over TCP')

for (const format of ['--rfc5424', '--rfc3164']) for (const framing of [[], ['--octet-count']]) {
  tcp(`logger --tcp ${format} ${framing.join(' ') || '(LF framing)'}: every line once, header parsed`, async () => {
    const engine = Engine.start(settings())
    const lines = Array.from({ length: 50 }, (_, i) => line.replace('alice', `user${i}`))
    execFileSync('logger', ['-T', '-n', '127.0.0.1', '-P', String(tcpPort(engine)), format, '-t', 'fw', ...framing], {
      input: lines.join('\n') + '\n',
    })
    const { rows } = await stopAndDrain(engine, await pullRows(engine, lines.length))
    assert.equal(rows.map((r) => r.pppoe).sort(), lines.map((_, i) => `user${i}`).sort())
    assert.ok(rows.every((r) => r.app_name === 'fw' && r.sender === 'loopback' && r.facility === 1))
    assertAccounted(engine)
  })
}

tcp('loggen --stream: 4 connections, octet counting and LF framing, nothing lost', async () => {
  for (const proto of [['-P'], []]) {
    const engine = Engine.start(settings())
    execFileSync('loggen', ['--inet', '--stream', ...proto, '--active-connections=4', '-n', '2500', '-Q', '127.0.0.1', String(tcpPort(engine))], {
      stdio: 'ignore',
    })
    const { rows } = await stopAndDrain(engine, await pullRows(engine, 10_000, 10_000))
    assert.is(rows.length, 10_000, `loggen ${proto.join(' ')}`)
    assert.ok(rows.every((r) => r.facility !== null && r.hostname !== null), 'headers parsed')
    assertAccounted(engine)
  }
})

tcp('a message over the maximum size is stored cut and counted, in both framings; the next one is intact', async () => {
  const engine = Engine.start(settings({ tcpMaxMessageBytes: 100 }))
  const long = `<13>${'x'.repeat(200)}`
  const exact = `<13>${'y'.repeat(96)}`
  const lf = await connect(tcpPort(engine))
  await new Promise<void>((resolve) => lf.end(`${long}\n${exact}\r\n${line}\n`, resolve))
  const counted = await connect(tcpPort(engine))
  await new Promise<void>((resolve) => counted.end(`${long.length} ${long}${exact.length} ${exact}`, resolve))
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 5))
  const texts = rows.map((r) => r.original_log as string).sort()
  assert.equal(texts, [long.slice(0, 100), long.slice(0, 100), exact, exact, line].sort())
  assert.is(rows.find((r) => r.original_log === line)!.pppoe, 'alice')
  // Only the two longer than 100 bytes count; exactly 100 (with or without CR) does not.
  assert.is(engine.stats().truncated, 2)
  assertAccounted(engine)
})

// Issue 14 item 5: a counted frame its connection ended inside was stored as if whole.
tcp('a counted frame cut short by FIN or RST is stored as far as it came and counted; a last LF-less line is whole', async () => {
  const engine = Engine.start(settings())
  const port = tcpPort(engine)
  const fin = await connect(port)
  await new Promise<void>((resolve) => fin.end(`${line.length} ${line}40 <13>cut by fin`, resolve))
  const rst = await connect(port)
  await new Promise<void>((resolve) => rst.write(`${line.length} ${line}40 <13>cut by rst`, () => resolve()))
  const reset = new Promise((resolve) => rst.on('close', resolve))
  rst.resetAndDestroy()
  await reset
  const lf = await connect(port)
  await new Promise<void>((resolve) => lf.end(`${line}\n<13>last line without LF`, resolve))
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 6))
  assert.equal(rows.map((r) => r.original_log as string).sort(), [line, line, line, '<13>cut by fin', '<13>cut by rst', '<13>last line without LF'].sort())
  assert.equal([engine.stats().truncated_by_close, engine.stats().truncated], [2, 0])
  assertAccounted(engine)
})

tcp('a full queue slows the sender instead of dropping', async () => {
  const engine = Engine.start(settings({ queueCapacityRows: 256, chunkRows: 64 }))
  // Nobody pulls while loggen sends 5,000 lines: the queue fills and the connection waits.
  const sent = new Promise<void>((resolve, reject) => {
    const socket = net.connect(tcpPort(engine), '127.0.0.1', () => {
      socket.end(Array.from({ length: 5000 }, (_, i) => `<13> 10:00:00 r in:<pppoe-u${i}> x\n`).join(''), resolve)
    })
    socket.on('error', reject)
  })
  await new Promise((r) => setTimeout(r, 300))
  assert.ok(engine.stats().received < 5000, 'the reader waits for the queue')
  const batches = await pullRows(engine, 5000, 10_000)
  await sent
  const { rows } = await stopAndDrain(engine, batches)
  assert.is(rows.length, 5000)
  assert.is(engine.stats().dropped_backpressure, 0)
  assertAccounted(engine)
})

tcp('connections over the maximum are closed at once and counted; the open one keeps working', async () => {
  const engine = Engine.start(settings({ tcpMaxConnections: 1 }))
  const first = await connect(tcpPort(engine))
  first.write(`${line.replace('alice', 'before')}\n`)
  const before = await pullRows(engine, 1)
  const second = await connect(tcpPort(engine))
  assert.ok(await closedByPeer(second), 'the second connection is closed')
  assert.is(engine.stats().refused_max_connections, 1)
  first.end(`${line}\n`)
  const { rows } = await stopAndDrain(engine, [...before, ...(await pullRows(engine, 1))])
  assert.equal(rows.map((r) => r.pppoe), ['before', 'alice'])
  assert.is(engine.stats().refused_max_connections, 1)
  assertAccounted(engine)
})

tcp('new limits apply live: open connections stay, the new maximum and size count from then on', async () => {
  const engine = Engine.start(settings({ tcpMaxConnections: 1 }))
  const port = tcpPort(engine)
  const first = await connect(port)
  assert.ok(await closedByPeer(await connect(port)), 'over the first limit')
  engine.update(settings({ tcpMaxConnections: 2, tcpMaxMessageBytes: 480 }))
  assert.is(tcpPort(engine), port, 'same listener, no rebind')
  const second = await connect(port)
  assert.not.ok(await closedByPeer(second), 'the second connection now stays open')
  assert.ok(await closedByPeer(await connect(port)), 'a third is over the new limit')
  // The first connection was never closed, and it now cuts at 480 bytes.
  first.end(`<13>${'z'.repeat(1000)}\n`)
  second.end(`${line}\n`)
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 2))
  assert.equal(rows.map((r) => (r.original_log as string).length).sort((a, b) => a - b), [line.length, 480].sort((a, b) => a - b))
  assert.equal([engine.stats().refused_max_connections, engine.stats().truncated], [2, 1])
  assertAccounted(engine)
})

tcp('a 10 MB line without a newline neither stalls other connections nor piles up in memory', async () => {
  const engine = Engine.start(settings())
  const port = tcpPort(engine)
  const huge = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => huge.on('connect', resolve))
  const rssBefore = process.memoryUsage().rss
  // 10 MB in 1 MB writes, no newline, connection left open.
  const chunk = Buffer.alloc(1 << 20, 'x')
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => huge.write(chunk, () => resolve()))
  const other = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => other.on('connect', resolve))
  other.end(`${line}\n`)
  const first = await pullRows(engine, 1)
  assert.equal(
    first.flatMap((b) => rowsOf(b.columns, b.rowCount)).map((r) => r.pppoe),
    ['alice'],
    'the other connection is served while the huge line is still open',
  )
  const grown = process.memoryUsage().rss - rssBefore
  assert.ok(grown < 64 << 20, `RSS grew ${grown} bytes for a 10 MB line: it is cut, not buffered`)
  await new Promise<void>((resolve) => huge.end(resolve))
  const { rows } = await stopAndDrain(engine, [...first, ...(await pullRows(engine, 1))])
  const cut = rows.find((r) => r.pppoe === null)!
  assert.is((cut.original_log as string).length, 64 * 1024, 'cut at the default 64 KiB maximum')
  assert.is(rows.length, 2)
  assertAccounted(engine)
})

tcp.run()
