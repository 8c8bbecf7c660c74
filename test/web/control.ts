/**
 * @module
 * A console attached to a real running server: a temp config (mikrotik5 class, engine
 * `fw` on a kernel-chosen loopback port), its supervisor, and the reload `serve` uses,
 * for tests of the pages that change configuration.
 */
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { loadPlan } from '../../src/config/load.js'
import { validateClassNatively } from '../../src/engine/validate-class.js'
import { Supervisor } from '../../src/supervisor/supervisor.js'
import type { ConsoleControl } from '../../src/web/control.js'
import { tempConfig } from '../support/serve.js'
import { makeConsole, type TestConsole } from './helpers.js'

/** A console with engines. */
export interface ControlConsole extends TestConsole {
  supervisor: Supervisor
  control: ConsoleControl
  /** The config file the console edits. */
  file: string
  /** The config file parsed now. */
  config(): Record<string, unknown> & { engines: Record<string, unknown>[]; classes: Record<string, Record<string, string>> }
}

/** Starts engines from a temp config (`over` may change it) and a console on them. */
export async function makeControlConsole(over?: (c: Record<string, unknown>) => void): Promise<ControlConsole> {
  const { dir, file } = tempConfig(over)
  const load = async () => (await loadPlan(file, { validateClass: validateClassNatively })).plan
  const plan = await load()
  const supervisor = await Supervisor.start(plan)
  const control: ConsoleControl = { supervisor, configFile: file, reload: async () => supervisor.reload(await load()) }
  const t = await makeConsole({
    control,
    dataDir: plan.dataDir,
  })
  return {
    ...t,
    supervisor,
    control,
    file,
    config: () => JSON.parse(readFileSync(file, 'utf8')),
    async close() {
      await supervisor.stop()
      await t.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
