/**
 * @module
 * The console's own assets (SPEC §6: no CDN): stylesheet, theme and live-update scripts,
 * icon, htmx from `node_modules/htmx.org` and the uPlot chart library from
 * `node_modules/uplot`. Read once at start; answered with an ETag so browsers revalidate
 * cheaply and never run a stale script after an upgrade.
 */
import { Hono } from 'hono'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

interface Asset {
  body: Buffer
  type: string
  etag: string
}

/**
 * `views/static/` of the package. This file runs from `src/web/routes/` under tsx and
 * from `dist/src/web/routes/` once built, and tsc does not copy CSS into `dist/`, so the
 * directory is looked for in both places.
 */
function staticDir(): string {
  for (const up of ['../../../', '../../../../']) {
    const dir = fileURLToPath(new URL(`${up}views/static/`, import.meta.url))
    if (existsSync(`${dir}app.css`)) return dir
  }
  throw new Error('views/static/app.css not found beside the logsift package')
}

function load(path: string, type: string): Asset {
  const body = readFileSync(path)
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

/** `GET /static/<name>` for the known assets, 404 for anything else; mount at `/static`. */
export function staticRoutes(): Hono {
  const dir = staticDir()
  const require = createRequire(import.meta.url)
  const assets = new Map<string, Asset>([
    ['app.css', load(`${dir}app.css`, 'text/css; charset=utf-8')],
    ['theme.js', load(`${dir}theme.js`, 'text/javascript; charset=utf-8')],
    ['favicon.svg', load(`${dir}favicon.svg`, 'image/svg+xml')],
    ['htmx.min.js', load(require.resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8')],
    ['live.js', load(`${dir}live.js`, 'text/javascript; charset=utf-8')],
    ['histogram.js', load(`${dir}histogram.js`, 'text/javascript; charset=utf-8')],
    ['sql-editor.js', load(`${dir}sql-editor.js`, 'text/javascript; charset=utf-8')],
    ['uPlot.iife.min.js', load(require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8')],
    ['uPlot.min.css', load(require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8')],
  ])
  const app = new Hono()
  app.get('/:name', (c) => {
    const asset = assets.get(c.req.param('name'))
    if (!asset) return c.text('Not found', 404)
    c.header('ETag', asset.etag)
    c.header('Cache-Control', 'no-cache')
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304)
    c.header('Content-Type', asset.type)
    return c.body(new Uint8Array(asset.body))
  })
  return app
}
