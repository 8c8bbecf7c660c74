/**
 * @module
 * Syslog over TLS (issue 8, SPEC §9, RFC 5425) from real clients: `openssl s_client` with
 * LF framing and Node's `tls.connect` with octet counting (RFC 5425 §4.3), over IPv4 and
 * IPv6, and client certificates required when the listener has a client CA.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine, type EngineSettings } from '../../src/engine/engine.js'
import { makeCerts } from '../support/certs.js'
import { mikrotik5 } from '../support/corpus.js'
import { assertAccounted, pullRows, stopAndDrain } from '../support/udp.js'

const certs = makeCerts()

function settings(address: string, clientCa?: string): EngineSettings {
  return {
    name: 'tls',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    tls: [{ address, cert: certs.serverCert, key: certs.serverKey, ...(clientCa && { clientCa }) }],
    senders: [{ name: 'loopback', match: '127.0.0.0/8' }, { name: 'loopback6', match: '::1' }],
  }
}

function tlsPort(engine: Engine): number {
  const s = engine.sockets().find((x) => x.protocol === 'tls')!
  return Number(s.address.slice(s.address.lastIndexOf(':') + 1))
}

const lines = Array.from({ length: 40 }, (_, i) => `<54> 01:05:27 gw1 prerouting: in:<pppoe-user${i}> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443`)
const users = lines.map((_, i) => `user${i}`).sort()

/** Sends `input` through `openssl s_client` (stdin lines, LF framing); resolves with its exit code. */
function sClient(host: string, port: number, input: string, clientCert = false): Promise<number | null> {
  const args = ['s_client', '-connect', `${host.includes(':') ? `[${host}]` : host}:${port}`, '-quiet', '-no_ign_eof', '-CAfile', certs.ca, '-verify_return_error']
  if (clientCert) args.push('-cert', certs.clientCert, '-key', certs.clientKey)
  const child = spawn('openssl', args, { stdio: ['pipe', 'ignore', 'ignore'] })
  child.stdin.end(input)
  return new Promise((resolve) => child.on('exit', resolve))
}

/** Connects with Node's TLS client and writes `frames` octet-counted; resolves once closed, with any error. */
function nodeClient(port: number, frames: string[], clientCert = false): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(certs.ca),
      ...(clientCert && { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }),
    })
    let failure: Error | undefined
    socket.on('error', (e) => (failure = e))
    socket.on('close', () => resolve(failure))
    socket.on('secureConnect', () => socket.end(frames.map((f) => `${Buffer.byteLength(f)} ${f}`).join('')))
    socket.resume()
  })
}

const t = suite('engine: syslog over TLS')

for (const host of ['127.0.0.1', '::1']) {
  t(`openssl s_client to ${host}, LF framing: every line once`, async () => {
    const engine = Engine.start(settings(host.includes(':') ? `[${host}]:0` : `${host}:0`))
    assert.is(await sClient(host, tlsPort(engine), lines.join('\n') + '\n'), 0)
    const { rows } = await stopAndDrain(engine, await pullRows(engine, lines.length))
    assert.equal(rows.map((r) => r.pppoe).sort(), users)
    assert.ok(rows.every((r) => r.sender === (host === '::1' ? 'loopback6' : 'loopback') && r.facility === 6))
    assertAccounted(engine)
  })
}

t('Node tls.connect, octet counting: every frame once, a newline inside a frame kept', async () => {
  const engine = Engine.start(settings('127.0.0.1:0'))
  const frames = [...lines, '<13>two\nlines']
  assert.is(await nodeClient(tlsPort(engine), frames), undefined)
  const { rows } = await stopAndDrain(engine, await pullRows(engine, frames.length))
  assert.is(rows.length, frames.length)
  assert.equal(rows.map((r) => r.original_log).sort(), frames.sort())
  assertAccounted(engine)
})

t('with client_ca: a client without a certificate is refused, one with a valid certificate is stored', async () => {
  const engine = Engine.start(settings('127.0.0.1:0', certs.ca))
  const port = tlsPort(engine)
  const refused = await nodeClient(port, ['<13>no certificate'])
  assert.ok(refused, 'the client without a certificate sees an error')
  await sClient('127.0.0.1', port, '<13>no certificate either\n')
  assert.is(await sClient('127.0.0.1', port, lines.join('\n') + '\n', true), 0)
  assert.is(await nodeClient(port, ['<13>node with certificate'], true), undefined)
  const { rows } = await stopAndDrain(engine, await pullRows(engine, lines.length + 1))
  assert.is(rows.length, lines.length + 1)
  assert.ok(rows.every((r) => !String(r.original_log).includes('no certificate')))
  assert.ok(rows.some((r) => r.original_log === '<13>node with certificate'))
  assertAccounted(engine)
})

t('the TCP limits hold over TLS: a connection over the maximum is refused and counted, an oversized frame cut and counted', async () => {
  const engine = Engine.start({ ...settings('127.0.0.1:0'), tcpMaxConnections: 1, tcpMaxMessageBytes: 480 })
  const port = tlsPort(engine)
  const first = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(certs.ca) })
  await new Promise<void>((resolve, reject) => {
    first.on('secureConnect', resolve)
    first.on('error', reject)
  })
  assert.ok(await nodeClient(port, ['<13>over the limit']), 'the second connection fails before its handshake ends')
  assert.is(engine.stats().refused_max_connections, 1)
  const long = `<13>${'x'.repeat(1000)}`
  const closed = new Promise((resolve) => first.on('close', resolve))
  first.end([long, lines[0]!].map((f) => `${Buffer.byteLength(f)} ${f}`).join(''))
  first.resume()
  await closed
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 2))
  assert.equal(rows.map((r) => r.original_log), [long.slice(0, 480), lines[0]])
  assert.equal([engine.stats().truncated, engine.stats().refused_max_connections], [1, 1])
  assertAccounted(engine)
})

/**
 * Writes each frame as its own TLS record and, once they are on the wire, resets the
 * connection: a close without close_notify, as a crashing sender's kernel does.
 */
function nodeClientAbrupt(port: number, frames: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // No Nagle delay: every record leaves at once, so the reset discards none unsent.
    const tcp = net.connect({ host: '127.0.0.1', port, noDelay: true })
    const socket = tls.connect({ socket: tcp, ca: readFileSync(certs.ca), servername: undefined, host: '127.0.0.1' })
    socket.on('error', reject)
    tcp.on('close', () => resolve())
    // The write callback means the kernel has the bytes (and sent them: no Nagle delay).
    const reset = () => tcp.resetAndDestroy()
    socket.on('secureConnect', () => frames.forEach((f, i) => socket.write(f, i === frames.length - 1 ? reset : undefined)))
  })
}

// Issue 14 item 4: lines decrypted before a close without close_notify were discarded.
t('a client that closes without close_notify: every line written before the close is stored', async () => {
  const engine = Engine.start(settings('127.0.0.1:0'))
  const port = tlsPort(engine)
  const trials = 8
  const perTrial = lines.slice(0, 10)
  for (let trial = 0; trial < trials; trial++) await nodeClientAbrupt(port, perTrial.map((l) => `${l}\n`))
  const { rows } = await stopAndDrain(engine, await pullRows(engine, trials * perTrial.length))
  assert.is(rows.length, trials * perTrial.length)
  assert.equal(rows.map((r) => r.original_log).sort(), perTrial.flatMap((l) => Array<string>(trials).fill(l)).sort())
  assertAccounted(engine)
})

// Issue 14 item 5: over TLS too, whether the session ends with close_notify or not.
t('a counted frame cut short by the end of the TLS session is stored as far as it came and counted', async () => {
  const engine = Engine.start(settings('127.0.0.1:0'))
  const port = tlsPort(engine)
  const whole = lines[0]!
  await nodeClient(port, [whole]).then((e) => assert.is(e, undefined))
  const clean = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(certs.ca) })
  await new Promise<void>((resolve) => clean.on('secureConnect', () => clean.end(`${whole.length} ${whole}40 <13>cut, close_notify`, resolve)))
  await nodeClientAbrupt(port, [`${whole.length} ${whole}`, '40 <13>cut, reset'])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 5))
  assert.equal(rows.map((r) => r.original_log as string).sort(), [whole, whole, whole, '<13>cut, close_notify', '<13>cut, reset'].sort())
  assert.equal([engine.stats().truncated_by_close, engine.stats().truncated], [2, 0])
  assertAccounted(engine)
})

t('a missing certificate file is an error naming the file and the listener', () => {
  const missing = `${certs.dir}/missing.pem`
  try {
    Engine.start({ ...settings('127.0.0.1:0'), tls: [{ address: '127.0.0.1:0', cert: missing, key: certs.serverKey }] })
    assert.unreachable('started')
  } catch (e) {
    assert.match(String(e), missing)
    assert.match(String(e), 'tls listener 127.0.0.1:0')
  }
})

t.run()
