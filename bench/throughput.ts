/**
 * @module
 * `npm run bench`: the real pipeline under load. For each rate: a fresh `logsift serve`
 * (the built CLI, `mikrotik5` class, fresh data dir), `logsift-loadgen` replaying
 * `mikrotik-20k.log` over loopback with `sendmmsg` for the hold time, then SIGTERM (which
 * drains) and the engine's final counters. Reports sent, stored, every drop counter
 * including kernel drops, CPU % of logsift and of the generator, peak RSS, and whether a
 * sample of stored rows matches the expected extraction. Finds the highest lossless rate
 * by bisection and writes `bench/results/<timestamp>.json` with every run.
 *
 * Peers: when `syslog-ng` or `rsyslogd` is on PATH, the same rates are run against it,
 * configured from `bench/peers/` (the same five regexes, one line per message in a flat
 * file), and reported in the same table with its own bisection.
 *
 * Run: `npm run bench` (60 s holds) or `npm run bench -- --quick` (10 s holds: under 2
 * minutes for logsift alone, under a minute more for each peer: about 13 s a run).
 * Options: `--rates 50000,100000` measures just those; `--hold S`; `--max RATE`;
 * `--peers none|syslog-ng|rsyslog|all` (default `all`: every peer installed).
 */
import { execFileSync, spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { accessSync, closeSync, constants, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
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
const peersOption = option('peers') ?? 'all'
const bisectSteps = quick ? 3 : 5

/** One measured run. Counters that a system does not report are null. */
interface Run {
  /** `logsift`, or a peer's name (`syslog-ng`, `rsyslog`). */
  system: string
  rate: number
  holdSeconds: number
  sent: number
  /** logsift: rows stored; a peer: lines in its output file once it has drained. */
  stored: number
  received: number | null
  rejected_unknown_sender: number | null
  dropped_backpressure: number | null
  /** logsift: rows dropped at the journal's size cap. */
  dropped_journal_full: number | null
  dropped_write_error: number | null
  /** logsift: its engine's count; a peer: its socket's `drops` column in /proc/net/udp. */
  kernel_drops: number
  /** What the kernel granted (`SO_RCVBUF` as read back: twice the request), if known. */
  receiveBufferBytes: number | null
  lost: number
  lossless: boolean
  cpuPercent: number
  generatorCpuPercent: number
  peakRssMb: number
  /** Resident memory a quarter into the hold and at its end: flat means no growth between. */
  rssQuarterMb: number
  rssEndMb: number
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

/** Resident memory now, in MB. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

/** Runs the generator while sampling `pid`'s resident memory a quarter into the hold and at its end. */
async function loadgenWatchingRss(pid: number, target: string, rate: number, seconds: number) {
  let rssQuarterMb = 0
  const quarter = setTimeout(() => (rssQuarterMb = rssMb(pid)), (seconds * 1000) / 4)
  try {
    const gen = await loadgen(target, rate, seconds)
    return { gen, rssQuarterMb, rssEndMb: rssMb(pid) }
  } finally {
    clearTimeout(quarter)
  }
}

function loadgen(target: string, rate: number, seconds: number): Promise<{ sent: number; seconds: number; cpu_seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('target/release/logsift-loadgen', [target, join(corpusDir, 'mikrotik-20k.log'), String(rate), String(seconds)])
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { sent: number; seconds: number; cpu_seconds: number }) : reject(new Error(`loadgen exited ${code}`))))
  })
}

/** The expected extraction of each corpus line, by line. */
const expectedByLine = (() => {
  const expected = corpusExpected('mikrotik-20k.expected.jsonl')
  return new Map(corpusLines('mikrotik-20k.log').map((l, i) => [l, expected[i]!]))
})()

/** Compares a sample of stored rows with the expected extraction of their line. */
async function spotCheck(file: string): Promise<{ checked: number; wrong: number }> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })
  const c = await db.connect()
  const rows = (await c.runAndReadAll('SELECT * FROM logs USING SAMPLE 2000 ROWS')).getRowObjectsJS()
  c.closeSync()
  db.closeSync()
  let wrong = 0
  for (const row of rows) {
    const want = expectedByLine.get(row.original_log as string)
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
  const receiveBufferBytes = Number(field(started, 'receive_buffer_bytes'))
  const pid = serve.child.pid!
  const ticks0 = cpuTicks(pid)
  const t0 = Date.now()
  const { gen, rssQuarterMb, rssEndMb } = await loadgenWatchingRss(pid, target, rate, holdSeconds)
  const cpuPercent = ((cpuTicks(pid) - ticks0) / 100 / ((Date.now() - t0) / 1000)) * 100
  await new Promise((r) => setTimeout(r, 1500))
  const rss = peakRssMb(pid)
  serve.child.kill('SIGTERM')
  const stopped = await serve.waitFor(/event=engine\.stopped engine=bench/, 90_000)
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
    dropped_journal_full: n('dropped_journal_full'),
    dropped_write_error: n('dropped_write_error'),
    kernel_drops: n('kernel_drops'),
    receiveBufferBytes,
    lost,
    lossless: false,
    ...resources(gen, cpuPercent, { peak: rss, quarter: rssQuarterMb, end: rssEndMb }, check),
  }
  run.lossless = lost === 0 && run.kernel_drops === 0 && run.dropped_backpressure === 0 && run.dropped_journal_full === 0 && run.rowsWrong === 0
  return run
}

/** Another collector measured beside logsift: its config in `bench/peers/` and its command line. */
interface Peer {
  /** The `system` column. */
  system: 'syslog-ng' | 'rsyslog'
  /** Executable, looked up on PATH. */
  command: string
  /**
   * Arguments: in the foreground, unprivileged, every state file inside `dir`. The config
   * reads `LOGSIFT_PEER_PORT`, `LOGSIFT_PEER_OUT` and `LOGSIFT_PEER_DIR` from the environment.
   */
  args(dir: string): string[]
}

const peers: Peer[] = [
  {
    system: 'syslog-ng',
    command: 'syslog-ng',
    // --no-caps: no capability juggling, so it runs as any user; -R, -p, -c: the persist
    // file, pid file and control socket go to `dir` rather than /var/lib/syslog-ng;
    // --stderr: its own messages (startup errors) reach us.
    args: (dir) => ['-F', '--no-caps', '--stderr', '-f', resolve('bench/peers/syslog-ng.conf'), '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')],
  },
  {
    system: 'rsyslog',
    command: 'rsyslogd',
    // -n: foreground; -i: pid file in `dir` (workDirectory comes from LOGSIFT_PEER_DIR).
    args: (dir) => ['-n', '-f', resolve('bench/peers/rsyslog.conf'), '-i', join(dir, 'pid')],
  },
]

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** The peers `--peers` asks for; `all` means every one installed, naming one requires it. */
function selectedPeers(): Peer[] {
  if (peersOption === 'none') return []
  if (peersOption === 'all') return peers.filter((p) => onPath(p.command))
  const peer = peers.find((p) => p.system === peersOption)
  if (!peer) throw new Error(`--peers takes none, syslog-ng, rsyslog or all, not ${peersOption}`)
  if (!onPath(peer.command)) throw new Error(`--peers ${peersOption}: ${peer.command} is not on PATH`)
  return [peer]
}

/** A loopback UDP port free right now (the kernel picks it; the peer binds it next). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done))
  const { port } = socket.address()
  await new Promise<void>((done) => socket.close(done))
  return port
}

/**
 * The columns of the /proc/net/udp row for the socket bound to 127.0.0.1:`port`, if one
 * is. The address is printed in host byte order (`0100007F` on x86), the port in hex.
 */
function procNetUdpRow(port: number): string[] | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((columns) => columns[1] === local)
}

/** The receive buffer of the socket on 127.0.0.1:`port` (`rb` in `ss -m`), or null without `ss`. */
function grantedReceiveBufferBytes(port: number): number | null {
  if (!onPath('ss')) return null
  const out = execFileSync('ss', ['-uanm', `sport = :${port}`], { encoding: 'utf8' })
  const m = /\brb(\d+)/.exec(out)
  return m ? Number(m[1]) : null
}

async function waitUntil(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Resolves once `file` has stopped growing: a peer that lags behind the generator works
 * through its socket buffer and queue afterwards, and a peer stopped before that would
 * drop what it still holds. Appends only, so a steady size is a steady line count.
 */
async function drained(file: string): Promise<void> {
  const steadyMs = 2000
  const giveUpMs = 120_000
  const size = () => (existsSync(file) ? statSync(file).size : 0)
  const start = Date.now()
  let last = size()
  let steadySince = Date.now()
  while (Date.now() - steadySince < steadyMs && Date.now() - start < giveUpMs) {
    await new Promise((r) => setTimeout(r, 250))
    const now = size()
    if (now !== last) {
      last = now
      steadySince = Date.now()
    }
  }
}

async function countLines(file: string): Promise<number> {
  if (!existsSync(file)) return 0
  let lines = 0
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
  }
  return lines
}

/**
 * A field as a peer prints it: the capture itself, so an `_ip` field is `address:port`
 * where logsift stores two columns (SPEC §3), and no match is empty. (A capture that is
 * not a valid address would count as wrong here; the corpus has none.)
 */
function expectedCapture(want: Record<string, string | number | null>, field: string): string {
  const value = want[field] ?? null
  if (value === null) return ''
  return field.endsWith('_ip') ? `${value}:${want[field.replace(/_ip$/, '_port')]}` : String(value)
}

/**
 * Compares the first 2,000 lines a peer wrote (the class's fields in class order, then
 * the datagram, tab-separated) with the expected extraction of that datagram, as
 * `spotCheck` does for logsift's rows, so the peer is known to do the same work.
 */
function spotCheckPeerOutput(file: string): { checked: number; wrong: number } {
  if (!existsSync(file)) return { checked: 0, wrong: 0 }
  const fields = mikrotik5().fields.map((f) => f.name)
  // 2,000 lines of about 350 bytes; the last, maybe partial, line is dropped.
  const head = Buffer.alloc(2 << 20)
  const fd = openSync(file, 'r')
  const length = readSync(fd, head, 0, head.length, 0)
  closeSync(fd)
  const lines = head.subarray(0, length).toString('utf8').split('\n').slice(0, -1).slice(0, 2000)
  let wrong = 0
  for (const line of lines) {
    const cells = line.split('\t')
    const want = expectedByLine.get(cells.slice(fields.length).join('\t'))
    if (!want || fields.some((f, i) => cells[i] !== expectedCapture(want, f))) wrong++
  }
  return { checked: lines.length, wrong }
}

/**
 * One run against a peer: started fresh in a temp dir on a free port, fed by the same
 * generator for the same hold, then left to drain before SIGTERM. Loss is what it did
 * not write; kernel drops come from its socket's row in /proc/net/udp, read before stop.
 */
async function runPeer(peer: Peer, rate: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `logsift-bench-${peer.system}-`))
  const out = join(dir, 'out.tsv')
  const port = await freeUdpPort()
  const child = spawn(peer.command, peer.args(dir), {
    cwd: dir,
    env: { ...process.env, LOGSIFT_PEER_PORT: String(port), LOGSIFT_PEER_OUT: out, LOGSIFT_PEER_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((done) => child.once('exit', done))
  let measured
  try {
    await waitUntil(`${peer.system} to listen on 127.0.0.1:${port}`, 10_000, () => {
      if (child.exitCode !== null) throw new Error(`${peer.system} exited ${child.exitCode}:\n${stderr}`)
      return procNetUdpRow(port) !== undefined
    })
    const pid = child.pid!
    const ticks0 = cpuTicks(pid)
    const t0 = Date.now()
    const { gen, rssQuarterMb, rssEndMb } = await loadgenWatchingRss(pid, `127.0.0.1:${port}`, rate, holdSeconds)
    const cpuPercent = ((cpuTicks(pid) - ticks0) / 100 / ((Date.now() - t0) / 1000)) * 100
    await drained(out)
    const socketRow = procNetUdpRow(port)
    if (!socketRow) throw new Error(`${peer.system} no longer listens on 127.0.0.1:${port}:\n${stderr}`)
    measured = { gen, cpuPercent, rssQuarterMb, rssEndMb, rss: peakRssMb(pid), kernelDrops: Number(socketRow.at(-1)), granted: grantedReceiveBufferBytes(port) }
  } finally {
    // On every path, so that a failed run leaves no daemon behind.
    child.kill('SIGTERM')
    await exited
  }
  const { gen, cpuPercent, rss, rssQuarterMb, rssEndMb, kernelDrops, granted } = measured
  const stored = await countLines(out)
  const check = spotCheckPeerOutput(out)
  rmSync(dir, { recursive: true, force: true })
  const lost = gen.sent - stored
  return {
    system: peer.system,
    rate,
    holdSeconds,
    sent: gen.sent,
    stored,
    received: null,
    rejected_unknown_sender: null,
    dropped_backpressure: null,
    dropped_journal_full: null,
    dropped_write_error: null,
    kernel_drops: kernelDrops,
    receiveBufferBytes: granted,
    lost,
    lossless: lost === 0 && kernelDrops === 0 && check.wrong === 0,
    ...resources(gen, cpuPercent, { peak: rss, quarter: rssQuarterMb, end: rssEndMb }, check),
  }
}

/** The columns every system's run shares: CPU, memory and the row check. */
function resources(
  gen: { seconds: number; cpu_seconds: number },
  cpuPercent: number,
  rss: { peak: number; quarter: number; end: number },
  check: { checked: number; wrong: number },
) {
  return {
    cpuPercent,
    generatorCpuPercent: (gen.cpu_seconds / gen.seconds) * 100,
    peakRssMb: rss.peak,
    rssQuarterMb: rss.quarter,
    rssEndMb: rss.end,
    rowsChecked: check.checked,
    rowsWrong: check.wrong,
  }
}

function printRow(r: Run): void {
  const k = (x: number) => (x >= 1000 ? `${Math.round(x / 1000)}k` : String(x))
  console.log(
    [
      r.system.padEnd(9),
      k(r.rate).padStart(6),
      String(r.sent).padStart(10),
      String(r.stored).padStart(10),
      `${((r.lost / Math.max(1, r.sent)) * 100).toFixed(2)}%`.padStart(7),
      String(r.kernel_drops).padStart(8),
      String(r.dropped_backpressure ?? '-').padStart(8),
      `${r.cpuPercent.toFixed(0)}%`.padStart(6),
      `${r.generatorCpuPercent.toFixed(0)}%`.padStart(6),
      `${r.peakRssMb.toFixed(0)} MB`.padStart(8),
      `${r.rssQuarterMb.toFixed(0)}→${r.rssEndMb.toFixed(0)}`.padStart(10),
      `${r.rowsChecked - r.rowsWrong}/${r.rowsChecked}`.padStart(10),
      r.lossless ? 'lossless' : 'LOSS',
    ].join(' '),
  )
}

/** The highest rate that held without loss, by bisection between one that held and one that did not. */
async function bisect(measure: (rate: number) => Promise<Run>): Promise<number> {
  let lo = 0
  let hi = maxRate
  let rate = quick ? 100_000 : 200_000
  for (let step = 0; step < bisectSteps; step++) {
    if ((await measure(rate)).lossless) lo = rate
    else hi = rate
    rate = Math.round((lo + hi) / 2 / 5000) * 5000
    if (rate === lo || rate === hi) break
  }
  return lo
}

async function main(): Promise<void> {
  const systems = [
    { name: 'logsift', run: runLogsift },
    ...selectedPeers().map((peer) => ({ name: peer.system, run: (rate: number) => runPeer(peer, rate) })),
  ]
  execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'logsift-loadgen'], { stdio: 'inherit' })
  console.log(`throughput of ${systems.map((s) => s.name).join(', ')}, hold ${holdSeconds} s per rate, generator on the same host (${quick ? 'quick' : 'full'} mode)`)
  console.log('system      rate       sent     stored    loss  kdrops  bpdrops    cpu  gencpu     rss  rss ¼→end   rows ok  result')
  const runs: Run[] = []
  const measure = (run: (rate: number) => Promise<Run>) => async (rate: number) => {
    const r = await run(rate)
    printRow(r)
    runs.push(r)
    return r
  }
  const best: Record<string, number> = Object.fromEntries(systems.map((s) => [s.name, 0]))
  if (fixedRates) {
    // Rate by rate, every system in turn, so a noisy spell on the machine hits them alike.
    for (const rate of fixedRates) {
      for (const s of systems) if ((await measure(s.run)(rate)).lossless) best[s.name] = Math.max(best[s.name]!, rate)
    }
  } else {
    for (const s of systems) best[s.name] = await bisect(measure(s.run))
  }
  console.log(`highest lossless rate measured: ${systems.map((s) => `${s.name} ${best[s.name]!.toLocaleString('en-US')} msg/s`).join(', ')}`)
  mkdirSync('bench/results', { recursive: true })
  const out = join('bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(out, JSON.stringify({ holdSeconds, quick, bestLosslessRate: best, runs }, null, 2))
  console.log(`wrote ${out}`)
}

await main()
