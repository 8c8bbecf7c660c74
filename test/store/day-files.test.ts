import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dayFilePath, dayOf, daySpan, listDayFiles, nextMidnight } from '../../src/store/day-files.js'
import { tempDataDir } from './helpers.js'

const iso = (ms: number) => new Date(ms).toISOString()
const t = (s: string) => Date.parse(s)

const days = suite('day-files')

days('the day of an instant depends on the zone', () => {
  const instant = t('2024-05-01T22:30:00Z')
  assert.is(dayOf(instant, 'UTC'), '2024-05-01')
  assert.is(dayOf(instant, 'Europe/Berlin'), '2024-05-02')
  assert.is(dayOf(instant, 'America/Los_Angeles'), '2024-05-01')
  assert.is(dayOf(t('2024-05-01T20:29:59.999Z'), 'Asia/Tehran'), '2024-05-01')
  assert.is(dayOf(t('2024-05-01T20:30:00Z'), 'Asia/Tehran'), '2024-05-02')
})

days('next midnight and day spans across DST changes', () => {
  // Spring forward: 23-hour day. Fall back: 25-hour day.
  assert.equal(daySpan(t('2024-03-31T12:00:00Z'), 'Europe/Berlin'), {
    day: '2024-03-31',
    start: t('2024-03-30T23:00:00Z'),
    end: t('2024-03-31T22:00:00Z'),
  })
  assert.equal(daySpan(t('2024-10-27T12:00:00Z'), 'Europe/Berlin'), {
    day: '2024-10-27',
    start: t('2024-10-26T22:00:00Z'),
    end: t('2024-10-27T23:00:00Z'),
  })
  // Chile skips midnight: 2024-09-08 starts at 01:00 local (-03), 04:00Z.
  assert.is(iso(nextMidnight(t('2024-09-07T12:00:00Z'), 'America/Santiago')), '2024-09-08T04:00:00.000Z')
  assert.is(dayOf(t('2024-09-08T03:59:59.999Z'), 'America/Santiago'), '2024-09-07')
  // Samoa skipped 2011-12-30 entirely.
  const end = nextMidnight(t('2011-12-29T12:00:00Z'), 'Pacific/Apia')
  assert.is(iso(end), '2011-12-30T10:00:00.000Z')
  assert.is(dayOf(end, 'Pacific/Apia'), '2011-12-31')
  // An instant exactly at midnight belongs to the new day, whose end is the next midnight.
  assert.is(iso(nextMidnight(t('2024-01-01T00:00:00Z'), 'UTC')), '2024-01-02T00:00:00.000Z')
  assert.is(iso(nextMidnight(t('2023-12-31T23:59:59.999Z'), 'UTC')), '2024-01-01T00:00:00.000Z')
})

days('day file paths and listing', async () => {
  const dir = tempDataDir()
  assert.is(dayFilePath(dir, 'fw', '2024-05-01'), join(dir, 'fw', '2024-05-01.duckdb'))
  assert.equal(await listDayFiles(dir, 'fw'), [])
  mkdirSync(join(dir, 'fw'))
  for (const name of ['2024-05-02.duckdb', '2024-05-01.duckdb', '2024-05-01.duckdb.wal', 'notes.txt', '2024-5-3.duckdb']) {
    writeFileSync(join(dir, 'fw', name), '')
  }
  assert.equal(await listDayFiles(dir, 'fw'), [
    { day: '2024-05-01', path: join(dir, 'fw', '2024-05-01.duckdb') },
    { day: '2024-05-02', path: join(dir, 'fw', '2024-05-02.duckdb') },
  ])
})

days.run()
