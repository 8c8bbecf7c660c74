/**
 * @module
 * The command line's words: the usage text of `logsift` and of each subcommand, and the
 * checks every subcommand shares — `--help`/`-h` prints the usage (exit 0), a wrong word
 * is a {@link UsageError} (exit 2). Kept apart from the subcommands so `--help` answers
 * without loading the engine or DuckDB, and before any config file is read.
 */

const CONFIG_NOTE = 'The config file is --config FILE, else $LOGSIFT_CONFIG, else config/logsift.json.\n'

/** `logsift` without a command, `logsift --help`. */
export const MAIN_USAGE = `usage: logsift <command> [options]

  serve [--config FILE]          run the engines and the console
  check-config [FILE]            validate a config file and exit
  user add NAME --admin|--viewer add a console user (password from a prompt or --password-stdin)
  user passwd NAME               set a user's password
  user list                      list console users
  version                        print the version

Every command takes --help.
${CONFIG_NOTE}`

/** Usage of each subcommand, by name. */
export const COMMAND_USAGE = {
  serve: `usage: logsift serve [--config FILE]

Runs every engine of the config and the console, until SIGTERM or SIGINT (a clean stop:
every queued row stored). SIGHUP re-reads the config and applies the difference live.

${CONFIG_NOTE}`,
  'check-config': `usage: logsift check-config [FILE | --config FILE]

Validates a config file without starting anything. Exit code 0 when it is sound,
1 when it is not (the problems on standard error), 2 on a usage error.

${CONFIG_NOTE}`,
  user: `usage:
  logsift user add NAME --admin|--viewer [--display-name TEXT] [--password-stdin] [--config FILE]
  logsift user passwd NAME [--password-stdin] [--config FILE]
  logsift user list [--config FILE]

The password is read from standard input: typed twice without echo on a terminal,
or the first line of a pipe (--password-stdin says so explicitly). Users live in the
system database of the config (system_db); stop \`logsift serve\` first, or use the console.

${CONFIG_NOTE}`,
  version: `usage: logsift version

Prints logsift's version.
`,
} as const

/** A subcommand's name. */
export type CommandName = keyof typeof COMMAND_USAGE

/** A wrong command line: shown with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** Writes `logsift <command>: <problem>` and the command's usage to `stderr`; returns the exit code, 2. */
export function reportUsageError(command: CommandName, error: UsageError, stderr: { write(text: string): unknown }): number {
  stderr.write(`logsift ${command}: ${error.message}\n\n${COMMAND_USAGE[command]}`)
  return 2
}

/** True when `argv` asks for the usage. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

/**
 * Checks the words of a command that takes `--config FILE` (or `--config=FILE`) and at
 * most `maxPositional` other words, none starting with `-`.
 *
 * @returns the positional words.
 * @throws {UsageError} on any other option, a `--config` without a file, or too many words.
 */
export function configArgs(argv: readonly string[], maxPositional: number): string[] {
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--config') {
      if (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) throw new UsageError('--config needs a file')
      i++
    } else if (arg.startsWith('--config=')) {
      if (arg === '--config=') throw new UsageError('--config needs a file')
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`)
    } else {
      positional.push(arg)
    }
  }
  if (positional.length > maxPositional) throw new UsageError(`unexpected argument ${positional[maxPositional]}`)
  return positional
}
