/**
 * @module
 * The System page (SPEC §6): host load, data size per engine, uptime and versions. htmx
 * polls the same URL for the live block alone.
 */
import { Hono } from 'hono'
import { SystemPage, type Versions } from '../../../views/pages/system-page.js'
import { SystemStats } from '../../../views/partials/system-stats.js'
import type { DataSizeTracker } from '../../system/data-size-tracker.js'
import { HostStatsSampler } from '../../system/host-stats.js'

/** What {@link systemRoutes} needs. */
export interface SystemRoutesOptions {
  /** Log data directory; its file system is the "Disk" card. */
  dataDir: string
  dataSizes: DataSizeTracker
  versions: Versions
}

const REFRESH_S = 10

/** `/system`; mount at `/system`. Any signed-in user may look. */
export function systemRoutes({ dataDir, dataSizes, versions }: SystemRoutesOptions): Hono {
  const app = new Hono()
  const sampler = new HostStatsSampler(dataDir)

  app.get('/', async (c) => {
    const props = { stats: await sampler.sample(), dataSizes: dataSizes.sizes(), refreshS: REFRESH_S, timeZone: c.var.timeZone }
    if (c.var.htmx) return c.html(<SystemStats {...props} />)
    return c.render(<SystemPage versions={versions} {...props} />, { title: 'System', active: 'system' })
  })

  return app
}
