/**
 * @module
 * Runs `logsift serve` for tests: temp configs, the real CLI as a child process (so
 * signals are real), and reading its log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { mikrotik5 } from './corpus.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A temp dir with a config using the mikrotik5 class, loopback ports chosen by the kernel. */
export function tempConfig(over: (c: Record<string, unknown>) => void = () => {}): { dir: string; file: string; config: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-serve-'))
  const cls = mikrotik5()
  const config: Record<string, unknown> = {
    data_dir: join(dir, 'data'),
    http: { host: '127.0.0.1', port: 0 },
    timezone: 'UTC',
    flush_interval_ms: 500,
    classes: { [cls.name]: Object.fromEntries(cls.fields.map((f) => [f.name, f.pattern])) },
    engines: [
      {
        name: 'fw',
        class: cls.name,
        listen: { udp: ['127.0.0.1:0'] },
        keep_original_log: true,
        threads: 2,
        senders: [{ name: 'lo', match: '127.0.0.1' }],
      },
    ],
  }
  over(config)
  const file = join(dir, 'logsift.json')
  writeFileSync(file, JSON.stringify(config, null, 2))
  return { dir, file, config }
}

/** A `logsift serve` child process and what it has logged. */
export interface ServeProcess {
  child: ChildProcess
  /** Every stdout+stderr line so far. */
  lines: string[]
  /** Resolves with the first log line matching `re`. */
  waitFor(re: RegExp, ms?: number): Promise<string>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

/** Options of {@link spawnServe}. */
export interface SpawnServeOptions {
  /** Run the compiled CLI (`dist/`), as benchmarks want. Default: the TypeScript through tsx. */
  built?: boolean
  /** File mode creation mask the process starts with, e.g. `0o022`. Default: the test's own. */
  umask?: number
}

/** The command line of the `logsift` CLI with `args`, started with `umask` when given. */
export function cliCommand(args: string[], { built = false, umask }: SpawnServeOptions = {}): [string, string[]] {
  const cli = built ? [join(root, 'dist/src/cli/main.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')]
  if (umask === undefined) return [process.execPath, [...cli, ...args]]
  // spawn() has no umask option; a shell sets it and then becomes node.
  return ['/bin/sh', ['-c', `umask ${umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`, process.execPath, ...cli, ...args]]
}

/** Starts `logsift serve --config file`. */
export function spawnServe(file: string, options: SpawnServeOptions = {}): ServeProcess {
  const [command, args] = cliCommand(['serve', '--config', file], options)
  const child = spawn(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = []
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(line)
      for (const w of [...waiters]) if (w.re.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line))
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    exited,
    waitFor(re, ms = 20_000) {
      const seen = lines.find((l) => re.test(l))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no log line ${re} within ${ms} ms; got:\n${lines.join('\n')}`)), ms)
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) })
      })
    },
  }
}

/** The value of `key=` in a logfmt line, as a string. */
export function field(line: string, key: string): string {
  const m = new RegExp(`(?:^| )${key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line)
  if (!m) throw new Error(`no ${key} in ${line}`)
  return m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!
}

/** The UDP port an engine logged at start. */
export function udpPort(startedLine: string): number {
  const first = field(startedLine, 'udp').split(',')[0]!
  return Number(first.slice(first.lastIndexOf(':') + 1))
}

/** Runs `sql` on a day file opened read-only, as another process would (the server must have released it). */
export async function queryFile(path: string, sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  try {
    const c = await db.connect()
    try {
      return (await c.runAndReadAll(sql)).getRowsJS()
    } finally {
      c.closeSync()
    }
  } finally {
    db.closeSync()
  }
}
