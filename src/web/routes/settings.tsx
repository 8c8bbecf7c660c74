/**
 * @module
 * Settings (`/settings`; admins change, viewers read): time zone, default retention,
 * disk guard, flush interval. Written through `changeConfig` and applied live: the
 * supervisor restarts every writer when the zone or flush interval change, storing each
 * queued row first, so no row is lost.
 */
import { Hono, type Context } from 'hono'
import { resolveTimeZone } from '../../config/time-zone.js'
import { SettingsPage, type SettingsForm } from '../../../views/pages/settings-page.js'
import { audit } from '../audit.js'
import { changeConfig, ConfigChangeError, readDocument, type ConfigDocument } from '../config-edit.js'
import { canEdit, requireControl } from '../control-access.js'
import type { ConsoleControl } from '../control.js'
import { readForm } from '../form.js'
import { requireRole } from '../middleware/auth/index.js'
import { setFlash } from '../middleware/flash/index.js'

/** `local` first, then UTC and every IANA zone this Node knows. */
export function timeZones(): string[] {
  return ['local', ...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])]
}

/**
 * The zones offered with `chosen` selected. ICU lists one name per zone (`Asia/Calcutta`),
 * so a config spelling it another valid way (`Asia/Kolkata`) is offered first as it is:
 * with nothing selected the browser would send `local` and saving would move the zone.
 */
function zoneOptions(zones: string[], chosen: string): string[] {
  return zones.includes(chosen) || resolveTimeZone(chosen) === undefined ? zones : [chosen, ...zones]
}

function formOf(doc: ConfigDocument): SettingsForm {
  return {
    timezone: doc.timezone ?? 'local',
    retentionDays: String(doc.retention_days ?? 180),
    minFreePercent: String(doc.disk_guard?.min_free_percent ?? 5),
    flushIntervalMs: String(doc.flush_interval_ms ?? 1000),
  }
}

const KEYS = { timezone: '/timezone', retention_days: '/retention_days', min_free_percent: '/disk_guard/min_free_percent', flush_interval_ms: '/flush_interval_ms' } as const

/** `/settings`; mount at `/settings`. */
export function settingsRoutes(control: ConsoleControl | undefined): Hono {
  const app = new Hono()
  const zones = timeZones()
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone

  const page = (c: Context, form: SettingsForm) =>
    c.render(<SettingsPage form={form} zones={zoneOptions(zones, form.timezone)} localZone={localZone} csrfToken={c.var.csrfToken} canEdit={canEdit(c)} />, {
      title: 'Settings',
      active: 'settings',
    })

  app.get('/', async (c) => page(c, formOf(await readDocument(requireControl(control)))))

  app.post('/', requireRole('admin'), async (c) => {
    const ctl = requireControl(control)
    const field = await readForm(c)
    const form: SettingsForm = {
      timezone: field('timezone'),
      retentionDays: field('retention_days').trim(),
      minFreePercent: field('min_free_percent').trim(),
      flushIntervalMs: field('flush_interval_ms').trim(),
      errors: {},
    }
    const errors = form.errors!
    // Another spelling of a listed zone is what the form offers for an aliased config.
    if (!zones.includes(form.timezone) && resolveTimeZone(form.timezone) === undefined) errors.timezone = 'Pick a time zone from the list.'
    const int = (text: string, key: 'retention_days' | 'flush_interval_ms') => {
      if (!/^\d{1,9}$/.test(text)) errors[key] = 'Enter a whole number.'
      return Number(text)
    }
    const retention = int(form.retentionDays, 'retention_days')
    const flush = int(form.flushIntervalMs, 'flush_interval_ms')
    const free = Number(form.minFreePercent)
    if (form.minFreePercent === '' || !Number.isFinite(free)) errors.min_free_percent = 'Enter a number.'
    if (Object.keys(errors).length === 0) {
      let before = formOf({ classes: {}, engines: [] })
      try {
        await changeConfig(ctl, (doc) => {
          before = formOf(doc)
          doc.timezone = form.timezone
          doc.retention_days = retention
          doc.flush_interval_ms = flush
          doc.disk_guard = { ...doc.disk_guard, min_free_percent: free }
        })
        const changed = (Object.keys(before) as (keyof SettingsForm)[])
          .filter((k) => k !== 'errors' && before[k] !== form[k])
          .map((k) => `${k} ${String(before[k])} → ${String(form[k])}`)
        await audit(c, 'settings.updated', null, changed.join(', ') || 'no change')
        setFlash(c, { kind: 'success', text: 'Settings saved and applied.' })
        return c.redirect('/settings', 303)
      } catch (err) {
        if (!(err instanceof ConfigChangeError)) throw err
        for (const [key, path] of Object.entries(KEYS)) {
          const m = err.at(path)
          if (m) errors[key as keyof typeof KEYS] = m.replace(/^[^:]*: /, '')
        }
        if (Object.keys(errors).length === 0) errors.form = err.problems.join(' ')
      }
    }
    c.status(422)
    return page(c, form)
  })
  return app
}
