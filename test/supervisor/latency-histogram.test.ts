/**
 * @module
 * The flush-latency histogram: observations in milliseconds land in cumulative buckets
 * of seconds, as Prometheus expects.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LatencyHistogram } from '../../src/supervisor/latency-histogram.js'

const histogram = suite('latency histogram')

histogram('buckets are cumulative, bounds inclusive, overflow only in the count', () => {
  const h = new LatencyHistogram([0.001, 0.01, 0.1])
  for (const ms of [0.5, 1, 5, 10, 50, 250]) h.observeMs(ms)
  const s = h.snapshot()
  assert.equal(s.bounds, [0.001, 0.01, 0.1])
  assert.equal(s.buckets, [2, 4, 5])
  assert.is(s.count, 6)
  assert.is(Math.round(s.sum * 1e6), 316_500)
})

histogram('an empty histogram has zero everywhere', () => {
  assert.equal(new LatencyHistogram([1]).snapshot(), { bounds: [1], buckets: [0], sum: 0, count: 0 })
})

histogram('add takes in every observation of another (a replaced runner\'s); other bounds are refused', () => {
  const before = new LatencyHistogram([0.001, 0.01])
  for (const ms of [0.5, 5, 50]) before.observeMs(ms)
  const now = new LatencyHistogram([0.001, 0.01])
  now.observeMs(2)
  now.add(before)
  const s = now.snapshot()
  assert.equal(s.buckets, [1, 3])
  assert.is(s.count, 4)
  assert.is(Math.round(s.sum * 1e6), 57_500)
  assert.throws(() => now.add(new LatencyHistogram([1])), /histogram bounds differ/)
})

histogram.run()
