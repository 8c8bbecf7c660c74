/**
 * @module
 * The config layer's regex check, done by the engine itself so a config is refused for
 * exactly the patterns ingestion could not run.
 */
import type { ClassIssue, FieldPlan } from '../config/plan.js'
import { checkClass } from './extract.js'

/** `ValidateClass` for `loadPlan`/`saveConfig`: the first problem of the class, if any. */
export function validateClassNatively(name: string, fields: readonly FieldPlan[]): ClassIssue[] {
  const problem = checkClass({ name, fields: [...fields] })
  if (problem === null) return []
  return [{ field: problem.field, message: problem.message, ...(problem.position === undefined ? {} : { position: problem.position }) }]
}
