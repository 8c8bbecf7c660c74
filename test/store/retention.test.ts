/**
 * @module
 * Retention: which days expire, and sweeps over real files with an injected clock —
 * the right files go, today's, open and future days stay, each deletion is logged and
 * audited as `system`, and the timer sweeps again as the clock moves on.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { addDays, expiredDays, Retention, type RetentionPlan } from '../../src/store/retention.js'
import { SystemStore } from '../../src/system/system-store.js'
import { tempDataDir } from './helpers.js'
import { waitFor } from '../support/wait.js'

const days = suite('retention: expired days')

days('addDays crosses months, years and leap days', () => {
  assert.is(addDays('2026-03-01', -1), '2026-02-28')
  assert.is(addDays('2024-03-01', -1), '2024-02-29')
  assert.is(addDays('2026-01-01', -1), '2025-12-31')
  assert.is(addDays('2025-12-31', 1), '2026-01-01')
  assert.is(addDays('2026-03-15', -180), '2025-09-16')
})

days('a day expires when it lies more than retention_days before today', () => {
  const all = ['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16']
  assert.equal(expiredDays(all, '2026-03-15', 2), ['2026-03-10', '2026-03-11', '2026-03-12'])
  assert.equal(expiredDays(all, '2026-03-15', 1), ['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'])
  assert.equal(expiredDays(all, '2026-03-15', 180), [])
})

days.run()

const sweep = suite('retention: sweeps')

interface Logged {
  level: string
  event: string
  fields: Record<string, unknown>
}

/** Day files (empty files: retention judges by name only) plus a WAL and a stranger. */
function layout(dataDir: string, engine: string, names: string[]): void {
  mkdirSync(join(dataDir, engine), { recursive: true })
  for (const n of names) writeFileSync(join(dataDir, engine, n), '')
}

const listing = (dataDir: string, engine: string) => readdirSync(join(dataDir, engine)).sort()

sweep('deletes expired files with their WAL; keeps today, open, future and foreign files; logs and audits', async () => {
  const dataDir = tempDataDir()
  const store = await SystemStore.create(join(dataDir, 'system.duckdb'))
  layout(dataDir, 'fw', [
    '2026-03-10.duckdb',
    '2026-03-10.duckdb.wal',
    '2026-03-11.duckdb',
    '2026-03-12.duckdb',
    '2026-03-13.duckdb',
    '2026-03-15.duckdb',
    '2026-03-16.duckdb',
    'notes.txt',
  ])
  layout(dataDir, 'core', ['2026-01-01.duckdb', '2026-03-01.duckdb'])
  const clock = { ms: Date.parse('2026-03-15T12:00:00Z') }
  const plan: RetentionPlan = {
    dataDir,
    timezone: 'UTC',
    engines: [
      { name: 'fw', retentionDays: 2 },
      { name: 'core', retentionDays: 30 },
      { name: 'empty', retentionDays: 1 },
    ],
  }
  const logged: Logged[] = []
  const retention = await Retention.start({
    plan: () => plan,
    // The writer still holds 03-11 open (a late row reopened it): never pulled from under it.
    openDays: (engine) => (engine === 'fw' ? ['2026-03-11', '2026-03-15'] : []),
    audit: (entry) => store.appendAudit(entry),
    clock: { now: () => clock.ms },
    log: (level, event, fields = {}) => void logged.push({ level, event, fields }),
  })
  try {
    assert.equal(listing(dataDir, 'fw'), [
      '2026-03-11.duckdb',
      '2026-03-13.duckdb',
      '2026-03-15.duckdb',
      '2026-03-16.duckdb',
      'notes.txt',
    ])
    assert.equal(listing(dataDir, 'core'), ['2026-03-01.duckdb'])
    assert.equal(
      logged.map((l) => [l.level, l.event, l.fields.engine, l.fields.day, l.fields.retention_days]),
      [
        ['info', 'retention.deleted', 'fw', '2026-03-10', 2],
        ['info', 'retention.deleted', 'fw', '2026-03-12', 2],
        ['info', 'retention.deleted', 'core', '2026-01-01', 30],
      ],
    )
    assert.is(logged[0]!.fields.path, join(dataDir, 'fw', '2026-03-10.duckdb'))
    const audit = (await store.listAudit()).map((a) => [a.userName, a.action, a.target, a.details, a.address])
    assert.equal(audit, [
      ['system', 'retention.deleted', 'core', 'day file 2026-01-01 deleted (older than 30 days)', null],
      ['system', 'retention.deleted', 'fw', 'day file 2026-03-12 deleted (older than 2 days)', null],
      ['system', 'retention.deleted', 'fw', 'day file 2026-03-10 deleted (older than 2 days)', null],
    ])

    // In Tokyo it is the 17th already: 03-13 expires, 03-11 is still open, 03-15 is the oldest kept.
    clock.ms = Date.parse('2026-03-16T15:30:00Z')
    plan.timezone = 'Asia/Tokyo'
    assert.equal(await retention.sweep(), [{ engine: 'fw', day: '2026-03-13', path: join(dataDir, 'fw', '2026-03-13.duckdb') }])
    assert.ok(existsSync(join(dataDir, 'fw', '2026-03-15.duckdb')))
  } finally {
    await retention.stop()
    store.closeSync()
  }
})

sweep('the timer sweeps again as the clock moves on', async () => {
  const dataDir = tempDataDir()
  layout(dataDir, 'fw', ['2026-03-14.duckdb', '2026-03-15.duckdb'])
  const clock = { ms: Date.parse('2026-03-15T12:00:00Z') }
  const audited: string[] = []
  const retention = await Retention.start({
    plan: () => ({ dataDir, timezone: 'UTC', engines: [{ name: 'fw', retentionDays: 1 }] }),
    openDays: () => [],
    audit: async (entry) => void audited.push(entry.details ?? ''),
    clock: { now: () => clock.ms },
    intervalMs: 20,
    log: () => {},
  })
  try {
    assert.equal(listing(dataDir, 'fw'), ['2026-03-14.duckdb', '2026-03-15.duckdb'])
    clock.ms = Date.parse('2026-03-16T00:00:00Z')
    // The audit entry is written just after the unlink: wait for both.
    await waitFor(() => !existsSync(join(dataDir, 'fw', '2026-03-14.duckdb')) && audited.length > 0, {
      what: 'the old day deleted and audited',
      detail: () => ({ files: listing(dataDir, 'fw'), audited }),
    })
    assert.equal(listing(dataDir, 'fw'), ['2026-03-15.duckdb'])
    assert.equal(audited, ['day file 2026-03-14 deleted (older than 1 day)'])
  } finally {
    await retention.stop()
  }
})

sweep('a failing engine directory is logged and does not stop the others', async () => {
  const dataDir = tempDataDir()
  layout(dataDir, 'ok', ['2020-01-01.duckdb'])
  // A file where the engine's directory should be: listing it fails with ENOTDIR.
  writeFileSync(join(dataDir, 'broken'), '')
  const logged: Logged[] = []
  const retention = await Retention.start({
    plan: () => ({ dataDir, timezone: 'UTC', engines: [{ name: 'broken', retentionDays: 1 }, { name: 'ok', retentionDays: 1 }] }),
    openDays: () => [],
    audit: async () => {},
    clock: { now: () => Date.parse('2026-03-15T12:00:00Z') },
    log: (level, event, fields = {}) => void logged.push({ level, event, fields }),
  })
  await retention.stop()
  assert.equal(
    logged.map((l) => [l.level, l.event, l.fields.engine]),
    [
      ['error', 'retention.failed', 'broken'],
      ['info', 'retention.deleted', 'ok'],
    ],
  )
  assert.equal(listing(dataDir, 'ok'), [])
})

sweep.run()
