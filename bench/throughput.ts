/**
 * @module
 * `npm run bench`: the real pipeline under load. For each rate: a fresh `logsift serve`
 * (the built CLI, `mikrotik5` class, fresh data dir), `logsift-loadgen` replaying
 * `mikrotik-20k.log` over loopback with `sendmmsg` for the hold time, then SIGTERM (which
 * drains) and the engine's final counters. Reports sent, stored, every drop counter
 * including kernel drops, CPU % of logsift and of the generator, peak RSS, and whether a
 * sample of stored rows matches the expected extraction. Finds the highest lossless rate
 * by bisection and writes `bench/results/<timestamp>.json`.
 *
 * Run: `npm run bench` (60 s holds) or `npm run bench -- --quick` (10 s holds, < 2 min).
 * Options: `--rates 50000,100000` measures just those; `--hold S`; `--max RATE`.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { corpusDir, corpusExpected, corpusLines, mikrotik5 } from '../test/support/corpus.js'
import { field, spawnServe } from '../test/support/serve.js'

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const quick = flag('quick')
const holdSeconds = Number(option('hold') ?? (quick ? 10 : 60))
const maxRate = Number(option('max') ?? 400_000)
const fixedRates = option('rates')?.split(',').map(Number)
const bisectSteps = quick ? 3 : 5

/** One measured run. */
interface Run {
  system: string
  rate: number
  holdSeconds: number
  sent: number
  stored: number
  received: number
  rejected_unknown_sender: number
  dropped_backpressure: number
  dropped_write_error: number
  kernel_drops: number
  lost: number
  lossless: boolean
  cpuPercent: number
  generatorCpuPercent: number
  peakRssMb: number
  rowsChecked: number
  rowsWrong: number
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime, after pid and comm
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

function loadgen(target: string, rate: number, seconds: number): Promise<{ sent: number; seconds: number; cpu_seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('target/release/logsift-loadgen', [target, join(corpusDir, 'mikrotik-20k.log'), String(rate), String(seconds)])
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { sent: number; seconds: number; cpu_seconds: number }) : reject(new Error(`loadgen exited ${code}`))))
  })
}

/** Compares a sample of stored rows with the expected extraction of their line. */
async function spotCheck(file: string): Promise<{ checked: number; wrong: number }> {
  const lines = corpusLines('mikrotik-20k.log')
  const expected = corpusExpected('mikrotik-20k.expected.jsonl')
  const byLine = new Map(lines.map((l, i) => [l, expected[i]!]))
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })
  const c = await db.connect()
  const rows = (await c.runAndReadAll('SELECT * FROM logs USING SAMPLE 2000 ROWS')).getRowObjectsJS()
  c.closeSync()
  db.closeSync()
  let wrong = 0
  for (const row of rows) {
    const want = byLine.get(row.original_log as string)
    if (!want || Object.entries(want).some(([k, v]) => row[k] !== v)) wrong++
  }
  return { checked: rows.length, wrong }
}

async function runLogsift(rate: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-'))
  const cls = mikrotik5()
  const file = join(dir, 'logsift.json')
  writeFileSync(
    file,
    JSON.stringify({
      data_dir: join(dir, 'data'),
      http: { host: '127.0.0.1', port: 0 },
      timezone: 'UTC',
      flush_interval_ms: 1000,
      classes: { [cls.name]: Object.fromEntries(cls.fields.map((f) => [f.name, f.pattern])) },
      engines: [
        {
          name: 'bench',
          class: cls.name,
          listen: { udp: ['127.0.0.1:0'] },
          keep_original_log: true,
          threads: 2,
          receive_buffer_bytes: 64 << 20,
          senders: [{ name: 'lo', match: '127.0.0.1' }],
        },
      ],
    }),
  )
  const serve = spawnServe(file, { built: true })
  const started = await serve.waitFor(/event=engine\.started engine=bench/)
  const target = field(started, 'udp').split(',')[0]!
  const pid = serve.child.pid!
  const ticks0 = cpuTicks(pid)
  const t0 = Date.now()
  const gen = await loadgen(target, rate, holdSeconds)
  const cpuPercent = ((cpuTicks(pid) - ticks0) / 100 / ((Date.now() - t0) / 1000)) * 100
  await new Promise((r) => setTimeout(r, 1500))
  const rss = peakRssMb(pid)
  serve.child.kill('SIGTERM')
  const stopped = await serve.waitFor(/event=engine\.stopped engine=bench/)
  await serve.exited
  const n = (k: string) => Number(field(stopped, k))
  const stored = n('stored')
  const dayFile = join(dir, 'data', 'bench', `${new Date().toISOString().slice(0, 10)}.duckdb`)
  const check = await spotCheck(dayFile)
  rmSync(dir, { recursive: true, force: true })
  const lost = gen.sent - stored
  const run: Run = {
    system: 'logsift',
    rate,
    holdSeconds,
    sent: gen.sent,
    stored,
    received: n('received'),
    rejected_unknown_sender: n('rejected_unknown_sender'),
    dropped_backpressure: n('dropped_backpressure'),
    dropped_write_error: n('dropped_write_error'),
    kernel_drops: n('kernel_drops'),
    lost,
    lossless: false,
    cpuPercent,
    generatorCpuPercent: (gen.cpu_seconds / gen.seconds) * 100,
    peakRssMb: rss,
    rowsChecked: check.checked,
    rowsWrong: check.wrong,
  }
  run.lossless = lost === 0 && run.kernel_drops === 0 && run.dropped_backpressure === 0 && run.rowsWrong === 0
  return run
}

function printRow(r: Run): void {
  const k = (x: number) => (x >= 1000 ? `${Math.round(x / 1000)}k` : String(x))
  console.log(
    [
      r.system.padEnd(8),
      k(r.rate).padStart(6),
      String(r.sent).padStart(10),
      String(r.stored).padStart(10),
      `${((r.lost / Math.max(1, r.sent)) * 100).toFixed(2)}%`.padStart(7),
      String(r.kernel_drops).padStart(8),
      String(r.dropped_backpressure).padStart(8),
      `${r.cpuPercent.toFixed(0)}%`.padStart(6),
      `${r.generatorCpuPercent.toFixed(0)}%`.padStart(6),
      `${r.peakRssMb.toFixed(0)} MB`.padStart(8),
      `${r.rowsChecked - r.rowsWrong}/${r.rowsChecked}`.padStart(10),
      r.lossless ? 'lossless' : 'LOSS',
    ].join(' '),
  )
}

async function main(): Promise<void> {
  execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'logsift-loadgen'], { stdio: 'inherit' })
  console.log(`logsift throughput, hold ${holdSeconds} s per rate, generator on the same host (${quick ? 'quick' : 'full'} mode)`)
  console.log('system     rate       sent     stored    loss  kdrops  bpdrops    cpu  gencpu     rss   rows ok  result')
  const runs: Run[] = []
  const measure = async (rate: number) => {
    const r = await runLogsift(rate)
    printRow(r)
    runs.push(r)
    return r
  }
  let best = 0
  if (fixedRates) {
    for (const rate of fixedRates) if ((await measure(rate)).lossless) best = Math.max(best, rate)
  } else {
    // Bisection between a rate that held and one that did not.
    let lo = 0
    let hi = maxRate
    let rate = quick ? 100_000 : 200_000
    for (let step = 0; step < bisectSteps; step++) {
      if ((await measure(rate)).lossless) lo = rate
      else hi = rate
      rate = Math.round((lo + hi) / 2 / 5000) * 5000
      if (rate === lo || rate === hi) break
    }
    best = lo
  }
  console.log(`highest lossless rate measured: ${best.toLocaleString('en-US')} msg/s`)
  mkdirSync('bench/results', { recursive: true })
  const out = join('bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(out, JSON.stringify({ holdSeconds, quick, bestLosslessRate: best, runs }, null, 2))
  console.log(`wrote ${out}`)
}

await main()
