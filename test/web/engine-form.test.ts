/**
 * Issue 18: the engine form edits TCP and TLS listeners and `tcp_limits` — shown as the
 * file has them (the schema's defaults as placeholders), saved through `changeConfig`,
 * applied live — and every refusal comes back next to the field it is about.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeCerts } from '../support/certs.js'
import { withDeadline } from '../support/wait.js'
import { makeControlConsole, type ControlConsole } from './control.js'
import { addUser, Client, unescape } from './helpers.js'

const certs = makeCerts()

interface Ctx {
  t: ControlConsole
  admin: Client
}

const test = suite<Ctx>('engine form: TCP, TLS, tcp_limits')

test.before.each(async (ctx) => {
  ctx.t = await makeControlConsole((c) => {
    const [fw] = c.engines as Record<string, unknown>[]
    fw!.threads = 1
    fw!.listen = { udp: ['127.0.0.1:0'], tcp: ['127.0.0.1:0'], tls: [{ address: '127.0.0.1:0', cert: certs.serverCert, key: certs.serverKey }] }
    fw!.tcp_limits = { max_connections: 7 }
    ;(c.engines as unknown[]).push({ name: 'edge', class: 'mikrotik5', listen: { udp: ['127.0.0.1:0'] }, threads: 1 })
  })
  await addUser(ctx.t.store, 'root', 'admin')
  ctx.admin = new Client(ctx.t.app)
  await ctx.admin.login('root')
  await ctx.admin.get('/engines/fw')
})

test.after.each(async (ctx) => {
  await ctx.t.close()
})

interface TlsRow {
  address: string
  cert: string
  key: string
  client_ca?: string
}

/** What a browser posts for fw's form: the TLS rows plus the page's empty one, the limits as typed. */
function fwForm({ tcp = '', tls = [], limits = {} }: { tcp?: string; tls?: TlsRow[]; limits?: Record<string, string> }): [string, string][] {
  return [
    ['name', 'fw'],
    ['class', 'mikrotik5'],
    ['udp', '127.0.0.1:0'],
    ['tcp', tcp],
    ...[...tls, { address: '', cert: '', key: '' }].flatMap((r): [string, string][] => [
      ['tls_address', r.address],
      ['tls_cert', r.cert],
      ['tls_key', r.key],
      ['tls_client_ca', r.client_ca ?? ''],
    ]),
    ['max_message_bytes', limits.max_message_bytes ?? ''],
    ['idle_timeout_ms', limits.idle_timeout_ms ?? ''],
    ['max_connections', limits.max_connections ?? ''],
    ['threads', '1'],
    ['receive_buffer_bytes', ''],
    ['retention_days', ''],
    ['syslog_header', 'auto'],
    ['keep_original_log', 'on'],
  ]
}

const protocols = (t: ControlConsole) => [...new Set(t.supervisor.engine('fw')!.receiver.sockets().map((s) => s.protocol))].sort()

/** The field error of the input with id `id`, as text. */
function fieldError(html: string, id: string): string | undefined {
  const m = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)
  return m ? unescape(m[1]!) : undefined
}

test('the form shows the TCP and TLS listeners and the limits the file has, the defaults as placeholders', async ({ admin }) => {
  const html = await (await admin.get('/engines/fw')).text()
  assert.match(html, '<textarea name="tcp" id="edit-tcp" rows="2" aria-describedby="edit-tcp-hint">127.0.0.1:0</textarea>')
  assert.match(html, '<input id="edit-tls-0-tls_address" name="tls_address" type="text" value="127.0.0.1:0" autocomplete="off"/>')
  assert.match(html, `<input id="edit-tls-0-tls_cert" name="tls_cert" type="text" value="${certs.serverCert}" autocomplete="off"/>`)
  assert.match(html, `<input id="edit-tls-0-tls_key" name="tls_key" type="text" value="${certs.serverKey}" autocomplete="off"/>`)
  assert.match(html, '<input id="edit-tls-0-tls_client_ca" name="tls_client_ca" type="text" value="" autocomplete="off"/>')
  // One empty row to add a listener with.
  assert.match(html, '<input id="edit-tls-1-tls_address" name="tls_address" type="text" value="" autocomplete="off"/>')
  assert.not.match(html, 'edit-tls-2-')
  assert.match(html, '<input id="edit-max_message_bytes" name="max_message_bytes" type="number" value="" placeholder="65536"/>')
  assert.match(html, '<input id="edit-idle_timeout_ms" name="idle_timeout_ms" type="number" value="" placeholder="300000"/>')
  assert.match(html, '<input id="edit-max_connections" name="max_connections" type="number" value="7" placeholder="1024"/>')
})

test('saving TCP and TLS listeners and limits writes them to the file and applies them live', async ({ t, admin }) => {
  const tls = [
    { address: '127.0.0.1:0', cert: certs.serverCert, key: certs.serverKey, client_ca: certs.ca },
    { address: '[::1]:0', cert: certs.serverCert, key: certs.serverKey },
  ]
  const res = await admin.post('/engines/fw', fwForm({ tcp: '127.0.0.1:0\n[::1]:0', tls, limits: { max_message_bytes: '2048', idle_timeout_ms: '60000', max_connections: '10' } }))
  assert.is(res.status, 303)
  const fw = t.config().engines[0]!
  assert.equal(fw.listen, { udp: ['127.0.0.1:0'], tcp: ['127.0.0.1:0', '[::1]:0'], tls })
  assert.equal(fw.tcp_limits, { max_message_bytes: 2048, idle_timeout_ms: 60000, max_connections: 10 })
  assert.equal(fw.senders, [{ name: 'lo', match: '127.0.0.1' }])
  const running = t.supervisor.engine('fw')!
  assert.equal(running.plan.tcpLimits, { maxMessageBytes: 2048, idleTimeoutMs: 60000, maxConnections: 10 })
  assert.equal(running.receiver.sockets().filter((s) => s.protocol !== 'udp').map((s) => s.protocol), ['tcp', 'tcp', 'tls', 'tls'])
  const [entry] = await t.store.listAudit({ limit: 1 })
  assert.is(entry!.details, 'class mikrotik5, udp 127.0.0.1:0, tcp 127.0.0.1:0 [::1]:0, tls 127.0.0.1:0 [::1]:0, threads 1')
  // The page shows what was saved.
  const html = await (await admin.get('/engines/fw')).text()
  assert.match(html, `<input id="edit-tls-0-tls_client_ca" name="tls_client_ca" type="text" value="${certs.ca}" autocomplete="off"/>`)
  assert.match(html, '<input id="edit-tls-1-tls_address" name="tls_address" type="text" value="[::1]:0" autocomplete="off"/>')
  assert.match(html, '<input id="edit-max_message_bytes" name="max_message_bytes" type="number" value="2048" placeholder="65536"/>')
})

test('clearing the TCP addresses, the TLS row and the limits removes them', async ({ t, admin }) => {
  assert.equal(protocols(t), ['tcp', 'tls', 'udp'])
  const res = await admin.post('/engines/fw', fwForm({}))
  assert.is(res.status, 303)
  const fw = t.config().engines[0]!
  assert.equal(fw.listen, { udp: ['127.0.0.1:0'] })
  assert.not.ok('tcp_limits' in fw)
  assert.equal(protocols(t), ['udp'])
  assert.equal(t.supervisor.engine('fw')!.plan.tcpLimits, { maxMessageBytes: 65536, idleTimeoutMs: 300000, maxConnections: 1024 })
})

test('each refusal comes back at its field with 422, and the file stays as it was', async ({ t, admin }) => {
  const tls = (over: Partial<TlsRow>): TlsRow[] => [{ address: '127.0.0.1:0', cert: certs.serverCert, key: certs.serverKey, ...over }]
  const cases: [string, Parameters<typeof fwForm>[0], string, string][] = [
    ['an address without a port', { tcp: '127.0.0.1' }, 'edit-tcp', '"127.0.0.1" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"'],
    ['a host name', { tcp: 'localhost:6514' }, 'edit-tcp', '"localhost" is not an IPv4 address (host names are not accepted; write the address)'],
    ['a TLS address without a port', { tls: tls({ address: '127.0.0.1' }) }, 'edit-tls-0-tls_address', '"127.0.0.1" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"'],
    ['a certificate that does not exist', { tls: tls({ cert: '/nonexistent/server.pem' }) }, 'edit-tls-0-tls_cert', 'cannot read "/nonexistent/server.pem": ENOENT'],
    ['a directory as the key', { tls: tls({ key: certs.dir }) }, 'edit-tls-0-tls_key', `"${certs.dir}" is not a file`],
    ['a client CA that does not exist', { tls: tls({ client_ca: '/nonexistent/ca.pem' }) }, 'edit-tls-0-tls_client_ca', 'cannot read "/nonexistent/ca.pem": ENOENT'],
    ['no key', { tls: tls({ key: '' }) }, 'edit-tls-0-tls_key', 'must not be empty'],
    ['no address', { tls: tls({ address: '' }) }, 'edit-tls-0-tls_address', '"" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"'],
    ['a message limit under RFC 5424\'s 480 bytes', { limits: { max_message_bytes: '100' } }, 'edit-max_message_bytes', '100 is too small; it must be at least 480'],
    ['an idle timeout that is not a number', { limits: { idle_timeout_ms: 'soon' } }, 'edit-idle_timeout_ms', 'Idle timeout (ms) must be a whole number.'],
    ['too many connections', { limits: { max_connections: '70000' } }, 'edit-max_connections', '70000 is too large; it must be at most 65536'],
    ['a TLS port that a TCP address binds too', { tcp: '127.0.0.1:16514', tls: tls({ address: '0.0.0.0:16514' }) }, 'edit-tls-0-tls_address',
      '"0.0.0.0:16514" binds the same TCP port as "127.0.0.1:16514" of this engine (/engines/0/listen/tcp/0)'],
  ]
  const before = readFileSync(t.file, 'utf8')
  for (const [what, form, id, message] of cases) {
    const res = await admin.post('/engines/fw', fwForm(form))
    assert.is(res.status, 422, what)
    const html = await res.text()
    assert.is(fieldError(html, id), message, what)
    assert.match(html, new RegExp(`aria-describedby="[^"]*${id}-error"`), what)
    assert.is(readFileSync(t.file, 'utf8'), before, what)
  }
  assert.equal(protocols(t), ['tcp', 'tls', 'udp'])
})

test('a TCP port another socket holds: the running server refuses it, the message is at the TCP field', async ({ t, admin }) => {
  const held = net.createServer()
  await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()))
  const port = (held.address() as net.AddressInfo).port
  try {
    const before = t.config()
    const res = await admin.post('/engines/fw', fwForm({ tcp: `127.0.0.1:${port}` }))
    assert.is(res.status, 422)
    const error = fieldError(await res.text(), 'edit-tcp')
    assert.ok(error?.startsWith(`not applied: bind tcp 127.0.0.1:${port}`), error)
    // Written back as the document was (a save formats it).
    assert.equal(t.config(), before)
  } finally {
    held.close()
  }
})

test('the engine page shows its own card, where it listens as bound, and its stream carries that engine only', async ({ t, admin }) => {
  const html = await (await admin.get('/engines/fw')).text()
  const bound = (protocol: string) => t.supervisor.engine('fw')!.receiver.sockets().find((s) => s.protocol === protocol)!.address
  assert.match(html, '<div class="engine-cards" data-live-dashboard="/events?engine=fw" data-time-zone="UTC"><section class="card engine-card" data-engine="fw"')
  assert.match(html, `class <code>mikrotik5</code> · UDP ${bound('udp')} · TCP ${bound('tcp')} · TLS ${bound('tls')}</p>`)
  assert.match(html, '<div class="engine-totals" id="totals-fw">')
  assert.not.match(html, 'data-engine="edge"')
  const res = await t.app.request('/events?engine=fw', { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  assert.is(res.status, 200)
  const reader = res.body!.getReader()
  let text = ''
  // Two seconds of samples: with both engines in the stream, the second message would be edge's.
  while (text.split('\n\n').length < 3) text += new TextDecoder().decode((await withDeadline(reader.read(), 'two engine events')).value)
  await reader.cancel()
  const names = [...text.matchAll(/^data: \{"name":"(\w+)"/gm)].map((m) => m[1])
  assert.equal(names.slice(0, 2), ['fw', 'fw'])
})

test('the engines list names each listener by protocol, with the port the kernel gave', async ({ t, admin }) => {
  const html = await (await admin.get('/engines')).text()
  const sockets = t.supervisor.engine('fw')!.receiver.sockets()
  const cell = sockets.map((s) => `<code class="address">${s.protocol} ${s.address}</code>`).join('')
  assert.is(sockets.length, 3)
  assert.match(html, `<td data-label="Listens on">${cell}</td>`)
})

test.run()
