/**
 * @module
 * The HTML document around every page: head, stylesheet and the scripts logsift
 * serves itself. No inline script anywhere: the CSP forbids it.
 */
import type { Child } from 'hono/jsx'

/** Colour scheme chosen with the toggle; absent means "follow the system". */
export type Theme = 'light' | 'dark'

/** Props of {@link Document}. */
export interface DocumentProps {
  title: string
  theme?: Theme
  children?: Child
}

// htmx settings: no inline <style> (blocked by CSP; the stylesheet has the indicator
// rules), no eval or script tags from responses, error responses are swapped in so form
// errors and 403/404 pages show, and no page snapshots in localStorage (they would keep
// log data and tokens after logout): history misses reload the page instead.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  historyRestoreAsHxRequest: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[2345]..', swap: true },
  ],
})

/** `<!DOCTYPE html>` is added by the renderer; this is `<html>` down. */
export function Document({ title, theme, children }: DocumentProps) {
  return (
    <html lang="en" data-theme={theme}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · logsift`}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/uPlot.min.css" />
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/theme.js" defer></script>
        {/* Loaded on every page: boosted navigation swaps the body but never runs new scripts. */}
        <script src="/static/uPlot.iife.min.js" defer></script>
        <script src="/static/live.js" defer></script>
        <script src="/static/histogram.js" defer></script>
        <script src="/static/sql-editor.js" defer></script>
      </head>
      {children}
    </html>
  )
}
