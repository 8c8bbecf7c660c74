/**
 * @module
 * The engine picker of the data and tail pages: a labelled select that submits `engine`.
 */

/** Props of {@link EngineSelect}. */
export interface EngineSelectProps {
  engines: string[]
  /** The engine shown now. */
  engine?: string
  /** The select's element id (its label points at it). */
  id: string
}

/** A labelled select of the engines, the current one chosen. */
export function EngineSelect({ engines, engine, id }: EngineSelectProps) {
  return (
    <div class="field">
      <label for={id}>Engine</label>
      <select name="engine" id={id}>
        {engines.map((e) => (
          <option value={e} selected={e === engine}>
            {e}
          </option>
        ))}
      </select>
    </div>
  )
}
