#!/usr/bin/env node
/**
 * @module
 * The `logsift` command: dispatches to one subcommand per file in this folder. Every
 * subcommand answers `--help`/`-h` with its usage (exit 0) before anything is loaded; no
 * command, an unknown one or a wrong option is a usage error (exit 2).
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
// DuckDB's own jemalloc (its symbols and this variable carry the `duckdb_je_` prefix, so
// MALLOC_CONF does not reach it) kept pages DuckDB had freed: with its decay settings the
// freed pages go to MADV_FREE, which still counts as resident until the kernel needs
// memory, and a 20 s burst at 200k msg/s peaked at 1.1 GB RSS of which DuckDB held
// under 600 MB. Returning them at once kept the same run near 380 MB (bench/README.md,
// "Where the memory went"). Read once, when libduckdb is loaded by the first subcommand
// that opens a database (all of them are imported below, after this line runs).
process.env.DUCKDB_JE_MALLOC_CONF ??= 'dirty_decay_ms:0,muzzy_decay_ms:0'

import { ConfigError } from '../config/config-error.js'
import { asksForHelp, COMMAND_USAGE, MAIN_USAGE, reportUsageError, UsageError, type CommandName } from './usage.js'

function isCommand(word: string): word is CommandName {
  return Object.hasOwn(COMMAND_USAGE, word)
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined) {
    process.stderr.write(MAIN_USAGE)
    return 2
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(MAIN_USAGE)
    return 0
  }
  if (command === '--version') return runCommand('version', [])
  if (!isCommand(command)) {
    process.stderr.write(`logsift: unknown ${command.startsWith('-') ? 'option' : 'command'} '${command}'\n\n${MAIN_USAGE}`)
    return 2
  }
  // Before anything is loaded or read: --help never starts a server or needs a config file.
  if (asksForHelp(rest)) {
    process.stdout.write(COMMAND_USAGE[command])
    return 0
  }
  return runCommand(command, rest)
}

async function runCommand(command: CommandName, rest: string[]): Promise<number> {
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
      const systemDbPath = async () => (await loadPlan(configPath(rest))).plan.systemDbPath
      const args = rest.filter((a, i) => a !== '--config' && rest[i - 1] !== '--config' && !a.startsWith('--config='))
      return runUserCommand(args, { systemDbPath })
    }
    case 'version':
      if (rest.length > 0) return reportUsageError('version', new UsageError(`unexpected argument ${rest[0]}`), process.stderr)
      process.stdout.write(`logsift ${(await import('./version.js')).packageVersion()}\n`)
      return 0
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
