/**
 * Times in the display zone: wall time and offset for known instants, including the hour
 * New York repeats when daylight saving time ends.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { formatTime, zoneLabel } from '../../views/components/format.js'
import { parseWallTime, utcOffsetMs } from '../../src/web/time-range.js'

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

test.run()
