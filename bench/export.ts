/**
 * @module
 * Export memory (issue 7: "a 1 GB export keeps RSS growth under 200 MB"): a closed day
 * file whose CSV is over a gigabyte, the built `logsift serve` as a child process, a
 * viewer signed in over HTTP, then `GET /browse/export` of the whole day — the route the
 * Export button uses — read to the end over loopback while the server's RSS is sampled
 * from /proc every 20 ms. Reports the RSS growth while DuckDB writes the file and while
 * it streams, the time to the first byte, and the throughput.
 *
 * Run: `npm run build:ts && npx tsx bench/export.ts` (`--rows 5000000`, `--format parquet`,
 * `--keep DIR` to write the day file once and reuse it). Not a test: it writes gigabytes.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { DuckDBWriter } from '../src/store/duckdb-writer.js'
import { field, spawnServe, tempConfig } from '../test/support/serve.js'
import { writeMikrotikRows } from './mikrotik-rows.js'

const argument = (name: string) => {
  const at = process.argv.indexOf(name)
  return at > 0 ? process.argv[at + 1] : undefined
}
const ROWS = Number(argument('--rows') ?? 5_000_000)
const FORMAT = argument('--format') ?? 'csv'
const KEPT = argument('--keep')
// Yesterday: a closed day well inside the default retention, which `serve` enforces at start.
const DAY = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const PASSWORD = 'bench password 1'
const root = fileURLToPath(new URL('../', import.meta.url))
const MB = 1024 * 1024

/** Resident set size of process `pid`, in bytes (VmRSS of /proc/pid/status). */
function rssOf(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!kb) throw new Error(`no VmRSS for process ${pid}`)
  return Number(kb[1]) * 1024
}

/** The cookies a response sets, as `name=value` pairs. */
function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((line) => line.split(';')[0]!)
}

/** Signs `name` in through the login form, as a browser does; returns the session's Cookie header. */
async function signIn(url: string, name: string): Promise<string> {
  const form = await fetch(`${url}/login`)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1]
  if (csrf === undefined) throw new Error('no CSRF token on the login page')
  const cookies = cookiesOf(form)
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie: cookies.join('; ') },
    body: new URLSearchParams({ _csrf: csrf, name, password: PASSWORD }),
  })
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`)
  return [...cookies, ...cookiesOf(res)].join('; ')
}

const work = KEPT ?? mkdtempSync(join(tmpdir(), 'logsift-bench-export-'))
const dataDir = join(work, 'data')
if (!existsSync(join(dataDir, 'fw', `${DAY}.duckdb`))) {
  mkdirSync(dataDir, { recursive: true })
  const writer = await DuckDBWriter.create({ dataDir, engine: 'fw', timezone: 'UTC', clock: { now: () => Date.parse(`${DAY}T23:30:00Z`) } })
  await writeMikrotikRows(writer, DAY, ROWS)
  // Closed, as every day but today is: the export reads it through a read-only ATTACH.
  await writer.close()
}
const { dir, file } = tempConfig((config) => {
  config.data_dir = dataDir
  config.system_db = join(work, 'bench-system.duckdb')
})
// A fresh user store every run; the kept day file is all that is reused.
rmSync(join(work, 'bench-system.duckdb'), { force: true })
const added = spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'user', 'add', 'bench', '--viewer', '--password-stdin', '--config', file], {
  input: `${PASSWORD}\n`,
  encoding: 'utf8',
})
if (added.status !== 0) throw new Error(`logsift user add failed: ${added.stderr}`)
const serve = spawnServe(file, { built: true })
try {
  const url = field(await serve.waitFor(/console\.listening/), 'url')
  const cookie = await signIn(url, 'bench')
  const pid = serve.child.pid!
  // Settle, then take the idle RSS as the baseline.
  await new Promise((r) => setTimeout(r, 2000))
  const baseline = rssOf(pid)
  let peak = baseline
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid))
  }, 20)

  const started = performance.now()
  const res = await fetch(`${url}/browse/export?engine=fw&range=custom&from=${DAY}T00%3A00&to=${DAY}T23%3A59&format=${FORMAT}`, { headers: { cookie } })
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`)
  const firstByte = performance.now()
  const peakWhileWriting = peak
  let bytes = 0
  let lines = 0
  for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length
    if (FORMAT === 'csv') for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
  }
  const done = performance.now()
  clearInterval(sampler)
  peak = Math.max(peak, rssOf(pid))

  if (bytes !== Number(res.headers.get('content-length'))) throw new Error(`streamed ${bytes} bytes of ${res.headers.get('content-length')}`)
  if (FORMAT === 'csv' && lines !== ROWS + 1) throw new Error(`${lines} lines, expected ${ROWS} rows and a header`)
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  console.log(`export of ${ROWS.toLocaleString('en-US')} rows as ${FORMAT}: ${(bytes / 1e9).toFixed(2)} GB${FORMAT === 'csv' ? `, ${lines.toLocaleString('en-US')} lines` : ''}`)
  console.log(`time to first byte (DuckDB writes the file) ${seconds(firstByte - started)}, streaming ${seconds(done - firstByte)} (${(bytes / MB / ((done - firstByte) / 1000)).toFixed(0)} MiB/s), overall ${(bytes / MB / ((done - started) / 1000)).toFixed(0)} MiB/s`)
  console.log(
    `server RSS: idle ${(baseline / MB).toFixed(0)} MiB, peak ${(peak / MB).toFixed(0)} MiB; growth ${((peakWhileWriting - baseline) / MB).toFixed(0)} MiB while writing, ${((peak - baseline) / MB).toFixed(0)} MiB overall (limit 200 MB)`,
  )
} finally {
  serve.child.kill('SIGTERM')
  await serve.exited
  rmSync(dir, { recursive: true, force: true })
  if (!KEPT) rmSync(work, { recursive: true, force: true })
}
