/**
 * @module
 * Settings (SPEC §6): time zone, default retention, disk guard and flush interval. Each
 * is written to the config file and applied without a restart. Viewers see the values.
 */
import { Alert } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { Field } from '../components/field.js'
import { PageHeader } from '../components/page-header.js'

/** The form's values (as typed) and errors. */
export interface SettingsForm {
  timezone: string
  retentionDays: string
  minFreePercent: string
  flushIntervalMs: string
  errors?: Partial<Record<'timezone' | 'retention_days' | 'min_free_percent' | 'flush_interval_ms' | 'form', string>>
}

/** Props of {@link SettingsPage}. */
export interface SettingsPageProps {
  form: SettingsForm
  /** IANA names offered, plus `local`. */
  zones: string[]
  /** The zone `local` resolves to on this host. */
  localZone: string
  csrfToken: string
  canEdit: boolean
}

/** One form for the server-wide settings. */
export function SettingsPage({ form, zones, localZone, csrfToken, canEdit }: SettingsPageProps) {
  const e = form.errors ?? {}
  return (
    <>
      <PageHeader title="Settings" description="Server-wide settings. Saving applies them at once; engines store every queued row before their writers switch." />
      <section class="card" aria-labelledby="settings-title">
        <h2 id="settings-title" class="visually-hidden">Settings</h2>
        {e.form && <Alert kind="error">{e.form}</Alert>}
        <form method="post" action="/settings" class="form form-grid">
          <CsrfField token={csrfToken} />
          <fieldset disabled={!canEdit} class="form-grid fieldset-plain">
            <div class="field">
              <label for="settings-timezone">Time zone</label>
              <select id="settings-timezone" name="timezone" aria-describedby="settings-timezone-hint">
                {zones.map((z) => (
                  <option value={z} selected={z === form.timezone}>
                    {z === 'local' ? `local (${localZone})` : z}
                  </option>
                ))}
              </select>
              <p class="field-hint" id="settings-timezone-hint">Decides which day file a row lands in, and how times are shown.</p>
              {e.timezone && <p class="field-error">{e.timezone}</p>}
            </div>
            <Field name="retention_days" label="Default retention (days)" type="number" idPrefix="settings" value={form.retentionDays}
              hint="Day files older than this are deleted; engines may override it." error={e.retention_days} />
            <Field name="min_free_percent" label="Disk guard: minimum free space (%)" type="number" idPrefix="settings" value={form.minFreePercent}
              hint="Below this, engines stop storing and count dropped_disk_full." error={e.min_free_percent} />
            <Field name="flush_interval_ms" label="Flush interval (ms)" type="number" idPrefix="settings" value={form.flushIntervalMs}
              hint="Longest time between commits: a row is visible to queries within this." error={e.flush_interval_ms} />
          </fieldset>
          {canEdit && (
            <div class="form-actions">
              <button type="submit" class="button button-primary">Save and apply</button>
            </div>
          )}
        </form>
      </section>
    </>
  )
}
