/**
 * logsift theme toggle. Loaded as a file because the CSP forbids inline script.
 * A click switches to the other colour scheme; choosing the one the system already
 * prefers clears the choice, so the page follows the system again. The choice is a
 * cookie so the server renders <html data-theme> and the page never flashes.
 */
;(function () {
  'use strict'
  var root = document.documentElement
  var media = window.matchMedia('(prefers-color-scheme: dark)')
  var secure = location.protocol === 'https:' ? '; Secure' : ''

  function system() {
    return media.matches ? 'dark' : 'light'
  }
  function current() {
    return root.getAttribute('data-theme') || system()
  }
  function label() {
    var next = current() === 'dark' ? 'light' : 'dark'
    document.querySelectorAll('[data-theme-toggle]').forEach(function (button) {
      button.title = 'Switch to ' + next + ' theme'
      button.setAttribute('aria-label', 'Switch to ' + next + ' theme')
    })
  }

  root.classList.add('js')
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element && event.target.closest('[data-theme-toggle]')
    if (!button) return
    var next = current() === 'dark' ? 'light' : 'dark'
    if (next === system()) {
      root.removeAttribute('data-theme')
      document.cookie = 'logsift_theme=; Path=/; Max-Age=0; SameSite=Strict' + secure
    } else {
      root.setAttribute('data-theme', next)
      document.cookie = 'logsift_theme=' + next + '; Path=/; Max-Age=31536000; SameSite=Strict' + secure
    }
    label()
  })
  // hx-boost swaps the page body, toggle button included.
  document.addEventListener('htmx:afterSettle', label)
  media.addEventListener('change', label)
  label()
})()
