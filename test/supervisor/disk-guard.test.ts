/**
 * @module
 * The disk guard alone, with an injected free-space probe: threshold, transitions logged
 * once each, a failing probe that keeps the last answer, a reloaded threshold, and the
 * timer probing again by itself.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DiskGuard, statfsFreePercent } from '../../src/supervisor/disk-guard.js'
import { waitFor } from '../support/wait.js'

type Line = [string, string, Record<string, unknown>]

const guard = suite('disk guard')

guard('turns on below the threshold and off at or above it, logging each change once', async () => {
  let free = 50
  const logged: Line[] = []
  const g = await DiskGuard.start({
    dataDir: '/data',
    minFreePercent: 5,
    probe: async () => free,
    intervalMs: 3_600_000,
    log: (level, event, fields = {}) => void logged.push([level, event, fields]),
  })
  try {
    assert.equal(g.state(), { full: false, freePercent: 50, minFreePercent: 5, dataDir: '/data' })
    free = 4.999
    await g.check()
    await g.check()
    assert.is(g.full, true)
    free = 5
    await g.check()
    assert.is(g.full, false)
    assert.equal(logged, [
      ['warn', 'disk_guard.on', { data_dir: '/data', free_percent: 4.99, min_free_percent: 5 }],
      ['info', 'disk_guard.off', { data_dir: '/data', free_percent: 5, min_free_percent: 5 }],
    ])
  } finally {
    g.stop()
  }
})

guard('a failing probe keeps the last answer and is logged once per run of failures', async () => {
  let fail = false
  const logged: Line[] = []
  const g = await DiskGuard.start({
    dataDir: '/data',
    minFreePercent: 10,
    probe: async () => {
      if (fail) throw new Error('statfs: EIO')
      return 3
    },
    intervalMs: 3_600_000,
    log: (level, event, fields = {}) => void logged.push([level, event, fields]),
  })
  try {
    fail = true
    await g.check()
    await g.check()
    assert.is(g.full, true)
    assert.equal(logged.slice(1), [['error', 'disk_guard.probe_failed', { data_dir: '/data', error: 'statfs: EIO' }]])
  } finally {
    g.stop()
  }
})

guard('update applies a reloaded threshold and directory at once', async () => {
  const probed: string[] = []
  const g = await DiskGuard.start({
    dataDir: '/a',
    minFreePercent: 5,
    probe: async (dir) => (probed.push(dir), 8),
    intervalMs: 3_600_000,
    log: () => {},
  })
  try {
    assert.is(g.full, false)
    await g.update('/b', 10)
    assert.equal(g.state(), { full: true, freePercent: 8, minFreePercent: 10, dataDir: '/b' })
    assert.equal(probed, ['/a', '/b'])
  } finally {
    g.stop()
  }
})

guard('the timer probes again by itself', async () => {
  let free = 50
  const g = await DiskGuard.start({ dataDir: '/data', minFreePercent: 5, probe: async () => free, intervalMs: 10, log: () => {} })
  try {
    free = 1
    await waitFor(() => g.full, { what: 'the guard to see the disk full', intervalMs: 5, detail: () => g.state() })
    free = 60
    await waitFor(() => !g.full, { what: 'the guard to see space again', intervalMs: 5, detail: () => g.state() })
    assert.is(g.state().freePercent, 60)
  } finally {
    g.stop()
  }
})

guard('statfs reports a percentage for a real directory', async () => {
  const free = await statfsFreePercent(mkdtempSync(join(tmpdir(), 'logsift-guard-')))
  assert.ok(free >= 0 && free <= 100, String(free))
})

guard.run()
