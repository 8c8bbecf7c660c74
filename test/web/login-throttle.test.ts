import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LoginThrottle } from '../../src/web/login-throttle.js'

const test = suite('LoginThrottle')

function fail(t: LoginThrottle, address: string, name: string): void {
  assert.ok(t.begin(address, name).allowed, `${address} ${name} allowed`)
}

test('blocks an address for a name after maxPerUser attempts until the oldest leaves the window', () => {
  const clock = { ms: 0 }
  const t = new LoginThrottle({ maxPerUser: 3, maxPerAddress: 100, windowMs: 60_000, now: () => clock.ms })
  for (let i = 0; i < 3; i++) {
    fail(t, '10.0.0.1', 'ann')
    clock.ms += 10_000
  }
  assert.equal(t.begin('10.0.0.1', 'ann'), { allowed: false, retryAfterMs: 30_000 })
  assert.is(t.retryAfterMs('10.0.0.2', 'ann'), 0)
  assert.is(t.retryAfterMs('10.0.0.1', 'bob'), 0)
  clock.ms += 30_000
  assert.is(t.retryAfterMs('10.0.0.1', 'ann'), 0)
})

test('an attempt counts when it begins, before its outcome is known (issue 16.5)', () => {
  const t = new LoginThrottle({ maxPerUser: 2, now: () => 0 })
  const started = [t.begin('10.0.0.1', 'ann'), t.begin('10.0.0.1', 'ann'), t.begin('10.0.0.1', 'ann')]
  assert.equal(started.map((a) => a.allowed), [true, true, false])
})

test('blocks an address across names; success clears only that address for that name', () => {
  const t = new LoginThrottle({ maxPerUser: 2, maxPerAddress: 3, now: () => 0 })
  fail(t, '10.0.0.1', 'ann')
  fail(t, '10.0.0.9', 'ann')
  const right = t.begin('10.0.0.9', 'ann')
  fail(t, '10.0.0.1', 'bob')
  fail(t, '10.0.0.1', 'bob')
  assert.ok(t.retryAfterMs('10.0.0.1', 'carol') > 0)
  t.succeeded(right)
  assert.is(t.retryAfterMs('10.0.0.9', 'ann'), 0)
  // The right attempt no longer counts, so 10.0.0.9 has two attempts left.
  fail(t, '10.0.0.9', 'ann')
  fail(t, '10.0.0.9', 'ann')
  assert.ok(t.retryAfterMs('10.0.0.1', 'ann') > 0)
})

test('the per-name limit over all addresses spares an address the user signed in from', () => {
  const clock = { ms: 0 }
  const t = new LoginThrottle({ maxPerUserAllAddresses: 4, knownAddressMs: 3_600_000, windowMs: 60_000, now: () => clock.ms })
  t.succeeded(t.begin('10.0.0.7', 'ann'))
  for (let a = 0; a < 4; a++) fail(t, `192.0.2.${a}`, 'ann')
  assert.equal(t.begin('198.51.100.1', 'ann'), { allowed: false, retryAfterMs: 60_000 })
  assert.ok(t.begin('10.0.0.7', 'ann').allowed)
  clock.ms += 3_600_000
  // Known for an hour only: after that the address is a stranger again.
  for (let a = 0; a < 4; a++) fail(t, `192.0.2.${a}`, 'ann')
  assert.is(t.begin('10.0.0.7', 'ann').allowed, false)
})

test.run()
