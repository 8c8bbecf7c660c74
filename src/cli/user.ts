/**
 * @module
 * `logsift user add|passwd|list` (SPEC §8): manage console users from a shell, e.g. to
 * create the first admin without the setup page or to recover a lost admin password.
 * Passwords come from stdin (prompted without echo on a terminal), never from argv,
 * where `ps` and shell history would show them.
 */
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { passwordProblem } from '../system/passwords.js'
import { SystemStore, type Role } from '../system/system-store.js'
import { displayNameProblem, userNameProblem } from '../system/validate.js'
import { reportUsageError, UsageError } from './usage.js'

/** Where the command finds the store, and its I/O (tests replace the process streams). */
export interface UserCommandOptions {
  /**
   * Path of the system store, as `serve` computes it (`system_db`, or beside `data_dir`);
   * a function is called only once the arguments are known to be right, so a usage
   * error is reported before the config file is read.
   */
  systemDbPath: string | (() => Promise<string>)
  stdin?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }
  stdout?: Writable
  stderr?: Writable
}

interface Parsed {
  positional: string[]
  flags: Set<string>
  displayName?: string
}

function parse(args: string[]): Parsed {
  const parsed: Parsed = { positional: [], flags: new Set() }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--display-name') {
      if (i + 1 >= args.length) throw new UsageError('--display-name needs a value')
      parsed.displayName = args[++i]
    } else if (arg.startsWith('--display-name=')) {
      parsed.displayName = arg.slice('--display-name='.length)
    } else if (['--admin', '--viewer', '--password-stdin'].includes(arg)) {
      parsed.flags.add(arg)
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`)
    } else {
      parsed.positional.push(arg)
    }
  }
  return parsed
}

async function readFirstLine(stdin: Readable): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8')
    if (text.includes('\n')) break
  }
  return text.split(/\r?\n/)[0]
}

async function promptHidden(prompt: string, options: Required<UserCommandOptions>): Promise<string> {
  const { stdin, stderr } = options
  // Prompts go to stderr so stdout stays clean for scripts.
  stderr.write(prompt)
  stdin.setRawMode!(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode!(false)
      stdin.pause()
      stderr.write('\n')
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          return resolve(value)
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish()
          return reject(new Error('cancelled'))
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch
      }
    }
    stdin.on('data', onData)
  })
}

async function readNewPassword(parsed: Parsed, options: Required<UserCommandOptions>): Promise<string> {
  const interactive = options.stdin.isTTY === true && !parsed.flags.has('--password-stdin') && options.stdin.setRawMode
  let password: string
  if (interactive) {
    password = await promptHidden('New password: ', options)
    if ((await promptHidden('Repeat password: ', options)) !== password) throw new Error('the two passwords differ')
  } else {
    password = await readFirstLine(options.stdin)
  }
  const problem = passwordProblem(password)
  if (problem) throw new Error(problem)
  return password
}

function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n'
}

async function openStore(where: UserCommandOptions['systemDbPath']): Promise<SystemStore> {
  const path = typeof where === 'string' ? where : await where()
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  try {
    return await SystemStore.create(path)
  } catch (err) {
    if (/lock/i.test((err as Error).message)) {
      throw new Error(
        `the system store ${path} is in use, probably by a running \`logsift serve\`: stop it, or manage users in the console`,
        { cause: err },
      )
    }
    throw err
  }
}

async function run(parsed: Parsed, options: Required<UserCommandOptions>): Promise<number> {
  const [command, name, ...extra] = parsed.positional
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`)
  if (command === 'list') {
    if (name) throw new UsageError(`unexpected argument ${name}`)
    const store = await openStore(options.systemDbPath)
    try {
      const users = await store.listUsers()
      if (users.length === 0) {
        options.stdout.write('No users yet. Create the first admin with: logsift user add NAME --admin\n')
        return 0
      }
      const rows = users.map((u) => [u.name, u.role, u.displayName, formatUtc(u.createdAtMs)])
      options.stdout.write(table([['NAME', 'ROLE', 'DISPLAY NAME', 'CREATED'], ...rows]))
      return 0
    } finally {
      store.closeSync()
    }
  }
  if (command !== 'add' && command !== 'passwd') throw new UsageError(command ? `unknown command ${command}` : 'missing command')
  if (!name) throw new UsageError('missing user NAME')
  const nameError = userNameProblem(name)
  if (nameError) throw new UsageError(`bad user name ${name}: ${nameError}`)

  if (command === 'add') {
    const admin = parsed.flags.has('--admin')
    if (admin === parsed.flags.has('--viewer')) throw new UsageError('give exactly one of --admin and --viewer')
    const role: Role = admin ? 'admin' : 'viewer'
    const displayName = parsed.displayName?.trim() || name
    const displayError = displayNameProblem(displayName)
    if (displayError) throw new UsageError(`bad display name: ${displayError}`)
    const password = await readNewPassword(parsed, options)
    const store = await openStore(options.systemDbPath)
    try {
      await store.createUser({ name, displayName, role, password })
      await store.appendAudit({ userName: null, action: 'user.created', target: name, details: `role ${role}`, address: null })
    } finally {
      store.closeSync()
    }
    options.stdout.write(`User ${name} created (${role}).\n`)
    return 0
  }

  const store = await openStore(options.systemDbPath)
  try {
    const user = await store.findUserByName(name)
    if (!user) throw new Error(`no user named ${name}`)
    const password = await readNewPassword(parsed, options)
    await store.setPassword(user.id, password)
    await store.appendAudit({ userName: null, action: 'user.password_reset', target: name, details: 'sessions signed out', address: null })
  } finally {
    store.closeSync()
  }
  options.stdout.write(`Password of ${name} changed; their console sessions were signed out.\n`)
  return 0
}

/**
 * Runs `logsift user …` with `argv` the words after `user`.
 * @returns the exit code: 0 done, 1 failed (e.g. duplicate name), 2 bad usage.
 *
 * @example
 * ```ts
 * process.exitCode = await runUserCommand(process.argv.slice(3), { systemDbPath })
 * ```
 */
export async function runUserCommand(argv: string[], options: UserCommandOptions): Promise<number> {
  const io: Required<UserCommandOptions> = {
    systemDbPath: options.systemDbPath,
    stdin: options.stdin ?? process.stdin,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
  }
  try {
    return await run(parse(argv), io)
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError('user', err, io.stderr)
    io.stderr.write(`logsift user: ${(err as Error).message}\n`)
    return 1
  }
}
