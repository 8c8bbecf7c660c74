// Drag across bars of the Browse histogram to narrow the range to them (a click on one
// bar is its own link). Listens on the document, so the histogram htmx loads after the
// page, and pages reached by boosted navigation, need no setup.
;(function () {
  'use strict'
  var drag = null
  var suppressClick = false

  function bucketsOf(svg) {
    return svg.querySelectorAll('.histogram-bucket')
  }

  // The bucket under clientX, clamped to the plot.
  function indexAt(svg, clientX) {
    var box = svg.getBoundingClientRect()
    var count = bucketsOf(svg).length
    var i = Math.floor(((clientX - box.left) / box.width) * count)
    return Math.max(0, Math.min(count - 1, i))
  }

  function mark(svg, a, b) {
    var lo = Math.min(a, b)
    var hi = Math.max(a, b)
    bucketsOf(svg).forEach(function (el, i) {
      el.classList.toggle('is-selected', i >= lo && i <= hi)
    })
  }

  document.addEventListener('pointerdown', function (e) {
    var svg = e.target instanceof Element ? e.target.closest('.histogram-plot') : null
    if (!svg || e.button !== 0) return
    // No native drag of the bar's link, no text selection.
    e.preventDefault()
    var at = indexAt(svg, e.clientX)
    drag = { svg: svg, start: at, end: at }
  })

  document.addEventListener('pointermove', function (e) {
    if (!drag) return
    drag.end = indexAt(drag.svg, e.clientX)
    if (drag.end !== drag.start) mark(drag.svg, drag.start, drag.end)
  })

  document.addEventListener('pointerup', function () {
    if (!drag) return
    var d = drag
    drag = null
    if (d.end === d.start) return // a click: the bar's link does it
    suppressClick = true
    var buckets = bucketsOf(d.svg)
    var first = buckets[Math.min(d.start, d.end)]
    var last = buckets[Math.max(d.start, d.end)]
    // The first bar's link has the filters and the start; only the end changes.
    var url = new URL(first.getAttribute('href'), window.location.href)
    url.searchParams.set('to', last.getAttribute('data-to'))
    window.location.assign(url.toString())
  })

  // The browser took the gesture over (a vertical swipe scrolls the page): no selection.
  document.addEventListener('pointercancel', function () {
    if (!drag) return
    mark(drag.svg, -1, -1)
    drag = null
  })

  document.addEventListener(
    'click',
    function (e) {
      if (!suppressClick) return
      suppressClick = false
      e.preventDefault()
      e.stopPropagation()
    },
    true,
  )
})()
