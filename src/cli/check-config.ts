/**
 * @module
 * `logsift check-config [file]`: validates a config file without starting anything, for
 * use before a reload or in a deploy pipeline. Exit code 0 when it is sound, 1 otherwise.
 */

import { ConfigError } from '../config/config-error.js'
import { configPath, loadPlan } from '../config/load.js'
import type { ValidateClass } from '../config/plan.js'
import { configArgs, reportUsageError, UsageError } from './usage.js'

/** Where `runCheckConfig` writes, and what it checks patterns with. */
export interface CheckConfigOptions {
  stdout?: { write(text: string): unknown }
  stderr?: { write(text: string): unknown }
  env?: NodeJS.ProcessEnv
  /** The native regex check (`compileClass`); without it patterns are not compiled. */
  validateClass?: ValidateClass
}

/**
 * Runs the subcommand. `argv` holds the arguments after `check-config`: an optional file,
 * or `--config <file>`; without either, `LOGSIFT_CONFIG` or `config/logsift.json`.
 *
 * @returns the exit code: 0 sound, 1 invalid, 2 usage error.
 */
export async function runCheckConfig(argv: readonly string[], options: CheckConfigOptions = {}): Promise<number> {
  const { stdout = process.stdout, stderr = process.stderr, env = process.env, validateClass } = options
  let positional: string[]
  try {
    positional = configArgs(argv, 1)
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError('check-config', e, stderr)
    throw e
  }
  const file = positional[0] ?? configPath(argv, env)
  try {
    const { plan } = await loadPlan(file, validateClass ? { validateClass } : {})
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
    stdout.write(`ok: ${count(plan.engines.length, 'engine', 'engines')}, ${count(plan.classes.size, 'class', 'classes')}\n`)
    return 0
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    stderr.write(`${e.format()}\n`)
    return 1
  }
}
