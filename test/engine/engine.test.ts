import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine, type EngineSettings } from '../../src/engine/engine.js'
import { corpusExpected, corpusLines, mikrotik5 } from '../support/corpus.js'
import { assertAccounted, pullRows, sendDatagrams, stopAndDrain } from '../support/udp.js'

function settings(over: Partial<EngineSettings> = {}): EngineSettings {
  return {
    name: 'test',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    senders: [{ name: 'loopback', match: '127.0.0.0/8' }],
    ...over,
  }
}

const receive = suite('engine: receiving real datagrams')

receive('the 20k corpus from a Node dgram socket arrives once each, with exact fields', async () => {
  const engine = Engine.start(settings())
  const lines = corpusLines('mikrotik-20k.log')
  const expected = corpusExpected('mikrotik-20k.expected.jsonl')
  await sendDatagrams(engine.port, lines)
  const { rows } = await stopAndDrain(engine, await pullRows(engine, lines.length))
  assert.is(rows.length, lines.length)
  const byLine = new Map(lines.map((l, i) => [l, expected[i]!]))
  const seen = new Set<string>()
  for (const row of rows) {
    const line = row.original_log as string
    assert.ok(byLine.has(line), `unexpected line ${line}`)
    assert.not.ok(seen.has(line), `duplicate line ${line}`)
    seen.add(line)
    assert.is(row.sender_ip, '127.0.0.1')
    assert.is(row.sender, 'loopback')
    for (const [k, v] of Object.entries(byLine.get(line)!)) assert.is(row[k], v, `${k} of ${line}`)
  }
  const s = engine.stats()
  assert.is(s.received, lines.length)
  assert.is(s.kernel_drops, 0)
  assertAccounted(engine)
})

// Issue 14 item 7: a star between octets is the original's wildcard, matched per octet.
receive('a datagram from 127.0.0.1 is named by the first wildcard covering it, a star between octets too', async () => {
  const senders = [
    { name: 'other', match: '127.*.1.*' },
    { name: 'mid', match: '127.*.0.*' },
    { name: 'loopback', match: '127.0.0.0/8' },
  ]
  const engine = Engine.start(settings({ senders }))
  await sendDatagrams(engine.port, ['<13>one', '<13>two'])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 2))
  assert.equal(rows.map((r) => [r.sender_ip, r.sender]), [['127.0.0.1', 'mid'], ['127.0.0.1', 'mid']])
  assertAccounted(engine)
})

receive('logger(1) lines arrive once each with the sender name', async () => {
  const engine = Engine.start(settings())
  const lines = corpusLines('mikrotik-20k.log').slice(0, 300)
  const file = join(mkdtempSync(join(tmpdir(), 'logsift-')), 'lines.log')
  writeFileSync(file, lines.join('\n') + '\n')
  execFileSync('logger', ['-d', '-n', '127.0.0.1', '-P', String(engine.port), '-t', 'fw', '-f', file])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, lines.length))
  assert.is(rows.length, lines.length)
  // logger prepends its own RFC 5424 header; the corpus line follows it intact.
  const bodies = rows.map((r) => /(<\d+> \d\d:\d\d:\d\d .*)$/.exec(r.original_log as string)?.[1])
  assert.equal([...bodies].sort(), [...lines].sort())
  assert.ok(rows.every((r) => r.sender === 'loopback' && r.sender_ip === '127.0.0.1'))
  assertAccounted(engine)
})

receive('IPv6: datagrams to [::1] carry the IPv6 sender', async () => {
  const engine = Engine.start(settings({ udp: ['[::1]:0'], senders: [{ name: 'v6', match: '::1' }] }))
  await sendDatagrams(engine.port, ['<13> 10:00:00 r6 in:<pppoe-v6> a'], { host: '::1', family: 'udp6' })
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 1))
  assert.is(rows.length, 1)
  assert.is(rows[0]!.sender_ip, '::1')
  assert.is(rows[0]!.sender, 'v6')
  assert.is(rows[0]!.pppoe, 'v6')
  assertAccounted(engine)
})

receive('datagrams from unlisted senders are rejected, counted and listed', async () => {
  const engine = Engine.start(
    settings({ udp: ['127.0.0.1:0', '[::1]:0'], senders: [{ name: 'v6only', match: '::1' }] }),
  )
  const portOf = (v6: boolean) => {
    const a = engine.sockets().find((s) => s.address.startsWith('[') === v6)!.address
    return Number(a.slice(a.lastIndexOf(':') + 1))
  }
  await sendDatagrams(portOf(false), ['a', 'b', 'c'])
  await sendDatagrams(portOf(true), ['d'], { host: '::1', family: 'udp6' })
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 1, 1000))
  assert.equal(rows.map((r) => r.original_log), ['d'])
  const s = engine.stats()
  assert.is(s.received, 4)
  assert.is(s.rejected_unknown_sender, 3)
  assert.equal(
    engine.unknownSenders().map((u) => [u.address, u.count]),
    [['127.0.0.1', 3]],
  )
  assertAccounted(engine)
})
receive('a quadratic look-around on 60 KB datagrams stops at its budget: rows stored at once, fields NULL and counted', async () => {
  // Issue 16: `(\d+)(?!.*\d)` reads the rest of the line at every digit, seconds per datagram.
  const cls = { name: 'budget', fields: [{ name: 'last', pattern: '(\\d+)(?!.*\\d)' }, { name: 'id', pattern: 'id=(\\d+)' }] }
  const engine = Engine.start(settings({ class: cls, threads: 1 }))
  const long = [1, 2, 3, 4].map((i) => `<13> id=${i} ${'1 '.repeat(30_000)}`)
  assert.equal(long.map((l) => l.length), [60_010, 60_010, 60_010, 60_010])
  const started = performance.now()
  await sendDatagrams(engine.port, [...long, '<13> id=5 a 12 b 345 c'])
  const batches = await pullRows(engine, 5, 3000)
  const took = performance.now() - started
  const { rows } = await stopAndDrain(engine, batches)
  assert.ok(took < 1000, `5 rows took ${Math.round(took)} ms`)
  assert.equal(
    rows.map((r) => [r.id, r.last]),
    [['1', null], ['2', null], ['3', null], ['4', null], ['5', '345']],
  )
  assert.is(engine.stats().regex_budget_exceeded, 4)
  assert.is(engine.stats().received, 5)
  assertAccounted(engine)
})

receive.run()

const bad = suite('engine: bad input is handled and counted')

bad('empty, maximum-size, invalid UTF-8 and NUL-carrying datagrams are all stored', async () => {
  const engine = Engine.start(settings({ class: { name: 'c', fields: [{ name: 'first', pattern: '^(.)' }] } }))
  const big = Buffer.alloc(65_507, 'x')
  await sendDatagrams(engine.port, [Buffer.alloc(0), big, Buffer.from([0x61, 0xc3, 0x28, 0x62]), Buffer.from('a\0b\0')])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 4))
  const byFirst = new Map(rows.map((r) => [String(r.original_log).slice(0, 2), r]))
  assert.is(rows.length, 4)
  assert.is(byFirst.get('')!.first, null)
  assert.is((byFirst.get('xx')!.original_log as string).length, 65_507)
  assert.is(byFirst.get('a\uFFFD')!.original_log, 'a\uFFFD(b')
  assert.is(byFirst.get('a\0')!.original_log, 'a\0b', 'trailing NUL trimmed, embedded one kept')
  const s = engine.stats()
  assert.equal(
    [s.received, s.empty, s.invalid_utf8, s.embedded_nul, s.bytes],
    [4, 1, 1, 1, 65_507 + 4 + 4],
  )
  assertAccounted(engine)
})

bad('a full queue drops whole chunks and counts every row', async () => {
  const engine = Engine.start(settings({ queueCapacityRows: 100, chunkRows: 10, threads: 1 }))
  const lines = corpusLines('mikrotik-20k.log').slice(0, 1000)
  await sendDatagrams(engine.port, lines)
  await new Promise((r) => setTimeout(r, 300))
  const { rows } = await stopAndDrain(engine)
  const s = engine.stats()
  assert.is(s.received, 1000)
  assert.ok(rows.length <= 100, `${rows.length} rows fit a 100-row queue`)
  assert.is(s.dropped_backpressure, 1000 - rows.length)
  assertAccounted(engine)
})

bad('a port already bound elsewhere is a clear error', () => {
  const holder = dgram.createSocket('udp4')
  return new Promise<void>((resolve) =>
    holder.bind(0, '127.0.0.1', () => {
      const port = holder.address().port
      assert.throws(() => Engine.start(settings({ udp: [`127.0.0.1:${port}`] })), new RegExp(`bind 127\\.0\\.0\\.1:${port}: .*in use`))
      holder.close(resolve)
    }),
  )
})

bad('bad settings are refused before anything binds', () => {
  assert.throws(() => Engine.start(settings({ udp: ['localhost'] })), /listen address 'localhost'/)
  assert.throws(() => Engine.start(settings({ senders: [{ name: 'x', match: '10.0.0.0/40' }] })), /sender #0 match '10.0.0.0\/40'/)
  assert.throws(
    () => Engine.start(settings({ class: { name: 'c', fields: [{ name: 'f', pattern: '(' }] } })),
    /class 'c', field 'f': invalid regex at position 0/,
  )
})
bad.run()

const control = suite('engine: live update and stop')

control('a class change applies to new datagrams; no row is lost', async () => {
  const one = { name: 'c', fields: [{ name: 'a', pattern: 'a=(\\w+)' }] }
  const two = { name: 'c', fields: [{ name: 'a', pattern: 'a=(\\w+)' }, { name: 'b', pattern: 'b=(\\w+)' }] }
  const engine = Engine.start(settings({ class: one }))
  await sendDatagrams(engine.port, Array.from({ length: 50 }, (_, i) => `a=x${i} b=y${i}`))
  const before = await pullRows(engine, 50)
  engine.update(settings({ class: two }))
  await sendDatagrams(engine.port, Array.from({ length: 50 }, (_, i) => `a=x${50 + i} b=y${50 + i}`))
  const { batches, rows } = await stopAndDrain(engine, before)
  assert.is(rows.length, 100)
  const withB = rows.filter((r) => 'b' in r)
  assert.is(withB.length, 50)
  assert.ok(withB.every((r) => r.b === `y${String(r.a).slice(1)}`))
  // Rows received before the update come in batches without the new column.
  assert.ok(batches.some((b) => !b.columns.some((c) => c.name === 'b')))
  assertAccounted(engine)
})

control('a listen change binds the new port before closing the old one', async () => {
  const engine = Engine.start(settings())
  const oldPort = engine.port
  const probe = dgram.createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r))
  const free = probe.address().port
  probe.close()
  engine.update(settings({ udp: [`127.0.0.1:${free}`] }))
  assert.is(engine.port, free)
  assert.is.not(engine.port, oldPort)
  await sendDatagrams(free, ['after move'])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 1))
  assert.equal(rows.map((r) => r.original_log), ['after move'])
  assertAccounted(engine)
})

control('recent lines are kept for the regex tester', async () => {
  const engine = Engine.start(settings())
  await sendDatagrams(engine.port, ['one', 'two', 'three'])
  await pullRows(engine, 3)
  assert.equal([...engine.recentLines(10)].sort(), ['one', 'three', 'two'])
  assert.is(engine.recentLines(1).length, 1)
  await stopAndDrain(engine)
})
control.run()
