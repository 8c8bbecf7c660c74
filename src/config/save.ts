/**
 * @module
 * Writes a config file the way the console edits it: validate first (a bad document
 * never reaches the disk), write a temporary file beside it, keep the previous version
 * as `<file>.bak`, then rename over the original, so a reader sees either the old file
 * or the new one and never half of either.
 */

import { randomBytes } from 'node:crypto'
import { copyFile, open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ConfigError } from './config-error.js'
import type { LoadedConfig } from './load.js'
import { planConfig, type Plan, type PlanOptions } from './plan.js'
import { validateConfig } from './validate.js'

/**
 * Validates `doc` and, when it is sound, writes it to `file` as pretty JSON. The
 * document is written as given (defaults are not added), keeping the file short.
 * An existing `file` is first copied to `<file>.bak`, replacing an older backup; the new
 * file keeps the old one's permission bits.
 *
 * @returns the validated config and its plan, ready to apply.
 * @throws {ConfigError} when `doc` is invalid; nothing is written then.
 */
export async function saveConfig(file: string, doc: unknown, options: PlanOptions = {}): Promise<LoadedConfig & { plan: Plan }> {
  const result = validateConfig(doc)
  if (!result.ok) throw new ConfigError(file, result.issues)
  const plan = planConfig(result.config, { file, ...options })

  const previous = await stat(file).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return undefined
    throw new Error(`cannot save ${file}: ${cause.message}`, { cause })
  })
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const handle = await open(temp, 'wx', previous ? previous.mode & 0o7777 : 0o644)
    try {
      // open()'s mode is narrowed by the umask, 077 under the CLI; the old bits are the operator's choice.
      if (previous) await handle.chmod(previous.mode & 0o7777)
      await handle.writeFile(`${JSON.stringify(doc, null, 2)}\n`, 'utf8')
      // Data on disk before the rename, or a crash could leave an empty config behind.
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (previous) await copyFile(file, `${file}.bak`)
    await rename(temp, file)
  } catch (cause) {
    await rm(temp, { force: true })
    throw new Error(`cannot save ${file}: ${(cause as Error).message}`, { cause })
  }
  await syncDirectory(dirname(file))
  return { file, config: result.config, plan }
}

/** Makes the rename itself durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
