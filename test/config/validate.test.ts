import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { validateConfig } from '../../src/config/validate.js'
import { baseDoc, issuesOf } from './helpers.js'

const validate = suite('validateConfig')

validate('accepts the base document and fills defaults into a copy', () => {
  const doc = baseDoc()
  const result = validateConfig(doc)
  assert.ok(result.ok)
  if (!result.ok) return
  assert.equal(result.config.http, { host: '127.0.0.1', port: 8514 })
  assert.is(result.config.retention_days, 180)
  assert.is(result.config.flush_interval_ms, 1000)
  assert.equal(result.config.disk_guard, { min_free_percent: 5 })
  const engine = result.config.engines[0]!
  assert.is(engine.keep_original_log, true)
  assert.is(engine.receive_buffer_bytes, 8 * 1024 * 1024)
  assert.is(engine.threads, 2)
  assert.is(engine.syslog_header, 'auto')
  assert.is(engine.structured_data, undefined, 'follows syslog_header in the plan')
  assert.equal(engine.tcp_limits, { max_message_bytes: 65536, idle_timeout_ms: 300000, max_connections: 1024 })
  assert.is(doc.http, undefined, 'the caller’s document is left alone')
})

validate('engine referencing an unknown class', () => {
  const doc = baseDoc()
  doc.engines[0].class = 'cisco'
  assert.equal(issuesOf(doc), ['/engines/0/class: unknown class "cisco"; defined classes: mikrotik'])
})

validate('two engines on one UDP port', () => {
  const doc = baseDoc()
  doc.engines.push({ name: 'second', class: 'mikrotik', listen: { udp: ['127.0.0.1:5514'] } })
  assert.equal(issuesOf(doc), [
    '/engines/1/listen/udp/0: "127.0.0.1:5514" binds the same UDP port as "0.0.0.0:5514" of engine "mikrotik" (/engines/0/listen/udp/0)',
  ])
})

validate('listen.tcp: checked like UDP, and a TCP port may equal a UDP one', () => {
  const doc = baseDoc()
  doc.engines[0].listen.tcp = ['0.0.0.0:5514', '127.0.0.1:5514', '10.0.0.1:99999']
  assert.equal(issuesOf(doc), [
    '/engines/0/listen/tcp/1: "127.0.0.1:5514" binds the same TCP port as "0.0.0.0:5514" of this engine (/engines/0/listen/tcp/0)',
    '/engines/0/listen/tcp/2: port 99999 is out of range (0–65535)',
  ])
})

validate('listen.tls: addresses checked like TCP and clashing with TCP ports; fields required', () => {
  const doc = baseDoc()
  doc.engines[0].listen.tcp = ['0.0.0.0:6514']
  doc.engines[0].listen.tls = [
    { address: '127.0.0.1:6514', cert: 'c.pem', key: 'k.pem' },
    { address: '[::]:6515', cert: 'c.pem', key: 'k.pem', client_ca: 'ca.pem' },
    { address: '[::1]:6515', cert: 'c.pem', key: 'k.pem' },
    { address: 'nowhere', cert: 'c.pem', key: 'k.pem' },
    { address: '0.0.0.0:6516', cert: 'c.pem' },
  ]
  assert.equal(issuesOf(doc), [
    '/engines/0/listen/tls/0/address: "127.0.0.1:6514" binds the same TCP port as "0.0.0.0:6514" of this engine (/engines/0/listen/tcp/0)',
    '/engines/0/listen/tls/2/address: "[::1]:6515" binds the same TCP port as "[::]:6515" of this engine (/engines/0/listen/tls/1/address)',
    '/engines/0/listen/tls/3/address: "nowhere" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"',
    '/engines/0/listen/tls/4/key: is required',
  ])
})

validate('one engine binding a port twice; IPv4 and IPv6 wildcards do not clash', () => {
  const doc = baseDoc()
  doc.engines[0].listen.udp = ['0.0.0.0:5514', '[::]:5514', '10.0.0.1:5514', '[::1]:5515', '[0:0::1]:5515']
  assert.equal(issuesOf(doc), [
    '/engines/0/listen/udp/2: "10.0.0.1:5514" binds the same UDP port as "0.0.0.0:5514" of this engine (/engines/0/listen/udp/0)',
    '/engines/0/listen/udp/4: "[0:0::1]:5515" binds the same UDP port as "[::1]:5515" of this engine (/engines/0/listen/udp/3)',
  ])
})

validate('distinct addresses on one port do not clash', () => {
  const doc = baseDoc()
  doc.engines[0].listen.udp = ['10.0.0.1:514', '10.0.0.2:514', '0.0.0.0:0', '0.0.0.0:0']
  assert.equal(issuesOf(doc), ['/engines/0/listen/udp/3: "0.0.0.0:0" is listed twice'])
})

validate('bad engine name', () => {
  const doc = baseDoc()
  doc.engines[0].name = 'Mikro-Tik'
  assert.equal(issuesOf(doc), [
    '/engines/0/name: "Mikro-Tik" is not a name: a lower-case letter followed by at most 62 lower-case letters, digits or underscores',
  ])
})

validate('duplicate engine names and duplicate sender names', () => {
  const doc = baseDoc()
  doc.engines.push({
    name: 'mikrotik',
    class: 'mikrotik',
    listen: { udp: ['0.0.0.0:5515'] },
    senders: [
      { name: 'core', match: '10.0.0.1' },
      { name: 'core', match: '10.0.0.2' },
    ],
  })
  assert.equal(issuesOf(doc), [
    '/engines/1/name: engine name "mikrotik" is already used by /engines/0',
    '/engines/1/senders/1/name: sender name "core" is already used by /engines/1/senders/0',
  ])
})

validate('bad sender patterns', () => {
  const doc = baseDoc()
  doc.engines[0].senders = [
    { name: 'a', match: '10.0.0.0/33' },
    { name: 'b', match: '10.1.2.3/8' },
    { name: 'c', match: '10.256.*' },
    { name: 'd', match: 'router.example.net' },
    { name: 'e', match: '2001:db8::1/32' },
    { name: 'f', match: '10.*.0' },
    { name: 'ok', match: '2001:db8::/32' },
  ]
  assert.equal(issuesOf(doc), [
    '/engines/0/senders/0/match: "10.0.0.0/33": prefix /33 is longer than 32 bits',
    '/engines/0/senders/1/match: "10.1.2.3/8": the address has bits set past the /8 prefix; did you mean "10.0.0.0/8"?',
    '/engines/0/senders/2/match: "10.256.*": 256 is not an IPv4 octet (0–255)',
    '/engines/0/senders/3/match: "router.example.net": not an address, a CIDR (10.0.0.0/8, 2001:db8::/32) or a wildcard (10.0.*, 10.*.3.*, *)',
    '/engines/0/senders/4/match: "2001:db8::1/32": the address has bits set past the /32 prefix; did you mean "2001:db8::/32"?',
    '/engines/0/senders/5/match: "10.*.0": not an address, a CIDR (10.0.0.0/8, 2001:db8::/32) or a wildcard (10.0.*, 10.*.3.*, *)',
  ])
})

// Issue 14 item 7: the config check refused wildcards the README and the engine accept.
validate('every sender form the README lists is accepted, a star between octets too', () => {
  const doc = baseDoc()
  const forms = ['10.1.2.3', '2001:db8::1', '10.0.0.0/8', '2001:db8::/32', '10.0.*', '10.*.3.*', '*.*.*.7', '*']
  doc.engines[0].senders = forms.map((match, i) => ({ name: `s${i}`, match }))
  assert.equal(issuesOf(doc), ['ok'])
})

validate('bad time zone', () => {
  const doc = baseDoc()
  doc.timezone = 'Europe/Atlantis'
  assert.equal(issuesOf(doc), ['/timezone: unknown time zone "Europe/Atlantis"; use "local" or an IANA name such as "Europe/Berlin"'])
  for (const zone of ['local', 'UTC', 'Asia/Tehran', 'America/New_York']) {
    doc.timezone = zone
    assert.equal(issuesOf(doc), ['ok'], zone)
  }
})

validate('bad listen addresses', () => {
  const doc = baseDoc()
  doc.engines[0].listen.udp = ['0.0.0.0', 'localhost:514', '::1:514', '[::g]:514', '1.2.3.4:70000', '300.1.1.1:514']
  assert.equal(issuesOf(doc), [
    '/engines/0/listen/udp/0: "0.0.0.0" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"',
    '/engines/0/listen/udp/1: "localhost" is not an IPv4 address (host names are not accepted; write the address)',
    '/engines/0/listen/udp/2: "::1:514" is not an address and port; write "0.0.0.0:5514" or "[::]:5514"',
    '/engines/0/listen/udp/3: "::g" is not an IPv6 address',
    '/engines/0/listen/udp/4: port 70000 is out of range (0–65535)',
    '/engines/0/listen/udp/5: "300.1.1.1" is not an IPv4 address (host names are not accepted; write the address)',
  ])
})

validate('class and field names: pattern, reserved columns, _port clash', () => {
  const doc = baseDoc()
  doc.classes.Cisco = {}
  doc.classes.mikrotik = { received_at: 'x', 'Src-IP': 'y', src_ip: '(\\S+)', src_port: '(\\d+)' }
  assert.equal(issuesOf(doc), [
    '/classes/Cisco: "Cisco" is not a name: a lower-case letter followed by at most 62 lower-case letters, digits or underscores',
    '/classes/mikrotik/Src-IP: "Src-IP" is not a name: a lower-case letter followed by at most 62 lower-case letters, digits or underscores',
    '/classes/mikrotik/received_at: "received_at" is a reserved column name; choose another',
    '/classes/mikrotik/src_ip: "src_ip" also makes the column "src_port", which is already taken',
  ])
})

validate('schema errors in plain words, all at once, sorted by path', () => {
  const doc = baseDoc()
  doc.flush_interval_ms = 10
  doc.http = { port: '8514', tls: { cert: 'c.pem' } }
  doc.engines[0].threads = 1.5
  doc.engines[0].syslog_header = 'on'
  doc.engines[0].listn = {}
  doc.engines[0].senders.push({ name: 'x' })
  assert.equal(issuesOf(doc), [
    '/engines/0/listn: is not a known setting (known here: name, class, listen, keep_original_log, retention_days, archive_dir, archive_retention_days, archive_endpoint, archive_region, journal_max_bytes, receive_buffer_bytes, threads, syslog_header, structured_data, tcp_limits, senders)',
    '/engines/0/senders/1/match: is required',
    '/engines/0/syslog_header: "on" is not one of "auto", "off"',
    '/engines/0/threads: must be a whole number, not 1.5',
    '/flush_interval_ms: 10 is too small; it must be at least 50',
    '/http/port: must be a whole number, not "8514"',
    '/http/tls/key: is required',
  ])
})

validate('a too short string says how long it must be, an empty one that it is empty', () => {
  const doc = baseDoc()
  doc.metrics = { token: 'short-token' }
  doc.http = { host: '' }
  assert.equal(issuesOf(doc), ['/http/host: must not be empty', '/metrics/token: is shorter than 16 characters'])
})

validate('tcp_limits: each limit checked with its JSON path', () => {
  const doc = baseDoc()
  doc.engines[0].tcp_limits = { max_message_bytes: 100, idle_timeout_ms: 1500.5, max_connections: 0, max_conns: 5 }
  assert.equal(issuesOf(doc), [
    '/engines/0/tcp_limits/idle_timeout_ms: must be a whole number, not 1500.5',
    '/engines/0/tcp_limits/max_connections: 0 is too small; it must be at least 1',
    '/engines/0/tcp_limits/max_conns: is not a known setting (known here: max_message_bytes, idle_timeout_ms, max_connections)',
    '/engines/0/tcp_limits/max_message_bytes: 100 is too small; it must be at least 480',
  ])
  doc.engines[0].tcp_limits = { max_message_bytes: 16777217, idle_timeout_ms: 86400001, max_connections: 65537 }
  assert.equal(issuesOf(doc), [
    '/engines/0/tcp_limits/idle_timeout_ms: 86400001 is too large; it must be at most 86400000',
    '/engines/0/tcp_limits/max_connections: 65537 is too large; it must be at most 65536',
    '/engines/0/tcp_limits/max_message_bytes: 16777217 is too large; it must be at most 16777216',
  ])
  doc.engines[0].tcp_limits = { max_connections: 2 }
  const result = validateConfig(doc)
  assert.ok(result.ok)
  if (result.ok) assert.equal(result.config.engines[0]!.tcp_limits, { max_message_bytes: 65536, idle_timeout_ms: 300000, max_connections: 2 })
})

validate('structured_data: a boolean that needs syslog_header auto; a reserved column name', () => {
  const doc = baseDoc()
  doc.engines[0].structured_data = 'yes'
  assert.equal(issuesOf(doc), ['/engines/0/structured_data: must be true or false, not "yes"'])
  doc.engines[0].structured_data = true
  doc.engines[0].syslog_header = 'off'
  assert.equal(issuesOf(doc), ['/engines/0/structured_data: needs syslog_header "auto": structured data is read from the RFC 5424 header'])
  doc.engines[0].structured_data = false
  assert.equal(issuesOf(doc), ['ok'])
  doc.classes.mikrotik = { structured_data: '(\\[.*\\])' }
  assert.equal(issuesOf(doc), ['/classes/mikrotik/structured_data: "structured_data" is a reserved column name; choose another'])
})

validate('not an object at all', () => {
  assert.equal(issuesOf([]), [': must be an object { … }, not []'])
})

validate.run()
