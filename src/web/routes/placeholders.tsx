/**
 * @module
 * "Coming soon" pages for the areas later issues build. Each keeps its menu entry and its
 * role check; an issue that builds an area mounts its own routes in `createApp` and drops
 * the key from {@link PLACEHOLDER_AREAS}.
 */
import { Hono } from 'hono'
import { ComingSoonPage } from '../../../views/pages/coming-soon-page.js'
import { area, type AreaKey } from '../../../views/components/nav.js'
import { requireRole } from '../middleware/auth/index.js'

/** Areas not built yet. */
export const PLACEHOLDER_AREAS: readonly AreaKey[] = [
  'dashboard',
  'tail',
  'browse',
  'sql',
  'engines',
  'senders',
  'classes',
  'settings',
]

/** One GET route per placeholder area, guarded by the area's role; mount at `/`. */
export function placeholderRoutes(): Hono {
  const app = new Hono()
  for (const key of PLACEHOLDER_AREAS) {
    const a = area(key)
    app.get(a.href, requireRole(a.role), (c) =>
      c.render(<ComingSoonPage title={a.label} summary={a.summary} />, { title: a.label, active: a.key }),
    )
  }
  return app
}
