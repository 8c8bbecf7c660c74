/**
 * @module
 * Finds, reads, parses and validates the config file, then derives the plan. A bad file
 * is a {@link ConfigError} listing every problem, so `serve` exits before starting
 * anything.
 */

import { readFile } from 'node:fs/promises'
import { ConfigError } from './config-error.js'
import { parseJson } from './parse-json.js'
import { planConfig, type Plan, type PlanOptions } from './plan.js'
import type { RawConfig } from './raw-config.js'
import { validateConfig } from './validate.js'

/** Used when neither `--config` nor `LOGSIFT_CONFIG` names a file. */
export const DEFAULT_CONFIG_PATH = 'config/logsift.json'

/**
 * The config file to use: `--config <file>` or `--config=<file>` in `argv`, else the
 * `LOGSIFT_CONFIG` environment variable, else {@link DEFAULT_CONFIG_PATH}.
 */
export function configPath(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--config' && argv[i + 1] !== undefined) return argv[i + 1]!
    if (arg.startsWith('--config=')) return arg.slice('--config='.length)
  }
  return env.LOGSIFT_CONFIG || DEFAULT_CONFIG_PATH
}

/** A config file read and validated, with the schema's defaults filled in. */
export interface LoadedConfig {
  file: string
  config: RawConfig
}

/**
 * Reads and parses `file` without validating it: the document as written, for an
 * editor that must not write the schema's defaults back.
 *
 * @throws {ConfigError} when the file cannot be read or is not JSON (with line and column).
 */
export async function readConfigDocument(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((cause as Error).message)
    throw new ConfigError(file, [{ path: '', message: `cannot read the config file: ${why}` }], { cause })
  }
  return parseJson(text, file)
}

/**
 * Reads, parses and validates `file` (schema, then the semantic checks).
 *
 * @throws {ConfigError} listing every issue.
 */
export async function loadConfig(file: string = DEFAULT_CONFIG_PATH): Promise<LoadedConfig> {
  const result = validateConfig(await readConfigDocument(file))
  if (!result.ok) throw new ConfigError(file, result.issues)
  return { file, config: result.config }
}

/**
 * {@link loadConfig} followed by {@link planConfig}: what `serve` and `check-config` run.
 *
 * @example
 * const { plan } = await loadPlan(configPath(process.argv.slice(2)), { validateClass: native.compileClass })
 */
export async function loadPlan(file: string = DEFAULT_CONFIG_PATH, options: PlanOptions = {}): Promise<LoadedConfig & { plan: Plan }> {
  const loaded = await loadConfig(file)
  return { ...loaded, plan: planConfig(loaded.config, { file, ...options }) }
}
