#!/usr/bin/env node
/**
 * @module
 * The `logsift` command: dispatches to one subcommand per file in this folder.
 */

// nextBatch() waits for rows on libuv worker threads, and DuckDB's async calls use the
// same pool; Node's default of 4 would let a few engines starve DuckDB. Must be set
// before the pool starts, hence first thing.
process.env.UV_THREADPOOL_SIZE ??= '16'
// Everything logsift creates is for its own user only: the system db holds password
// hashes and sessions, the day files hold the logs. DuckDB creates files 0666 less the
// umask, so a shell's usual 022 made them world-readable (issue 16.8). systemd's
// UMask=0027 is narrowed too; the unit's group gets nothing it needs.
process.umask(0o077)

import { ConfigError } from '../config/config-error.js'

const usage = `usage: logsift <command>

  serve [--config FILE]          run the engines and the console
  check-config [FILE]            validate a config file and exit
  user add NAME --admin|--viewer add a console user (password from a prompt or --password-stdin)
  user passwd NAME               set a user's password
  user list                      list console users
  version                        print the version

The config file is --config FILE, else $LOGSIFT_CONFIG, else config/logsift.json.
`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': {
      const code = await (await import('./serve.js')).runServe(rest)
      // Past a clean stop nothing is left to finish; past the stop deadline something
      // hangs, and a service manager is waiting for the exit.
      process.exit(code)
    }
    case 'check-config': {
      const { runCheckConfig } = await import('./check-config.js')
      const { validateClassNatively } = await import('../engine/validate-class.js')
      return runCheckConfig(rest, { validateClass: validateClassNatively })
    }
    case 'user': {
      const { runUserCommand } = await import('./user.js')
      const { configPath, loadPlan } = await import('../config/load.js')
      const { plan } = await loadPlan(configPath(rest))
      const args = rest.filter((a, i) => a !== '--config' && rest[i - 1] !== '--config' && !a.startsWith('--config='))
      return runUserCommand(args, { systemDbPath: plan.systemDbPath })
    }
    case 'version':
    case '--version':
      process.stdout.write(`logsift ${(await import('./version.js')).packageVersion()}\n`)
      return 0
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`logsift: unknown command '${command}'\n\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    const text = e instanceof ConfigError ? e.format() : e instanceof Error ? e.message : String(e)
    process.stderr.write(`logsift: ${text}\n`)
    process.exitCode = 1
  },
)
