/**
 * @module
 * "Coming soon" pages for the areas later issues build. Each keeps its menu entry and its
 * role check; an issue that builds an area mounts its own routes in `createApp` and drops
 * the key from {@link PLACEHOLDER_AREAS}.
 */
import { Hono } from 'hono'
import { ComingSoonPage } from '../../../views/pages/coming-soon-page.js'
import { area, type AreaKey } from '../../../views/components/nav.js'
import type { EngineDir } from '../../system/data-size-tracker.js'
import { requireRole } from '../middleware/auth/index.js'

/** Areas not built yet. */
export const PLACEHOLDER_AREAS: readonly AreaKey[] = []

// Areas about engines list the configured ones meanwhile, so a fresh install shows what runs.
const LISTS_ENGINES: readonly AreaKey[] = ['dashboard', 'engines']

/**
 * One GET route per placeholder area, guarded by the area's role; mount at `/`.
 * @param engines the configured engines, asked on each request.
 */
export function placeholderRoutes(engines: () => EngineDir[]): Hono {
  const app = new Hono()
  for (const key of PLACEHOLDER_AREAS) {
    const a = area(key)
    app.get(a.href, requireRole(a.role), (c) =>
      c.render(
        <ComingSoonPage title={a.label} summary={a.summary} engines={LISTS_ENGINES.includes(key) ? engines() : undefined} />,
        { title: a.label, active: a.key },
      ),
    )
  }
  return app
}
