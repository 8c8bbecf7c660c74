/**
 * The operations partials as exact HTML: what the dashboard and tail streams send, and
 * the regex tester's answer. Log text is attacker-controlled, so escaping is checked here.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EngineTotals } from '../../views/partials/engine-card.js'
import { TailRate, TailRows, TailZone } from '../../views/partials/tail-rows.js'
import { TesterResultView } from '../../views/partials/tester-result.js'
import { tailValue } from '../../src/web/routes/tail.js'
import type { Column } from '../../src/engine/batch.js'
import { splitLines, testClass } from '../../src/web/regex-tester.js'

const test = suite('operations partials')

test('EngineTotals: state, the last second and the totals, drops by cause, the queue', () => {
  const html = String(
    <EngineTotals
      name="fw"
      state="running"
      totals={{
        received: 12345,
        stored: 12000,
        rejected: 300,
        dropped_backpressure: 40,
        dropped_journal_full: 5,
        dropped_journal_error: 6,
        dropped_disk_full: 3,
        dropped_write_error: 2,
        kernel_drops: 0,
        queue_depth: 2048,
        queue_capacity: 262144,
      }}
      latest={{ atMs: 0, received: 1500, stored: 1490, rejected: 10, dropped_backpressure: 7, dropped_journal_full: 4, dropped_journal_error: 3, dropped_disk_full: 0, dropped_write_error: 1, kernel_drops: 0, queue_depth: 2048 }}
    />,
  )
  const tile = (k: string, label: string, rate: string, total: string) =>
    `<div class="counter counter-${k}" data-counter="${k}"><dt>${label}</dt><dd><span class="counter-rate">${rate}/s</span><span class="counter-total" title="since the server started">${total}</span></dd></div>`
  assert.is(
    html,
    '<div class="engine-totals" id="totals-fw"><p class="engine-state"><span class="state state-running">running</span></p><dl class="counter-grid">' +
      tile('received', 'Received', '1,500', '12,345') +
      tile('stored', 'Stored', '1,490', '12,000') +
      tile('rejected', 'Rejected', '10', '300') +
      tile('dropped_backpressure', 'Dropped: queue full', '7', '40') +
      tile('dropped_journal_full', 'Dropped: journal full', '4', '5') +
      tile('dropped_journal_error', 'Dropped: journal error', '3', '6') +
      tile('dropped_disk_full', 'Dropped: disk full', '0', '3') +
      tile('dropped_write_error', 'Dropped: write error', '1', '2') +
      tile('kernel_drops', 'Kernel drops', '0', '0') +
      '<div class="counter counter-queue_depth" data-counter="queue_depth"><dt>Queue</dt><dd><span class="counter-rate">2,048</span><span class="counter-capacity">of 262,144 rows</span></dd></div>' +
      '</dl></div>',
  )
})

test('EngineTotals: the TCP counters once any counts something', () => {
  const totals = { received: 3, stored: 3, rejected: 0, dropped_backpressure: 0, dropped_journal_full: 0, dropped_journal_error: 0, dropped_disk_full: 0, dropped_write_error: 0, kernel_drops: 0, queue_depth: 0, queue_capacity: 100 }
  const quiet = String(<EngineTotals name="fw" state="running" totals={totals} tcp={{ truncated: 0, truncated_by_close: 0, refused_max_connections: 0 }} />)
  assert.not.match(quiet, 'engine-tcp-limits')
  const html = String(<EngineTotals name="fw" state="running" totals={totals} tcp={{ truncated: 1234, truncated_by_close: 0, refused_max_connections: 2 }} />)
  assert.ok(
    html.endsWith(
      '</dl><p class="engine-tcp-limits">TCP/TLS since the server started: 1,234 messages cut at the maximum size, 0 cut short by a closed connection, 2 connections refused over the maximum</p></div>',
    ),
    html,
  )
  const cutByClose = String(<EngineTotals name="fw" state="running" totals={totals} tcp={{ truncated: 0, truncated_by_close: 3, refused_max_connections: 0 }} />)
  assert.match(cutByClose, '0 messages cut at the maximum size, 3 cut short by a closed connection, 0 connections')
})

test('EngineTotals: the regex budget counter once it counts something', () => {
  const totals = { received: 3, stored: 3, rejected: 0, dropped_backpressure: 0, dropped_journal_full: 0, dropped_journal_error: 0, dropped_disk_full: 0, dropped_write_error: 0, kernel_drops: 0, queue_depth: 0, queue_capacity: 100 }
  assert.not.match(String(<EngineTotals name="fw" state="running" totals={totals} regexBudgetExceeded={0} />), 'engine-regex-budget')
  const one = String(<EngineTotals name="fw" state="running" totals={totals} regexBudgetExceeded={1} />)
  assert.ok(one.endsWith('</dl><p class="engine-regex-budget">Since the server started: 1 field value stored as NULL because a look-around or back-reference pattern was over its work budget</p></div>'), one)
  const many = String(<EngineTotals name="fw" state="running" totals={totals} regexBudgetExceeded={4321} />)
  assert.match(many, '<p class="engine-regex-budget">Since the server started: 4,321 field values stored as NULL')
})

test('EngineTotals: the journal backlog and lag when the engine has a journal', () => {
  const totals = { received: 3, stored: 3, rejected: 0, dropped_backpressure: 0, dropped_journal_full: 0, dropped_journal_error: 0, dropped_disk_full: 0, dropped_write_error: 0, kernel_drops: 0, queue_depth: 0, queue_capacity: 100 }
  const none = String(<EngineTotals name="fw" state="running" totals={totals} journal={{ journal_bytes: 0, journal_max_bytes: 0, journal_records: 0, journal_lag_seconds: 0 }} />)
  assert.not.match(none, 'engine-journal')
  const html = String(
    <EngineTotals name="fw" state="running" totals={totals} journal={{ journal_bytes: 3 * 1024 * 1024, journal_max_bytes: 1024 ** 3, journal_records: 1234, journal_lag_seconds: 2.345 }} />,
  )
  assert.ok(html.endsWith('</dl><p class="engine-journal" data-journal-records="1234">Journal: 1,234 chunks waiting, 3.0 MiB of 1.0 GiB, lag 2.3 s</p></div>'), html)
})

test('TailRows escapes log text, marks NULL, and shows the time of day in the display zone', () => {
  const html = String(
    <TailRows
      columns={['sender', 'user']}
      rows={[{ atUs: Date.UTC(2025, 0, 2, 13, 4, 5, 678) * 1000, receivedAtMs: Date.UTC(2025, 0, 2, 13, 4, 5, 678), values: ['<b>x</b>', null], log: '<script>alert(1)</script>' }]}
      timeZone="America/New_York"
    />,
  )
  assert.is(
    html,
    '<tr class="tail-row" data-at="1735823045678000"><td data-label="received_at" class="nowrap">' +
      '<time datetime="2025-01-02T13:04:05.678Z" title="America/New_York (UTC-05:00)">08:04:05.678</time></td>' +
      '<td data-label="sender" data-column="sender">&lt;b&gt;x&lt;/b&gt;</td>' +
      '<td data-label="user" data-column="user"><span class="null">NULL</span></td></tr>' +
      '<tr class="tail-log"><td colspan="3" data-column="original_log">&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>',
  )
})

test('a TIMESTAMPTZ value of the tail reads as date and time in the display zone, as received_at does', () => {
  // 2025-01-02 13:04:05.678901 UTC, and NULL.
  const seen: Column = { name: 'seen_at', type: 'timestamptz', values: BigInt64Array.of(1_735_823_045_678_901n, 0n), valid: Uint8Array.of(1, 0) }
  const html = String(
    <TailRows
      columns={['seen_at']}
      rows={[{ atUs: Date.UTC(2025, 0, 2, 13, 4, 6) * 1000, receivedAtMs: Date.UTC(2025, 0, 2, 13, 4, 6), values: [tailValue(seen, 0)], log: null }, { atUs: 1, receivedAtMs: 0, values: [tailValue(seen, 1)], log: null }]}
      timeZone="Asia/Kolkata"
    />,
  )
  assert.ok(
    html.includes('<td data-label="seen_at" data-column="seen_at"><time datetime="2025-01-02T13:04:05.678Z" title="Asia/Kolkata (UTC+05:30)">2025-01-02 18:34:05.678</time></td>'),
    html,
  )
  assert.ok(html.includes('<td data-label="seen_at" data-column="seen_at"><span class="null">NULL</span></td>'), html)
})

test('TailZone names the zone and its offset at that moment', () => {
  assert.is(String(<TailZone timeZone="America/New_York" atMs={Date.UTC(2025, 6, 1)} />), '<p class="muted tail-zone" id="tail-zone">Times in America/New_York (UTC-04:00)</p>')
  assert.is(String(<TailZone timeZone="UTC" atMs={Date.UTC(2025, 6, 1)} />), '<p class="muted tail-zone" id="tail-zone">Times in UTC</p>')
})

test('TailRate says what sampling left out', () => {
  assert.is(String(<TailRate shown={0} received={0} />), '<p class="tail-rate muted" id="tail-rate" aria-live="polite">Waiting for rows…</p>')
  assert.is(String(<TailRate shown={5} received={5} />), '<p class="tail-rate muted" id="tail-rate" aria-live="polite">5 rows/s, all shown</p>')
  assert.is(String(<TailRate shown={20} received={3400} />), '<p class="tail-rate muted" id="tail-rate" aria-live="polite">20 of 3,400 rows/s shown (1 in 170)</p>')
})

test('the tester names unmatched fields and splits _ip fields like ingestion', async () => {
  const result = await testClass({ name: 'c', fields: [{ name: 'user', pattern: 'user=(\\w+)' }, { name: 'peer_ip', pattern: 'peer=(\\S+)' }] }, splitLines('user=<ann> peer=10.0.0.1:80\npeer=999.1.1.1:5\n'))
  assert.equal(result.columns, [{ name: 'user', field: 'user' }, { name: 'peer_ip', field: 'peer_ip' }, { name: 'peer_port', field: 'peer_ip' }])
  assert.equal(result.lines, [
    { text: 'user=<ann> peer=10.0.0.1:80', values: [null, '10.0.0.1', 80], unmatched: ['user'], overBudget: [] },
    { text: 'peer=999.1.1.1:5', values: [null, null, null], unmatched: ['user', 'peer_ip'], overBudget: [] },
  ])
  const html = String(<TesterResultView result={result} />)
  assert.match(html, '<pre class="tested-text">user=&lt;ann&gt; peer=10.0.0.1:80</pre><p class="unmatched">No match: <code>user</code></p>')
  assert.match(html, '<div class="tested-column"><dt>peer_port</dt><dd data-column="peer_port">80</dd></div>')
})

test('splitLines: the last newline does not add a line; inner empty lines stay', () => {
  assert.equal(splitLines(''), [])
  assert.equal(splitLines('a\r\n\nb\n'), ['a', '', 'b'])
})

test.run()
