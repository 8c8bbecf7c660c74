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
      <div class="field">
        <label for="q-from">From</label>
        <input type="datetime-local" step="1" name="from" id="q-from" value={range.fromText} aria-describedby="q-zone" />
      </div>
      <div class="field">
        <label for="q-to">To</label>
        <input type="datetime-local" step="1" name="to" id="q-to" value={range.toText} aria-describedby="q-zone" />
      </div>
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
      Times are in {note}. From and To apply when the range is Custom; the page address keeps the whole view, so bookmark or share it.
    </p>
  )
}
