/**
 * @module
 * The audit log page (admin only, SPEC §6), newest first, 50 rows a page.
 */
import { Hono } from 'hono'
import { AuditLogPage } from '../../../views/pages/audit-log-page.js'
import { requireRole } from '../middleware/auth/index.js'

const PAGE_ROWS = 50

/** `/audit?before=<id>`; mount at `/audit`. */
export function auditLogRoutes(): Hono {
  const app = new Hono()
  app.use('*', requireRole('admin'))

  app.get('/', async (c) => {
    const before = c.req.query('before')
    const beforeId = before && /^\d{1,15}$/.test(before) ? Number(before) : undefined
    // One row more than shown tells whether an older page exists.
    const rows = await c.var.systemStore.listAudit({ beforeId, limit: PAGE_ROWS + 1 })
    const entries = rows.slice(0, PAGE_ROWS)
    return c.render(
      <AuditLogPage
        entries={entries}
        timeZone={c.var.timeZone}
        olderHref={rows.length > PAGE_ROWS ? `/audit?before=${entries[entries.length - 1].id}` : undefined}
        newestHref={beforeId !== undefined ? '/audit' : undefined}
      />,
      { title: 'Audit log', active: 'audit' },
    )
  })

  return app
}
