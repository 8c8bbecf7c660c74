/**
 * Partials compared as exact HTML (STYLE: web tests compare exact HTML for partials).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AuditRows } from '../../views/partials/audit-rows.js'
import { RangeHint } from '../../views/components/range-fields.js'
import { ErrorAlert } from '../../views/partials/error-alert.js'
import { WriteFailureBanner } from '../../views/components/write-failure-banner.js'
import { addUser, Client, makeConsole } from './helpers.js'

const test = suite('partials')

test('AuditRows escapes every field, dashes missing ones, and shows the time in the display zone', () => {
  const html = String(
    <AuditRows
      entries={[
        { id: 1, atMs: Date.UTC(2025, 0, 2, 13, 4, 5), userName: null, action: 'user.created', target: '<b>', details: null, address: null },
      ]}
      timeZone="Asia/Kolkata"
    />,
  )
  assert.is(
    html,
    '<tr><td data-label="Time" class="nowrap"><time datetime="2025-01-02T13:04:05.000Z" title="Asia/Kolkata (UTC+05:30)">2025-01-02 18:34:05 UTC+05:30</time></td>' +
      '<td data-label="User"><span class="muted">shell</span></td>' +
      '<td data-label="Action"><code class="action">user.created</code></td>' +
      '<td data-label="Target">&lt;b&gt;</td>' +
      '<td data-label="Details" class="cell-wrap"><span class="muted">—</span></td>' +
      '<td data-label="Address" class="nowrap"><span class="muted">—</span></td></tr>',
  )
})

test('RangeHint names the zone with its offset, and both offsets across a DST change', () => {
  const range = (from: number, to: number) => ({ key: 'custom' as const, from, to, fromText: '', toText: '' })
  const hint = (timeZone: string, from: number, to: number) => /Times are in ([^.]*)\./.exec(String(<RangeHint timeZone={timeZone} range={range(from, to)} />))![1]
  assert.is(hint('UTC', Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 3)), 'UTC')
  assert.is(hint('Asia/Kolkata', Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 3)), 'Asia/Kolkata (UTC+05:30)')
  assert.is(hint('America/New_York', Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 3)), 'America/New_York (UTC-04:00 → UTC-05:00)')
  // `to` is exclusive: a range ending at the change is all in the earlier offset.
  assert.is(hint('America/New_York', Date.UTC(2025, 10, 1), Date.UTC(2025, 10, 2, 6)), 'America/New_York (UTC-04:00)')
})

// Issue 18: the banner said its time in UTC whatever the display zone.
test('WriteFailureBanner shows when rows were lost in the display zone', () => {
  const failure = { engine: 'fw', at: Date.UTC(2025, 0, 2, 13, 4, 5), rows: 12, error: new Error('disk <full>'), counter: 'dropped_write_error' as const, dropped: 30, stillFailing: false }
  assert.is(
    String(<WriteFailureBanner failure={failure} timeZone="Asia/Kolkata" />),
    '<div class="alert alert-error" role="alert"><strong>Engine fw could not store 12 rows</strong> at ' +
      '<time datetime="2025-01-02T13:04:05.000Z" title="Asia/Kolkata (UTC+05:30)">2025-01-02 18:34:05 UTC+05:30</time> ' +
      '(30 in all, counted as dropped_write_error): disk &lt;full&gt;. Its day file was opened anew and it stores again.</div>',
  )
})

test('ErrorAlert', () => {
  assert.is(
    String(<ErrorAlert title="Access denied" message="This page is for admins." />),
    '<div class="alert alert-error" role="alert"><strong>Access denied.</strong> This page is for admins.</div>',
  )
})

test('the System page answers htmx polls with the stats block alone', async () => {
  const t = await makeConsole()
  try {
    await addUser(t.store, 'ann', 'viewer')
    const c = new Client(t.app)
    await c.login('ann')
    const res = await c.get('/system', { 'hx-request': 'true' })
    assert.is(res.status, 200)
    const html = await res.text()
    assert.ok(html.startsWith('<div id="system-stats" class="stack" hx-get="/system" hx-trigger="every 10s" hx-swap="outerHTML">'))
    assert.ok(html.endsWith('</div>'))
    assert.match(html, '<td data-label="Engine"><code>mikrotik</code></td>')
    const boosted = await (await c.get('/system', { 'hx-request': 'true', 'hx-boosted': 'true' })).text()
    assert.ok(boosted.startsWith('<!DOCTYPE html>'))
  } finally {
    await t.close()
  }
})

test.run()
