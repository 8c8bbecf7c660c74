/**
 * @module
 * logsift's version, read once from package.json.
 */
import { readFileSync } from 'node:fs'

let cached: string | undefined

/** The `version` of logsift's package.json. */
export function packageVersion(): string {
  // Both src/cli (tsx) and dist/src/cli (built) reach package.json by walking up.
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'logsift' && pkg.version) return (cached ??= pkg.version)
    } catch {
      // not at this level
    }
  }
  return 'unknown'
}
