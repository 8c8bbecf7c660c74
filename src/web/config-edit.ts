/**
 * @module
 * The one way console pages change the config file (SPEC §5): read the document as
 * written, change a copy, validate and save it atomically (`.bak` kept), then apply it
 * live. If the running server refuses it (a port in use), the previous document is
 * written back, so the file never keeps a change that is not running.
 */
import { HTTPException } from 'hono/http-exception'
import { ConfigError, type ConfigIssue } from '../config/config-error.js'
import { readConfigDocument } from '../config/load.js'
import type { RawClass, RawEngine, RawTcpLimits } from '../config/raw-config.js'
import { saveConfig } from '../config/save.js'
import { validateConfig } from '../config/validate.js'
import { validateClassNatively } from '../engine/validate-class.js'
import type { ReloadSummary } from '../supervisor/supervisor.js'
import type { ConsoleControl } from './control.js'

/**
 * The config document as written: only the keys the console edits are typed, the rest
 * is carried through untouched (defaults are never added).
 */
export interface ConfigDocument {
  [key: string]: unknown
  timezone?: string
  retention_days?: number
  flush_interval_ms?: number
  disk_guard?: { min_free_percent?: number }
  classes: Record<string, RawClass>
  /** `tcp_limits` as written may leave any limit out (the schema's default then). */
  engines: (Partial<Omit<RawEngine, 'tcp_limits'>> & { name: string; class: string; tcp_limits?: Partial<RawTcpLimits> })[]
}

/** An edit that was refused: by validation (nothing written) or by the running server (file restored). */
export class ConfigChangeError extends Error {
  /** One line per problem, `JSON path: message` for validation issues. */
  readonly problems: readonly string[]
  /** JSON paths of the offending values, to put messages next to form fields. */
  readonly paths: readonly string[]

  constructor(problems: readonly string[], paths: readonly string[], options?: ErrorOptions) {
    super(problems.join('\n'), options)
    this.name = 'ConfigChangeError'
    this.problems = problems
    this.paths = paths
  }

  /** The message of the first issue whose path starts with `prefix`, if any. */
  at(prefix: string): string | undefined {
    const i = this.paths.findIndex((p) => p === prefix || p.startsWith(`${prefix}/`))
    return i < 0 ? undefined : this.problems[i]
  }
}

/**
 * Reads the config document the console edits.
 *
 * @throws {HTTPException} 409 naming the problem when the file is not JSON as it stands
 *   (a hand edit added a comment, say): pages built from it cannot show, and no edit may rewrite it.
 */
export async function readDocument(control: ConsoleControl): Promise<ConfigDocument> {
  let doc: ConfigDocument
  try {
    doc = (await readConfigDocument(control.configFile)) as ConfigDocument
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    const message = `${control.configFile} cannot be read as it stands (${describe(e.issues)}). The config file is strict JSON, without comments; fix it by hand, then reload this page.`
    throw new HTTPException(409, { message, cause: e })
  }
  doc.classes ??= {}
  doc.engines ??= []
  return doc
}

/**
 * The document to edit, refused when the file as it stands is not a valid config: a
 * hand edit since the server loaded it (a comment, a key the schema does not know, a
 * typo). Rewriting it would drop or "fix" what the operator wrote, so nothing is saved.
 */
async function readUntouched(control: ConsoleControl): Promise<ConfigDocument> {
  const doc = await readDocument(control)
  const check = validateConfig(doc)
  if (check.ok) return doc
  // "/: " like the other problems: pages show the text after the JSON path.
  const problem = `/: Not saved: ${control.configFile} is not a valid config as it stands (${describe(check.issues)}). A console save rewrites the whole file and would lose that; fix the file by hand, then save again.`
  throw new ConfigChangeError([problem], [''])
}

function describe(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.line === undefined ? i.path || '/' : `line ${i.line}, column ${i.column ?? 1}`}: ${i.message}`).join('; ')
}

// Edits are read-modify-write on one file: two admins saving at once must not lose one
// change, so they run one after another.
let queue: Promise<unknown> = Promise.resolve()

/**
 * Applies `change` to a copy of the config document, saves it and reloads live.
 * `change` may throw a {@link ConfigChangeError} to refuse the edit before anything is written.
 *
 * @throws {ConfigChangeError} when the document is invalid or the server refuses it.
 */
export function changeConfig(control: ConsoleControl, change: (doc: ConfigDocument) => void): Promise<ReloadSummary> {
  const run = queue.then(() => apply(control, change))
  queue = run.catch(() => undefined)
  return run
}

async function apply(control: ConsoleControl, change: (doc: ConfigDocument) => void): Promise<ReloadSummary> {
  const before = await readUntouched(control)
  const doc = structuredClone(before)
  change(doc)
  const options = { validateClass: validateClassNatively }
  try {
    await saveConfig(control.configFile, doc, options)
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new ConfigChangeError(
        e.issues.map((i) => `${i.path || '/'}: ${i.message}`),
        e.issues.map((i) => i.path),
        { cause: e },
      )
    }
    throw e
  }
  try {
    return await control.reload()
  } catch (e) {
    await saveConfig(control.configFile, before, options)
    const message = e instanceof ConfigError ? e.issues.map((i) => i.message).join('; ') : (e as Error).message
    throw new ConfigChangeError([`not applied: ${message}`], [''], { cause: e })
  }
}
