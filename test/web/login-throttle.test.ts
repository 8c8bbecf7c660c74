import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LoginThrottle } from '../../src/web/login-throttle.js'

const test = suite('LoginThrottle')

test('blocks a name after maxPerUser failures until the oldest leaves the window', () => {
  const clock = { ms: 0 }
  const t = new LoginThrottle({ maxPerUser: 3, maxPerAddress: 100, windowMs: 60_000, now: () => clock.ms })
  for (let i = 0; i < 3; i++) {
    assert.is(t.retryAfterMs('10.0.0.1', 'ann'), 0)
    t.recordFailure('10.0.0.1', 'ann')
    clock.ms += 10_000
  }
  assert.is(t.retryAfterMs('10.0.0.2', 'ann'), 30_000)
  assert.is(t.retryAfterMs('10.0.0.2', 'bob'), 0)
  clock.ms += 30_000
  assert.is(t.retryAfterMs('10.0.0.2', 'ann'), 0)
})

test('blocks an address across names; success clears only the name', () => {
  const t = new LoginThrottle({ maxPerUser: 2, maxPerAddress: 3, now: () => 0 })
  t.recordFailure('10.0.0.1', 'ann')
  t.recordFailure('10.0.0.1', 'ann')
  t.recordFailure('10.0.0.1', 'bob')
  assert.ok(t.retryAfterMs('10.0.0.1', 'carol') > 0)
  assert.ok(t.retryAfterMs('10.0.0.9', 'ann') > 0)
  t.recordSuccess('ann')
  assert.is(t.retryAfterMs('10.0.0.9', 'ann'), 0)
  assert.ok(t.retryAfterMs('10.0.0.1', 'ann') > 0)
})

test.run()
