// The console's live parts, without inline script (the CSP forbids it): dashboard charts
// fed by /events, and the live tail fed by /tail/events. Pages mark their elements with
// data-live-dashboard / data-live-tail; htmx-boosted navigation swaps the body, so this
// runs on load and after every swap, and closes streams whose elements are gone.
;(function () {
  'use strict'
  // In the order of chartData() (views/partials/engine-card.tsx): the counters per
  // second, then the queue depth in rows on its own scale (the right-hand axis).
  var SERIES = [
    { key: 'received', label: 'received', stroke: '#3358d4' },
    { key: 'stored', label: 'stored', stroke: '#1d9a5b' },
    { key: 'rejected', label: 'rejected', stroke: '#c98a06' },
    { key: 'dropped_backpressure', label: 'dropped: queue full', stroke: '#c4312f' },
    { key: 'dropped_journal_full', label: 'dropped: journal full', stroke: '#a0264f', dash: [8, 2] },
    { key: 'dropped_journal_error', label: 'dropped: journal error', stroke: '#5e1a3a', dash: [2, 4] },
    { key: 'dropped_disk_full', label: 'dropped: disk full', stroke: '#e0672a', dash: [6, 3] },
    { key: 'dropped_write_error', label: 'dropped: write error', stroke: '#8a1c1b', dash: [2, 2] },
    { key: 'kernel_drops', label: 'kernel drops', stroke: '#8e44ad', dash: [4, 3] },
    { key: 'queue_depth', label: 'queue (rows)', stroke: '#6b7685', scale: 'rows', fill: 'rgba(107, 118, 133, 0.12)' },
  ]
  var WINDOW_S = 300
  var open = []

  function closeStale() {
    open = open.filter(function (o) {
      if (document.body.contains(o.root)) return true
      o.source.close()
      return false
    })
  }

  // HH:MM in the console's display zone (data-time-zone), not the browser's own.
  function clockIn(timeZone) {
    var format = new Intl.DateTimeFormat('en-GB', { timeZone: timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    return function (seconds) { return format.format(seconds * 1000) }
  }

  function chartWidth(el) {
    return Math.max(200, Math.floor(el.getBoundingClientRect().width))
  }

  function makeChart(el, clock) {
    var data = JSON.parse(el.getAttribute('data-chart'))
    var dark = document.documentElement.getAttribute('data-theme') === 'dark' ||
      (document.documentElement.getAttribute('data-theme') === null && window.matchMedia('(prefers-color-scheme: dark)').matches)
    var axis = { stroke: dark ? '#959fad' : '#626b78', grid: { stroke: dark ? '#272d37' : '#e1e4e9', width: 1 }, ticks: { show: false } }
    var opts = {
      width: chartWidth(el),
      height: 180,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Always the last five minutes, so charts of different engines line up.
        x: { time: true, range: function (u, min, max) { var end = max || Date.now() / 1000; return [end - WINDOW_S, end] } },
        y: { range: function (u, min, max) { return [0, Math.max(5, (max || 0) * 1.1)] } },
        rows: { range: function (u, min, max) { return [0, Math.max(5, (max || 0) * 1.1)] } },
      },
      axes: [
        // Ticks on whole minutes, labelled HH:MM.
        Object.assign({}, axis, { space: 60, incrs: [60, 120, 300], values: function (u, splits) { return splits.map(clock) } }),
        Object.assign({}, axis, { size: 52 }),
        Object.assign({}, axis, { scale: 'rows', side: 1, size: 52, grid: { show: false } }),
      ],
      series: [{}].concat(SERIES.map(function (s) {
        return { label: s.label, stroke: s.stroke, width: 1.5, dash: s.dash, scale: s.scale || 'y', fill: s.fill, points: { show: false } }
      })),
    }
    var plot = new window.uPlot(opts, data, el)
    new ResizeObserver(function () { plot.setSize({ width: chartWidth(el), height: 180 }) }).observe(el)
    return { plot: plot, data: data }
  }

  function startDashboard(root) {
    var charts = {}
    var clock = clockIn(root.getAttribute('data-time-zone') || 'UTC')
    root.querySelectorAll('[data-engine]').forEach(function (card) {
      charts[card.getAttribute('data-engine')] = makeChart(card.querySelector('[data-chart]'), clock)
    })
    var source = new EventSource(root.getAttribute('data-live-dashboard'))
    open.push({ root: root, source: source })
    source.addEventListener('engine', function (ev) {
      closeStale()
      var msg = JSON.parse(ev.data)
      // An engine created since the page was drawn: draw the page again to get its card.
      if (!charts[msg.name]) { source.close(); window.location.reload(); return }
      var totals = document.getElementById('totals-' + msg.name)
      if (totals) totals.outerHTML = msg.html
      var chart = charts[msg.name]
      if (!chart) return
      var d = chart.data
      var s = msg.sample
      d[0].push(s.atMs / 1000)
      SERIES.forEach(function (series, i) { d[i + 1].push(s[series.key]) })
      while (d[0].length > WINDOW_S) d.forEach(function (a) { a.shift() })
      chart.plot.setData(d)
    })
  }

  function startTail(body) {
    var source = new EventSource(body.getAttribute('data-live-tail'))
    open.push({ root: body, source: source })
    var shown = ''
    // While paused, rows are held back in arrival order and counted; Resume adds them.
    var paused = false
    var held = []
    var heldRows = 0
    var button = document.getElementById('tail-pause')
    var note = document.getElementById('tail-held')
    function show(html) {
      // Server-rendered rows: every value was escaped by JSX before it left the server.
      var parsed = document.createElement('tbody')
      parsed.innerHTML = html
      // Receiver threads hand over their rows in turn, so a row may come after newer ones:
      // each row (with its text row) goes above the first shown row that is not newer.
      var rows = Array.prototype.slice.call(parsed.querySelectorAll('tr.tail-row'))
      rows.forEach(function (row) {
        var at = Number(row.getAttribute('data-at'))
        var text = row.nextElementSibling && row.nextElementSibling.classList.contains('tail-log') ? row.nextElementSibling : null
        var before = body.firstElementChild
        while (before && !(before.classList.contains('tail-row') && Number(before.getAttribute('data-at')) <= at)) before = before.nextElementSibling
        body.insertBefore(row, before)
        if (text) body.insertBefore(text, before)
      })
      // Keep about 100 rows (each is a row of columns and a row of text).
      while (body.rows.length > 200) body.deleteRow(body.rows.length - 1)
    }
    function heldNote() { return (heldRows === 1 ? '1 new row' : heldRows + ' new rows') + ' while paused' }
    function setPaused(on) {
      paused = on
      button.textContent = on ? 'Resume' : 'Pause'
      button.setAttribute('aria-pressed', on ? 'true' : 'false')
      if (!on) {
        held.forEach(show)
        held = []
        heldRows = 0
      }
      note.hidden = !on
      note.textContent = on ? heldNote() : ''
    }
    if (button && note) {
      button.addEventListener('click', function () { setPaused(!paused) })
      var onKey = function (ev) {
        if (!document.body.contains(body)) { document.removeEventListener('keydown', onKey); return }
        var t = ev.target
        var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))
        if (ev.key !== ' ' || typing || ev.ctrlKey || ev.metaKey || ev.altKey) return
        ev.preventDefault()
        setPaused(!paused)
      }
      document.addEventListener('keydown', onKey)
    }
    source.addEventListener('rows', function (ev) {
      closeStale()
      var msg = JSON.parse(ev.data)
      var cols = msg.columns.join(',')
      if (shown !== cols) {
        // A class edit changed the columns: start a new table head, drop old rows.
        shown = cols
        var head = body.parentNode.querySelector('thead tr')
        head.replaceChildren()
        ;['received_at'].concat(msg.columns).forEach(function (c) {
          var th = document.createElement('th')
          th.scope = 'col'
          th.textContent = c
          head.appendChild(th)
        })
        body.replaceChildren()
        held = []
        heldRows = 0
      }
      var rate = document.getElementById('tail-rate')
      if (rate) rate.outerHTML = msg.rate
      var zone = document.getElementById('tail-zone')
      if (zone) zone.outerHTML = msg.zone
      if (msg.count === 0) return
      if (!paused) { show(msg.html); return }
      held.push(msg.html)
      heldRows += msg.count
      // The count stays exact; only the newest messages are kept, as the table keeps only so many.
      if (held.length > 100) held.shift()
      note.textContent = heldNote()
    })
  }

  function scan(root) {
    closeStale()
    root.querySelectorAll('[data-live-dashboard]').forEach(function (el) {
      if (!el.hasAttribute('data-live-started')) { el.setAttribute('data-live-started', ''); startDashboard(el) }
    })
    root.querySelectorAll('[data-live-tail]').forEach(function (el) {
      if (!el.hasAttribute('data-live-started')) { el.setAttribute('data-live-started', ''); startTail(el) }
    })
  }

  document.addEventListener('DOMContentLoaded', function () { scan(document) })
  document.addEventListener('htmx:load', function (ev) { scan(ev.target && ev.target.querySelectorAll ? ev.target : document) })
})()
