/**
 * Partials compared as exact HTML (STYLE: web tests compare exact HTML for partials).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AuditRows } from '../../views/partials/audit-rows.js'
import { ErrorAlert } from '../../views/partials/error-alert.js'
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
