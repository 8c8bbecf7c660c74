/**
 * @module
 * Syslog header columns (issue 8, SPEC §4/§9) from real clients: `logger --rfc3164` and
 * `logger --rfc5424` over UDP into a real engine, structured data from `logger --sd-id`
 * and `loggen --sdata` (over TCP), and a Mikrotik line without a date.
 */
import { execFileSync } from 'node:child_process'
import { hostname } from 'node:os'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Engine, type EngineSettings } from '../../src/engine/engine.js'
import { mikrotik5 } from '../support/corpus.js'
import { assertAccounted, pullRows, sendDatagrams, stopAndDrain } from '../support/udp.js'

function settings(over: Partial<EngineSettings> = {}): EngineSettings {
  return {
    name: 'header',
    class: mikrotik5(),
    udp: ['127.0.0.1:0'],
    senders: [{ name: 'loopback', match: '127.0.0.0/8' }],
    ...over,
  }
}

/** Sends one line with logger(1) in `format`, its clock in `tz`. */
function logger(port: number, format: '--rfc3164' | '--rfc5424' | '--rfc5424=notq', line: string, tz = 'UTC', extra: string[] = []): void {
  const args = ['-d', '-n', '127.0.0.1', '-P', String(port), format, '-t', 'fw', '--id=4242', ...extra]
  if (format !== '--rfc3164') args.push('--msgid', 'ID47')
  execFileSync('logger', [...args, line], { env: { ...process.env, TZ: tz } })
}

const line = '<54> 01:05:27 gw1 prerouting: in:<pppoe-alice> out:(unknown 0), 10.1.2.3:4825->192.0.2.7:443'
// logger(1) writes the short host name in both formats.
const host = hostname().split('.')[0]

const header = suite('engine: syslog header columns')

header('logger --rfc3164: host, tag, pid and the stamp read in the engine zone', async () => {
  // A zone far from UTC: a stamp read in the wrong zone would be hours off.
  const engine = Engine.start(settings({ timezone: 'Asia/Kolkata' }))
  logger(engine.port, '--rfc3164', line, 'Asia/Kolkata')
  const { batches, rows } = await stopAndDrain(engine, await pullRows(engine, 1))
  assert.is(rows.length, 1)
  const r = rows[0]!
  const receivedAt = batches.find((b) => b.rowCount > 0)!.receivedAtUs[0]!
  assert.match(r.original_log as string, /^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /)
  assert.equal([r.facility, r.severity, r.hostname, r.app_name, r.proc_id, r.msg_id], [1, 5, host, 'fw', '4242', null])
  // RFC 3164 stamps have whole seconds: received within the two seconds after log_time.
  const lag = receivedAt - (r.log_time as bigint)
  assert.ok(lag >= 0n && lag < 2_000_000n, `received_at - log_time = ${lag} µs`)
  // Extraction still runs over the whole text: the class sees logger's header first.
  assert.is(r.pppoe, 'alice')
  assertAccounted(engine)
})

header('logger --rfc5424: every header field and the µs stamp with its offset', async () => {
  const engine = Engine.start(settings({ timezone: 'UTC' }))
  logger(engine.port, '--rfc5424', line, 'America/New_York')
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 1))
  const r = rows[0]!
  const stamp = /^<13>1 (\S+) /.exec(r.original_log as string)![1]!
  assert.match(stamp, /\.\d{6}-0[45]:00$/)
  const micros = BigInt(Date.parse(stamp.replace(/\.\d+/, ''))) * 1000n + BigInt(/\.(\d{6})/.exec(stamp)![1]!)
  assert.equal([r.facility, r.severity, r.hostname, r.app_name, r.proc_id, r.msg_id], [1, 5, host, 'fw', '4242', 'ID47'])
  assert.is(r.log_time, micros)
  assert.is(r.pppoe, 'alice')
  assert.is(r.destination_ip, '192.0.2.7')
  assertAccounted(engine)
})

header('a Mikrotik line has no date: PRI only, no guessed host or time', async () => {
  const engine = Engine.start(settings())
  await sendDatagrams(engine.port, [line, '<869>Nov 27 10:00:00 host1 app: x'])
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 2))
  const byText = new Map(rows.map((r) => [r.original_log, r]))
  const m = byText.get(line)!
  assert.equal([m.facility, m.severity, m.hostname, m.app_name, m.proc_id, m.msg_id, m.log_time], [6, 6, null, null, null, null, null])
  assert.is(m.router_identity, 'gw1')
  // An out-of-range PRI: NULL facility and severity, no header, and the row is kept.
  const bad = byText.get('<869>Nov 27 10:00:00 host1 app: x')!
  assert.equal([bad.facility, bad.severity, bad.hostname, bad.log_time], [null, null, null, null])
  assertAccounted(engine)
})

header('syslogHeader off leaves the header columns NULL; facility and severity stay', async () => {
  const engine = Engine.start(settings({ syslogHeader: 'off' }))
  logger(engine.port, '--rfc5424', line)
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 1))
  const r = rows[0]!
  assert.equal([r.facility, r.severity, r.hostname, r.app_name, r.proc_id, r.msg_id, r.log_time], [1, 5, null, null, null, null, null])
  assertAccounted(engine)
})

/** logger's structured data options: one element, a value with RFC 5424 §6.3.3 escapes. */
const sdArgs = ['--sd-id', 'zoo@32473', '--sd-param', 'tiger="hungry"', '--sd-param', 'zebra="st\\"ri\\\\ped"']
const sd = '[zoo@32473 tiger="hungry" zebra="st\\"ri\\\\ped"]'

header('logger --rfc5424 --sd-id: structured_data is the SD exactly as sent, after log_time', async () => {
  const engine = Engine.start(settings())
  logger(engine.port, '--rfc5424=notq', line, 'UTC', sdArgs)
  logger(engine.port, '--rfc5424', line, 'UTC', sdArgs)
  logger(engine.port, '--rfc5424=notq', line)
  logger(engine.port, '--rfc3164', line)
  const { batches, rows } = await stopAndDrain(engine, await pullRows(engine, 4))
  const names = batches[0]!.columns.map((c) => c.name)
  assert.equal(names.slice(names.indexOf('log_time'), names.indexOf('log_time') + 3), ['log_time', 'structured_data', 'pppoe'])
  const values = rows.map((r) => r.structured_data)
  assert.is(values.length, 4)
  assert.ok(values.includes(sd), `${JSON.stringify(values)} has the one element as sent`)
  // logger's default also sends its timeQuality element, first.
  const tq = values.find((v) => typeof v === 'string' && v.startsWith('[timeQuality'))
  assert.match(tq as string, /^\[timeQuality tzKnown="1" isSynced="[01]"( syncAccuracy="\d+")?\]\[zoo@/)
  assert.is((tq as string).slice((tq as string).indexOf('][') + 1), sd)
  // NILVALUE and RFC 3164: NULL; every row still has its header and class fields.
  assert.equal(values.filter((v) => v === null).length, 2)
  assert.ok(rows.every((r) => r.app_name === 'fw' && r.pppoe === 'alice'))
  assertAccounted(engine)
})

header('loggen --sdata over TCP (RFC 5424, octet counting): every row has the SD exactly', async () => {
  const engine = Engine.start(settings({ tcp: ['127.0.0.1:0'] }))
  const tcp = engine.sockets().find((s) => s.protocol === 'tcp')!
  const port = tcp.address.slice(tcp.address.lastIndexOf(':') + 1)
  const element = '[test@32473 name="va\\"l\\]ue" n2="x"]'
  execFileSync('loggen', ['--inet', '--stream', '-P', '--sdata', element, '-n', '200', '-Q', '127.0.0.1', port], { stdio: 'ignore' })
  const { rows } = await stopAndDrain(engine, await pullRows(engine, 200))
  assert.is(rows.length, 200)
  assert.ok(rows.every((r) => r.structured_data === element && r.app_name === 'prg00000'), String(rows[0]?.structured_data))
  assertAccounted(engine)
})

header('no structured_data column with syslogHeader off or structuredData false', async () => {
  for (const over of [{ syslogHeader: 'off' as const }, { structuredData: false }]) {
    const engine = Engine.start(settings(over))
    logger(engine.port, '--rfc5424=notq', line, 'UTC', sdArgs)
    const { batches, rows } = await stopAndDrain(engine, await pullRows(engine, 1))
    assert.is(rows.length, 1)
    assert.not.ok(batches[0]!.columns.some((c) => c.name === 'structured_data'), JSON.stringify(over))
    assertAccounted(engine)
  }
})

header('an unknown time zone is refused at start', () => {
  assert.throws(() => Engine.start(settings({ timezone: 'Mars/Olympus_Mons' })), /time zone 'Mars\/Olympus_Mons' is unknown/)
})

header.run()
