/**
 * RateSampler: per-second differences of each engine's counters, one series per drop
 * cause, the queue depth as a level, a bounded ring, removed engines forgotten.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { EngineCounters } from '../../src/supervisor/engine-runner.js'
import type { Supervisor } from '../../src/supervisor/supervisor.js'
import { RateSampler } from '../../src/web/rate-sampler.js'

const test = suite('RateSampler')

const zero = {
  received: 0,
  stored: 0,
  rejected_unknown_sender: 0,
  kernel_drops: 0,
  dropped_backpressure: 0,
  dropped_journal_full: 0,
  dropped_journal_error: 0,
  dropped_disk_full: 0,
  dropped_write_error: 0,
  queue_depth: 0,
  queue_capacity: 1000,
}

/** A supervisor whose engines report the counters set in `state`. */
function fake(state: Map<string, Partial<EngineCounters>>): Supervisor {
  return {
    engines: () => [...state].map(([name, c]) => ({ name, counters: () => ({ ...zero, ...c }) as EngineCounters })),
  } as unknown as Supervisor
}

test('samples differences per counter and drop cause, the queue depth as it is, keeps at most capacity', () => {
  const state = new Map<string, Partial<EngineCounters>>([['fw', { received: 10, stored: 8, queue_depth: 2 }]])
  let ms = 1000
  const r = new RateSampler(fake(state), { capacity: 2, intervalMs: 3_600_000, now: () => ms })
  r.sample()
  assert.equal(r.series('fw'), [], 'the first reading is only a baseline')
  state.set('fw', {
    received: 110,
    stored: 100,
    rejected_unknown_sender: 5,
    dropped_backpressure: 2,
    dropped_journal_full: 6,
    dropped_journal_error: 8,
    dropped_disk_full: 3,
    dropped_write_error: 1,
    kernel_drops: 4,
    queue_depth: 7,
  })
  ms = 2000
  r.sample()
  assert.equal(r.series('fw'), [
    { received: 100, stored: 92, rejected: 5, dropped_backpressure: 2, dropped_journal_full: 6, dropped_journal_error: 8, dropped_disk_full: 3, dropped_write_error: 1, kernel_drops: 4, atMs: 2000, queue_depth: 7 },
  ])
  ms = 3000
  r.sample()
  ms = 4000
  r.sample()
  assert.equal(r.series('fw').map((s) => s.atMs), [3000, 4000])
})

test('a removed engine is forgotten; listeners hear each round', () => {
  const state = new Map<string, Partial<EngineCounters>>([['fw', { received: 500 }]])
  const r = new RateSampler(fake(state), { intervalMs: 3_600_000, now: () => 0 })
  let rounds = 0
  const off = r.subscribe(() => rounds++)
  r.sample()
  state.set('fw', { received: 530 })
  r.sample()
  assert.is(r.series('fw')[0]!.received, 30)
  state.clear()
  r.sample()
  assert.equal(r.series('fw'), [])
  off()
  r.sample()
  assert.is(rounds, 3)
})

test.run()
