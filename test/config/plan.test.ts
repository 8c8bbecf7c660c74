import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ConfigError } from '../../src/config/config-error.js'
import { planConfig, type FieldPlan } from '../../src/config/plan.js'
import type { RawConfig } from '../../src/config/raw-config.js'
import { validateConfig } from '../../src/config/validate.js'
import { baseDoc } from './helpers.js'

function valid(doc: unknown): RawConfig {
  const result = validateConfig(doc)
  if (!result.ok) throw new Error(JSON.stringify(result.issues))
  return result.config
}
function planError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError')
}

const plan = suite('planConfig')

plan('camelCase, absolute paths, inherited retention, explicit engine settings', () => {
  const doc = baseDoc()
  Object.assign(doc, {
    data_dir: 'var/data',
    system_db: '/etc/logsift/system.duckdb',
    timezone: 'asia/tehran',
    retention_days: 30,
    flush_interval_ms: 250,
    disk_guard: { min_free_percent: 2.5 },
    http: { host: '0.0.0.0', port: 443, tls: { cert: 'tls/cert.pem', key: '/k.pem', client_ca: 'ca.pem' } },
  })
  doc.engines.push({
    name: 'fw',
    class: 'mikrotik',
    listen: { udp: ['[::]:514', '0.0.0.0:514'] },
    keep_original_log: false,
    retention_days: 400,
    receive_buffer_bytes: 33554432,
    threads: 4,
    syslog_header: 'off',
    tcp_limits: { max_connections: 8 },
    senders: [
      { name: 'core', match: '10.0.0.0/8' },
      { name: 'rest', match: '*' },
    ],
  })
  const p = planConfig(valid(doc), { cwd: '/opt/logsift' })
  assert.is(p.dataDir, '/opt/logsift/var/data')
  assert.is(p.systemDbPath, '/etc/logsift/system.duckdb')
  assert.is(p.timezone, 'Asia/Tehran')
  assert.is(p.retentionDays, 30)
  assert.is(p.flushIntervalMs, 250)
  assert.equal(p.diskGuard, { minFreePercent: 2.5 })
  assert.equal(p.http, { host: '0.0.0.0', port: 443, tls: { cert: '/opt/logsift/tls/cert.pem', key: '/k.pem', clientCa: '/opt/logsift/ca.pem' } })
  assert.equal([...p.classes.keys()], ['mikrotik'])
  assert.is(p.engines[0]!.retentionDays, 30)
  assert.equal(p.engines[1], {
    name: 'fw',
    className: 'mikrotik',
    fields: [
      { name: 'pppoe', pattern: 'in:<pppoe-([A-Za-z\\d]+)>' },
      { name: 'destination_ip', pattern: '->(\\S+)' },
    ],
    udp: ['[::]:514', '0.0.0.0:514'],
    senders: [
      { name: 'core', match: '10.0.0.0/8' },
      { name: 'rest', match: '*' },
    ],
    keepOriginalLog: false,
    retentionDays: 400,
    receiveBufferBytes: 33554432,
    threads: 4,
    syslogHeader: 'off',
    structuredData: false,
    tcpLimits: { maxMessageBytes: 65536, idleTimeoutMs: 300000, maxConnections: 8 },
    journal: { dir: '/opt/logsift/var/data/.journal/fw', maxBytes: 1073741824 },
  })
})

plan('journal_max_bytes: the top-level cap, an engine\'s own, or 0 for no journal', () => {
  const doc = baseDoc()
  doc.journal_max_bytes = 5_000_000
  doc.engines.push(
    { name: 'own', class: 'mikrotik', listen: { udp: ['127.0.0.1:1'] }, journal_max_bytes: 7_000_000 },
    { name: 'none', class: 'mikrotik', listen: { udp: ['127.0.0.1:2'] }, journal_max_bytes: 0 },
  )
  const p = planConfig(valid(doc), { cwd: '/srv' })
  assert.equal(
    p.engines.map((e) => [e.name, e.journal]),
    [
      ['mikrotik', { dir: '/srv/data/.journal/mikrotik', maxBytes: 5_000_000 }],
      ['own', { dir: '/srv/data/.journal/own', maxBytes: 7_000_000 }],
      ['none', undefined],
    ],
  )
})

plan('archive: the top-level settings, an engine\'s own over them, a local path made absolute, none without archive_dir', () => {
  const doc = baseDoc() as ReturnType<typeof baseDoc> & Record<string, unknown>
  doc.archive_dir = 'archive'
  doc.archive_retention_days = 400
  doc.engines.push(
    { name: 'bucket', class: 'mikrotik', listen: { udp: ['127.0.0.1:1'] }, archive_dir: 's3://logs/site-a', archive_endpoint: 'http://127.0.0.1:7070', archive_region: 'eu-west-1', archive_retention_days: 30 },
  )
  const p = planConfig(valid(doc), { cwd: '/srv' })
  assert.equal(
    p.engines.map((e) => [e.name, e.archive]),
    [
      ['mikrotik', { dir: '/srv/archive', retentionDays: 400 }],
      ['bucket', { dir: 's3://logs/site-a', endpoint: 'http://127.0.0.1:7070', region: 'eu-west-1', retentionDays: 30 }],
    ],
  )
  assert.is(planConfig(valid(baseDoc()), { cwd: '/srv' }).engines[0]!.archive, undefined)
})

plan('archive settings out of range are refused with their path', () => {
  const doc = baseDoc() as ReturnType<typeof baseDoc> & Record<string, unknown>
  doc.archive_retention_days = 0
  doc.archive_endpoint = 'not a url'
  const result = validateConfig(doc)
  assert.not.ok(result.ok)
  const paths = result.ok ? [] : result.issues.map((i) => i.path)
  assert.ok(paths.includes('/archive_retention_days'), JSON.stringify(paths))
  assert.ok(paths.includes('/archive_endpoint'), JSON.stringify(paths))
})

plan('structured_data follows syslog_header unless set', () => {
  const doc = baseDoc()
  doc.engines.push(
    { name: 'plain', class: 'mikrotik', listen: { udp: ['127.0.0.1:1'] }, syslog_header: 'off' },
    { name: 'without', class: 'mikrotik', listen: { udp: ['127.0.0.1:2'] }, structured_data: false },
  )
  const p = planConfig(valid(doc), { cwd: '/opt/logsift' })
  assert.equal(p.engines.map((e) => [e.name, e.structuredData]), [['mikrotik', true], ['plain', false], ['without', false]])
})

plan('the users store may not live inside data_dir', () => {
  const doc = baseDoc()
  doc.system_db = './data/users.duckdb'
  const error = planError(() => planConfig(valid(doc), { cwd: '/srv' }))
  assert.equal(error.issues, [
    {
      path: '/system_db',
      message: '"./data/users.duckdb" lies inside data_dir (/srv/data); the users store must be outside it so log queries can never reach it',
    },
  ])
})

plan('validateClass issues map to /classes/<name>/<field>', () => {
  const seen: [string, readonly FieldPlan[]][] = []
  const error = planError(() =>
    planConfig(valid(baseDoc()), {
      file: 'x.json',
      validateClass: (name, fields) => {
        seen.push([name, fields])
        return [{ field: 'pppoe', position: 3, message: 'unclosed group' }, { field: 'destination_ip', message: 'look-behind is not supported' }]
      },
    }),
  )
  assert.equal(seen, [['mikrotik', [
    { name: 'pppoe', pattern: 'in:<pppoe-([A-Za-z\\d]+)>' },
    { name: 'destination_ip', pattern: '->(\\S+)' },
  ]]])
  assert.is(error.format(), [
    'x.json: /classes/mikrotik/pppoe: unclosed group (at position 3)',
    'x.json: /classes/mikrotik/destination_ip: look-behind is not supported',
  ].join('\n'))
})

plan('listen.tls: PEM paths made absolute; an unreadable one is an error naming its JSON path and file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-plan-'))
  for (const f of ['c.pem', 'k.pem']) writeFileSync(join(dir, f), '')
  const doc = baseDoc()
  doc.engines[0].listen.tls = [{ address: '[::]:6514', cert: 'c.pem', key: 'k.pem' }]
  assert.equal(planConfig(valid(doc), { cwd: dir }).engines[0]!.tls, [{ address: '[::]:6514', cert: join(dir, 'c.pem'), key: join(dir, 'k.pem') }])
  doc.engines[0].listen.tls[0].client_ca = 'missing-ca.pem'
  doc.engines[0].listen.tls[0].key = '.'
  const error = planError(() => planConfig(valid(doc), { cwd: dir, file: 'x.json' }))
  assert.equal(error.issues.map((i) => `${i.path}: ${i.message}`), [
    `/engines/0/listen/tls/0/key: "${dir}" is not a file`,
    `/engines/0/listen/tls/0/client_ca: cannot read "${join(dir, 'missing-ca.pem')}": ENOENT`,
  ])
})

plan.run()
