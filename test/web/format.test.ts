/**
 * Times in the display zone: wall time and offset for known instants, including the hour
 * New York repeats when daylight saving time ends; SQL results as DuckDB itself prints
 * them with `SET TimeZone`.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DuckDBInstance } from '@duckdb/node-api'
import { formatDuckDbTimestampTz, formatTime, parseDuckDbTimestampTz, zoneLabel } from '../../views/components/format.js'
import { parseWallTime, utcOffsetMs, wallTime } from '../../src/web/time-range.js'

const test = suite('format')

const INSTANT = Date.UTC(2025, 0, 2, 13, 4, 5)
// 2025-11-02 in New York: 01:00–02:00 EDT, then the clocks go back and 01:00–02:00 EST.
const FIRST_0130 = Date.UTC(2025, 10, 2, 5, 30)
const SECOND_0130 = Date.UTC(2025, 10, 2, 6, 30)

test('formatTime: one instant in UTC, Kolkata and New York', () => {
  assert.is(formatTime(INSTANT, 'UTC'), '2025-01-02 13:04:05 UTC')
  assert.is(formatTime(INSTANT, 'Asia/Kolkata'), '2025-01-02 18:34:05 UTC+05:30')
  assert.is(formatTime(INSTANT, 'America/New_York'), '2025-01-02 08:04:05 UTC-05:00')
  assert.is(formatTime(INSTANT, 'Asia/Kathmandu'), '2025-01-02 18:49:05 UTC+05:45')
})

test('formatTime: the wall clock crosses midnight into the zone’s date', () => {
  assert.is(formatTime(Date.UTC(2025, 0, 2, 20, 0, 0), 'Asia/Kolkata'), '2025-01-03 01:30:00 UTC+05:30')
  assert.is(formatTime(Date.UTC(2025, 0, 2, 3, 0, 0), 'America/New_York'), '2025-01-01 22:00:00 UTC-05:00')
})

test('formatTime: New York across both DST changes of 2025', () => {
  // 2025-03-09 02:00 EST does not exist: 06:59:59 UTC is 01:59:59 EST, 07:00 UTC is 03:00 EDT.
  assert.is(formatTime(Date.UTC(2025, 2, 9, 6, 59, 59), 'America/New_York'), '2025-03-09 01:59:59 UTC-05:00')
  assert.is(formatTime(Date.UTC(2025, 2, 9, 7, 0, 0), 'America/New_York'), '2025-03-09 03:00:00 UTC-04:00')
  // The repeated hour reads twice, told apart by the offset alone.
  assert.is(formatTime(FIRST_0130, 'America/New_York'), '2025-11-02 01:30:00 UTC-04:00')
  assert.is(formatTime(SECOND_0130, 'America/New_York'), '2025-11-02 01:30:00 UTC-05:00')
})

test('formatTime: milliseconds are cut, not rounded, and do not skew the offset', () => {
  assert.is(formatTime(INSTANT + 999, 'Asia/Kolkata'), '2025-01-02 18:34:05 UTC+05:30')
  assert.is(utcOffsetMs(INSTANT + 999, 'Asia/Kolkata'), 5.5 * 3_600_000)
  assert.is(utcOffsetMs(INSTANT - 1, 'America/New_York'), -5 * 3_600_000)
})

test('utcOffsetMs is exact inside a quarter hour that holds a change (Monrovia, 1972: -00:44:30 to UTC)', () => {
  const change = Date.UTC(1972, 0, 7, 0, 44, 30)
  for (let round = 0; round < 2; round++) {
    // Twice, in both orders: nothing remembered from one instant may answer for the other.
    assert.is(utcOffsetMs(change, 'Africa/Monrovia'), 0)
    assert.is(utcOffsetMs(change - 1, 'Africa/Monrovia'), -(44 * 60 + 30) * 1000)
    assert.is(utcOffsetMs(Date.UTC(1972, 0, 7, 0, 30), 'Africa/Monrovia'), -(44 * 60 + 30) * 1000)
  }
  assert.is(wallTime(change - 1, 'Africa/Monrovia'), '1972-01-06T23:59:59')
  assert.is(wallTime(change, 'Africa/Monrovia'), '1972-01-07T00:44:30')
})

test('zoneLabel: UTC where the zone agrees with it, whatever the zone is called', () => {
  assert.is(zoneLabel(INSTANT, 'Europe/London'), 'UTC')
  assert.is(zoneLabel(Date.UTC(2025, 6, 2), 'Europe/London'), 'UTC+01:00')
  assert.is(zoneLabel(INSTANT, 'Etc/UTC'), 'UTC')
  assert.is(zoneLabel(INSTANT, 'Pacific/Chatham'), 'UTC+13:45')
  assert.is(zoneLabel(INSTANT, 'America/St_Johns'), 'UTC-03:30')
})

test('parseWallTime still reads a wall time as the zone’s instant, the earlier one in a repeated hour', () => {
  assert.is(parseWallTime('2025-01-02T18:34:05', 'Asia/Kolkata'), INSTANT)
  assert.is(parseWallTime('2025-11-02T01:30', 'America/New_York'), FIRST_0130)
})

const US = BigInt(INSTANT) * 1000n + 123_456n

test('parseDuckDbTimestampTz reads the instant whatever offset the text was printed in', () => {
  assert.is(parseDuckDbTimestampTz('2025-01-02 13:04:05.123456+00'), US)
  assert.is(parseDuckDbTimestampTz('2025-01-02 18:34:05.123456+05:30'), US)
  assert.is(parseDuckDbTimestampTz('2025-01-02 08:04:05.123456-05'), US)
  assert.is(parseDuckDbTimestampTz('2025-01-02 13:04:05+00'), BigInt(INSTANT) * 1000n)
  assert.is(parseDuckDbTimestampTz('1969-12-31 23:59:59.5+00'), -500_000n)
  for (const text of ['infinity', '-infinity', '0044-03-15 12:00:00+00', '2025-01-02 13:04:05', 'hello']) {
    assert.is(parseDuckDbTimestampTz(text), undefined, text)
  }
})

test('formatDuckDbTimestampTz prints exactly what DuckDB prints with SET TimeZone', async () => {
  const instants = [US, BigInt(FIRST_0130) * 1000n, BigInt(SECOND_0130) * 1000n + 500_000n, -500_000n, BigInt(Date.UTC(2025, 6, 2, 23, 59, 59)) * 1000n + 1n]
  const db = await DuckDBInstance.create(':memory:')
  const connection = await db.connect()
  try {
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/New_York', 'Asia/Kathmandu']) {
      await connection.run(`SET TimeZone = '${zone}'`)
      for (const us of instants) {
        const printed = (await connection.runAndReadAll(`SELECT make_timestamptz(${us})::VARCHAR`)).getRows()[0]![0]
        assert.is(formatDuckDbTimestampTz(us, zone), printed, `${us} in ${zone}`)
      }
    }
  } finally {
    connection.closeSync()
    db.closeSync()
  }
})

test.run()
