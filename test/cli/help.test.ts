/**
 * The command line (issue 18): every subcommand answers `--help` and `-h` with its usage
 * and exit 0 — `serve --help` starts nothing — and no command, an unknown command or a
 * wrong option is a usage error with exit 2. The real CLI in a child process, with
 * `LOGSIFT_CONFIG` naming a file that does not exist, so help never needs a config.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const root = fileURLToPath(new URL('../../', import.meta.url))
const NO_CONFIG = join(root, 'no-such-dir', 'logsift.json')

const test = suite('logsift command line')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `logsift ...args`; a run over 20 s is killed (a server that started) and fails. */
function logsift(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args],
      { cwd: root, env: { ...process.env, LOGSIFT_CONFIG: NO_CONFIG }, timeout: 20_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error && error.killed) return reject(new Error(`logsift ${args.join(' ')} still running after 20 s:\n${stdout}${stderr}`))
        resolve({ code: child.exitCode, stdout, stderr })
      },
    )
  })
}

test('no command prints the usage on stderr and exits 2; --help, -h and help print it and exit 0', async () => {
  const none = await logsift()
  assert.is(none.code, 2)
  assert.is(none.stdout, '')
  assert.ok(none.stderr.startsWith('usage: logsift <command> [options]\n'), none.stderr)
  for (const ask of ['--help', '-h', 'help']) {
    const r = await logsift(ask)
    assert.equal([r.code, r.stderr], [0, ''], ask)
    assert.is(r.stdout, none.stderr, ask)
  }
})

test('every subcommand takes --help and -h: its usage on stdout, exit 0, no config read', async () => {
  const cases: [string[], string][] = [
    [['serve'], 'usage: logsift serve [--config FILE]\n'],
    [['serve', '--config', '/etc/logsift.json'], 'usage: logsift serve [--config FILE]\n'],
    [['check-config'], 'usage: logsift check-config [FILE | --config FILE]\n'],
    [['user'], 'usage:\n  logsift user add NAME'],
    [['user', 'add'], 'usage:\n  logsift user add NAME'],
    [['user', 'passwd', 'root'], 'usage:\n  logsift user add NAME'],
    [['user', 'list'], 'usage:\n  logsift user add NAME'],
    [['version'], 'usage: logsift version\n'],
  ]
  // -h on a few: it takes the same path as --help.
  const asks = cases.flatMap(([args, start], i): [string[], string][] => [[[...args, '--help'], start], ...(i % 3 === 0 ? [[[...args, '-h'], start] as [string[], string]] : [])])
  const runs = await Promise.all(asks.map(([args]) => logsift(...args)))
  asks.forEach(([args, start], i) => {
    const r = runs[i]!
    assert.is(r.code, 0, args.join(' '))
    assert.is(r.stderr, '', args.join(' '))
    assert.ok(r.stdout.startsWith(start), `${args.join(' ')}: ${r.stdout}`)
    assert.not.match(r.stdout, 'event=', 'nothing started')
  })
})

test('an unknown command or option, or a stray word, is a usage error: exit 2, the problem and the usage on stderr', async () => {
  const cases: [string[], string][] = [
    [['frobnicate'], "logsift: unknown command 'frobnicate'\n\nusage: logsift <command>"],
    [['--bogus'], "logsift: unknown option '--bogus'\n\nusage: logsift <command>"],
    [['serve', '--bogus'], 'logsift serve: unknown option --bogus\n\nusage: logsift serve'],
    [['serve', 'extra'], 'logsift serve: unexpected argument extra\n\nusage: logsift serve'],
    [['serve', '--config'], 'logsift serve: --config needs a file\n\nusage: logsift serve'],
    [['check-config', 'a.json', 'b.json'], 'logsift check-config: unexpected argument b.json\n\nusage: logsift check-config'],
    [['check-config', '--verbose'], 'logsift check-config: unknown option --verbose\n\nusage: logsift check-config'],
    [['user', 'add', 'root', '--admin', '--bogus'], 'logsift user: unknown option --bogus\n\nusage:\n  logsift user add'],
    [['user', 'remove', 'root'], 'logsift user: unknown command remove\n\nusage:\n  logsift user add'],
    [['version', 'extra'], 'logsift version: unexpected argument extra\n\nusage: logsift version'],
  ]
  const runs = await Promise.all(cases.map(([args]) => logsift(...args)))
  cases.forEach(([args, start], i) => {
    const r = runs[i]!
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stdout, '', args.join(' '))
    assert.ok(r.stderr.startsWith(start), `${args.join(' ')}: ${r.stderr}`)
  })
})

test('version prints the version', async () => {
  const r = await logsift('version')
  assert.is(r.code, 0)
  assert.match(r.stdout, /^logsift \d+\.\d+\.\d+\S*\n$/)
})

test.run()
