/**
 * @module
 * Engine and time-range inputs shared by Browse and SQL: a GET form's fields, so the
 * chosen view lives in the URL.
 */
import { RANGE_PRESETS, type ChosenRange } from '../../src/web/time-range.js'
import { zoneLabel, zoneNote } from './format.js'
import { EngineSelect } from './engine-select.js'

/** Props of {@link RangeFields}. */
export interface RangeFieldsProps {
  engines: string[]
  engine?: string
  range: ChosenRange
}

/**
 * A bound of a custom range: 24-hour wall time in the configured zone as text, since a
 * `datetime-local` input follows the browser's locale (AM/PM in en-US) and zone-less
 * clock. Shown only while the range is Custom (app.css, `.range-custom`).
 */
function WallTimeField({ name, label, text, error }: { name: 'from' | 'to'; label: string; text: string; error: string | undefined }) {
  const id = `q-${name}`
  return (
    <div class="field range-custom">
      <label for={id}>{label}</label>
      <input
        type="text"
        class="mono"
        name={name}
        id={id}
        value={text.replace('T', ' ')}
        placeholder="2025-01-02 14:30:00"
        autocomplete="off"
        spellcheck={false}
        aria-describedby={error ? `${id}-error q-zone` : 'q-zone'}
        aria-invalid={error ? 'true' : undefined}
      />
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error} Showing the last hour.
        </p>
      )}
    </div>
  )
}

/** Engine select, range preset, and the custom from–to pair. */
export function RangeFields({ engines, engine, range }: RangeFieldsProps) {
  return (
    <>
      <EngineSelect engines={engines} engine={engine} id="q-engine" />
      <div class="field">
        <label for="q-range">Time range</label>
        <select name="range" id="q-range">
          {RANGE_PRESETS.map((p) => (
            <option value={p.key} selected={p.key === range.key}>
              {p.label}
            </option>
          ))}
          <option value="custom" selected={range.key === 'custom'}>
            Custom
          </option>
        </select>
      </div>
      <WallTimeField name="from" label="From" text={range.fromText} error={range.invalid === 'from' ? range.error : undefined} />
      <WallTimeField name="to" label="To" text={range.toText} error={range.invalid === 'to' ? range.error : undefined} />
    </>
  )
}

/** Props of {@link RangeHint}. */
export interface RangeHintProps {
  timeZone: string
  range: ChosenRange
}

/** The line under the range fields saying which zone they are in, with its offset over the range (both, across a DST change). */
export function RangeHint({ timeZone, range }: RangeHintProps) {
  const first = zoneLabel(range.from, timeZone)
  const last = zoneLabel(range.to - 1, timeZone)
  const note = first === last ? zoneNote(range.from, timeZone) : `${timeZone} (${first} → ${last})`
  return (
    <p class="field-hint range-hint" id="q-zone">
      Times are in {note}. The page address keeps the whole view, so bookmark or share it.
    </p>
  )
}
