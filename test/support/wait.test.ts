/**
 * The test helpers' deadlines (issue 14): a condition that never holds fails with what
 * was awaited and what was seen, instead of hanging the run.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { untilCounters, waitFor, withDeadline } from './wait.js'

const wait = suite('waitFor')

wait('resolves once the condition holds, sync or async', async () => {
  let n = 0
  await waitFor(() => ++n === 3, { what: 'three checks', intervalMs: 1 })
  assert.is(n, 3)
  await waitFor(async () => ++n === 5, { what: 'two more', intervalMs: 1 })
  assert.is(n, 5)
})

wait('a condition that never holds fails at the deadline with what was seen', async () => {
  const counters = { stored: 7n, received: 9 }
  await untilCounters({ counters: () => counters }, (c) => c.stored === 10n, '10 rows stored', 50).then(
    () => assert.unreachable('resolved'),
    (e: Error) => assert.is(e.message, 'timed out after 50 ms waiting for 10 rows stored; seen: {"stored":"7","received":9}'),
  )
})

wait('withDeadline rejects a promise that never settles', async () => {
  await withDeadline(new Promise(() => {}), 'a stream read', 30).then(
    () => assert.unreachable('resolved'),
    (e: Error) => assert.is(e.message, 'timed out after 30 ms waiting for a stream read'),
  )
  assert.is(await withDeadline(Promise.resolve(4), 'a value', 30), 4)
})

wait.run()
