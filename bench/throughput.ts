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
 *
 * Burst mode: `--burst RATE` sends at RATE for the hold, then keeps watching each system
 * until it has stored its backlog (`--drain S`: deadline after the send, default 300 s),
 * and reports what it absorbed, its peak journal and RSS, and how long the drain took.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
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
const burstRate = option('burst') === undefined ? undefined : Number(option('burst'))
if (burstRate !== undefined && !(burstRate > 0)) throw new Error(`--burst takes a rate in messages a second, not ${option('burst')}`)
const drainDeadlineSeconds = Number(option('drain') ?? 300)

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

/** A system started fresh for one run, listening for the generator. */
interface Started {
  system: string
  pid: number
  /** `host:port` the generator sends to. */
  target: string
  /** How long what it has stored must stay the same before it counts as drained. */
  steadyMs: number
  /** What it has stored and still holds, now. */
  progress(): Promise<Progress>
  /** Waits until what it took in before the generator stopped is stored (or is sure to be at stop). */
  settle(): Promise<void>
  /** Stops it (once; later calls get the same answer), reads its final counts and checks rows, and removes its temp dir. */
  stop(): Promise<Final>
}

/** A look at a running system. */
interface Progress {
  /** Rows stored so far (a peer: complete lines in its output file). */
  stored: number
  /** logsift: rows received and neither stored nor dropped yet. Null: the system does not say. */
  backlog: number | null
  /** logsift: bytes of its disk journal. */
  journalBytes: number | null
  /** logsift: journal, queue and uncommitted rows all empty. Null: the system does not say. */
  empty: boolean | null
}

/** The logsift engine counters a run reports; a peer has none of them. */
const ENGINE_COUNTERS = ['received', 'rejected_unknown_sender', 'dropped_backpressure', 'dropped_journal_full', 'dropped_disk_full', 'dropped_write_error', 'kernel_drops'] as const
type EngineCounts = Record<(typeof ENGINE_COUNTERS)[number], number>

/** What a stopped system leaves to report. */
interface Final {
  stored: number
  /** logsift: its `engine.stopped` counters; null for a peer. */
  counters: EngineCounts | null
  /** logsift: its engine's count; a peer: its socket's `drops` column in /proc/net/udp, read before stop. */
  kernelDrops: number
  /** What the kernel granted (`SO_RCVBUF` as read back: twice the request), if known. */
  receiveBufferBytes: number | null
  /** VmHWM just before stop: the peak over the process's whole life. */
  peakRssMb: number
  check: { checked: number; wrong: number }
}

/** A fresh `logsift serve` (the built CLI, `mikrotik5` class, fresh data dir, default journal). */
async function startLogsift(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-bench-'))
  const cls = mikrotik5()
  const file = join(dir, 'logsift.json')
  const metricsToken = randomBytes(24).toString('hex')
  writeFileSync(
    file,
    JSON.stringify({
      data_dir: join(dir, 'data'),
      http: { host: '127.0.0.1', port: 0 },
      metrics: { token: metricsToken },
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
  const [started, listening] = await Promise.all([serve.waitFor(/event=engine\.started engine=bench/), serve.waitFor(/event=console\.listening/)])
  const base = field(listening, 'url')
  const pid = serve.child.pid!
  const metrics = async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`)
    const m = new Map<string, number>()
    for (const [, name, value] of (await res.text()).matchAll(/^logsift_(\w+?)(?:_total)?\{engine="bench"\} (\S+)$/gm)) m.set(name!, Number(value))
    return (name: string) => {
      const v = m.get(name)
      if (v === undefined) throw new Error(`/metrics has no logsift_${name} for engine bench`)
      return v
    }
  }
  let stopping: Promise<Final> | undefined
  return {
    system: 'logsift',
    pid,
    target: field(started, 'udp').split(',')[0]!,
    // One flush interval: with the journal, queue and pending commit empty nothing more comes.
    steadyMs: 1000,
    async progress() {
      const m = await metrics()
      const dropped = m('rejected_unknown_sender') + m('dropped_backpressure') + m('dropped_journal_full') + m('dropped_disk_full') + m('dropped_write_error')
      return {
        stored: m('stored'),
        backlog: m('received') - m('stored') - dropped,
        journalBytes: m('journal_bytes'),
        empty: m('journal_records') === 0 && m('queue_depth_rows') === 0 && m('pending_commit_rows') === 0,
      }
    },
    // SIGTERM stores every queued row; the pause lets the receivers take in what the sockets hold.
    settle: () => new Promise((r) => setTimeout(r, 1500)),
    stop: () =>
      (stopping ??= (async () => {
        try {
          const peakRss = peakRssMb(pid)
          serve.child.kill('SIGTERM')
          const stopped = await serve.waitFor(/event=engine\.stopped engine=bench/, 90_000)
          await serve.exited
          const n = (k: string) => Number(field(stopped, k))
          const check = await spotCheck(join(dir, 'data', 'bench', `${new Date().toISOString().slice(0, 10)}.duckdb`))
          return {
            stored: n('stored'),
            counters: Object.fromEntries(ENGINE_COUNTERS.map((k) => [k, n(k)])) as EngineCounts,
            kernelDrops: n('kernel_drops'),
            receiveBufferBytes: Number(field(started, 'receive_buffer_bytes')),
            peakRssMb: peakRss,
            check,
          }
        } finally {
          serve.child.kill('SIGKILL')
          rmSync(dir, { recursive: true, force: true })
        }
      })()),
  }
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
 * Complete lines appended to `file` so far, counted from where the last call stopped: a
 * peer's stored count while it runs, without reading the whole file again each time.
 */
function lineCounter(file: string): () => number {
  let offset = 0
  let lines = 0
  const chunk = Buffer.alloc(4 << 20)
  return () => {
    if (!existsSync(file)) return 0
    const size = statSync(file).size
    const fd = openSync(file, 'r')
    try {
      while (offset < size) {
        const length = readSync(fd, chunk, 0, Math.min(chunk.length, size - offset), offset)
        if (length === 0) break
        for (let i = chunk.indexOf(10); i >= 0 && i < length; i = chunk.indexOf(10, i + 1)) lines++
        offset += length
      }
    } finally {
      closeSync(fd)
    }
    return lines
  }
}

/**
 * A peer started fresh in a temp dir on a free port. It drains when its output file stops
 * growing: a peer that lags behind the generator works through its socket buffer and
 * queue afterwards, and a peer stopped before that would drop what it still holds.
 */
async function startPeer(peer: Peer): Promise<Started> {
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
  const kill = async () => {
    child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitUntil(`${peer.system} to listen on 127.0.0.1:${port}`, 10_000, () => {
      if (child.exitCode !== null) throw new Error(`${peer.system} exited ${child.exitCode}:\n${stderr}`)
      return procNetUdpRow(port) !== undefined
    })
  } catch (e) {
    await kill()
    throw e
  }
  const storedLines = lineCounter(out)
  let stopping: Promise<Final> | undefined
  const started: Started = {
    system: peer.system,
    pid: child.pid!,
    target: `127.0.0.1:${port}`,
    steadyMs: 2000,
    progress: async () => ({ stored: storedLines(), backlog: null, journalBytes: null, empty: null }),
    settle: async () => void (await untilDrained(started, Date.now(), 120_000)),
    stop: () =>
      (stopping ??= (async () => {
        try {
          const socketRow = procNetUdpRow(port)
          if (!socketRow) throw new Error(`${peer.system} no longer listens on 127.0.0.1:${port}:\n${stderr}`)
          const kernelDrops = Number(socketRow.at(-1))
          const receiveBufferBytes = grantedReceiveBufferBytes(port)
          const peakRss = peakRssMb(child.pid!)
          child.kill('SIGTERM')
          await exited
          return { stored: storedLines(), counters: null, kernelDrops, receiveBufferBytes, peakRssMb: peakRss, check: spotCheckPeerOutput(out) }
        } finally {
          // On every path, so that a failed run leaves no daemon behind.
          await kill()
        }
      })()),
  }
  return started
}

/** Resolves when `settled` holds: how it went. */
interface Drain {
  /** When what it stored last grew (ms since the epoch); null: not drained by the deadline. */
  drainedAt: number | null
  last: Progress
}

/**
 * Polls `sys` until what it has stored has not changed for its `steadyMs` and, where it
 * says, nothing is left in its backlog; gives up `timeoutMs` after `since`. `seen` gets
 * every look, for peaks.
 */
async function untilDrained(sys: Started, since: number, timeoutMs: number, seen: (p: Progress) => void = () => {}): Promise<Drain> {
  let last = await sys.progress()
  seen(last)
  let changedAt = since
  for (;;) {
    await new Promise((r) => setTimeout(r, 250))
    const now = await sys.progress()
    seen(now)
    if (now.stored !== last.stored) changedAt = Date.now()
    last = now
    if (Date.now() - changedAt >= sys.steadyMs && now.empty !== false) return { drainedAt: changedAt, last }
    if (Date.now() - since > timeoutMs) return { drainedAt: null, last }
  }
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

/** The generator at `rate` for `seconds` against `sys`, with its CPU over that time and its RSS a quarter in and at the end. */
async function send(sys: Started, rate: number, seconds: number) {
  const ticks0 = cpuTicks(sys.pid)
  const t0 = Date.now()
  const { gen, rssQuarterMb, rssEndMb } = await loadgenWatchingRss(sys.pid, sys.target, rate, seconds)
  const cpuPercent = ((cpuTicks(sys.pid) - ticks0) / 100 / ((Date.now() - t0) / 1000)) * 100
  return { gen, cpuPercent, rssQuarterMb, rssEndMb }
}

/** Starts a system, hands it to `body`, and stops it on every path, so a failed run leaves nothing behind. */
async function withSystem<T>(start: () => Promise<Started>, body: (sys: Started) => Promise<T>): Promise<T> {
  const sys = await start()
  try {
    return await body(sys)
  } finally {
    await sys.stop().catch(() => {})
  }
}

/** One run of the steady mode: the hold at `rate`, settle, stop. */
function runSteady(start: () => Promise<Started>, rate: number): Promise<Run> {
  return withSystem(start, async (sys) => {
    const { gen, cpuPercent, rssQuarterMb, rssEndMb } = await send(sys, rate, holdSeconds)
    await sys.settle()
    const final = await sys.stop()
    const c = final.counters
    const lost = gen.sent - final.stored
    const run: Run = {
      system: sys.system,
      rate,
      holdSeconds,
      sent: gen.sent,
      stored: final.stored,
      received: c?.received ?? null,
      rejected_unknown_sender: c?.rejected_unknown_sender ?? null,
      dropped_backpressure: c?.dropped_backpressure ?? null,
      dropped_journal_full: c?.dropped_journal_full ?? null,
      dropped_write_error: c?.dropped_write_error ?? null,
      kernel_drops: final.kernelDrops,
      receiveBufferBytes: final.receiveBufferBytes,
      lost,
      lossless: false,
      ...resources(gen, cpuPercent, { peak: final.peakRssMb, quarter: rssQuarterMb, end: rssEndMb }, final.check),
    }
    run.lossless = lost === 0 && run.kernel_drops === 0 && !run.dropped_backpressure && !run.dropped_journal_full && run.rowsWrong === 0
    return run
  })
}

/** One run of the burst mode: see `BurstRun`. */
interface BurstRun {
  system: string
  rate: number
  holdSeconds: number
  sent: number
  stored: number
  /** sent − stored, by cause; `other` is what no counter explains (a peer: all but the kernel's). */
  loss: { kernel: number; journal_full: number | null; backpressure: number | null; other: number }
  /** logsift's engine counters at stop; null for a peer. */
  counters: EngineCounts | null
  /** Rows stored when the generator stopped. */
  storedDuringSend: number
  /** Rows stored after the generator stopped: the backlog it held and then stored. */
  absorbed: number
  /** logsift: the largest backlog seen (received, neither stored nor dropped), polled every 250 ms. */
  peakBacklogRows: number | null
  peakJournalBytes: number | null
  peakRssMb: number
  /** From the generator's stop to the last row stored; null: still storing at the drain deadline. */
  drainSeconds: number | null
  /** `absorbed` / `drainSeconds`: the storage rate while it worked off the backlog. */
  drainRate: number | null
  /** CPU of the system and the generator while sending. */
  cpuPercent: number
  generatorCpuPercent: number
  rowsChecked: number
  rowsWrong: number
  lossless: boolean
}

/** Sends at `rate` for `holdSeconds`, then keeps watching until the system has drained or `drainSeconds` have passed. */
function runBurst(start: () => Promise<Started>, rate: number): Promise<BurstRun> {
  return withSystem(start, async (sys) => {
    let peakBacklog: number | null = null
    let peakJournal: number | null = null
    const seen = (p: Progress) => {
      if (p.backlog !== null) peakBacklog = Math.max(peakBacklog ?? 0, p.backlog)
      if (p.journalBytes !== null) peakJournal = Math.max(peakJournal ?? 0, p.journalBytes)
    }
    let sending = true
    const sampler = (async () => {
      while (sending) {
        seen(await sys.progress())
        await new Promise((r) => setTimeout(r, 250))
      }
    })()
    const sentPhase = await send(sys, rate, holdSeconds).finally(() => (sending = false))
    await sampler
    const sendEnd = Date.now()
    const atSendEnd = await sys.progress()
    seen(atSendEnd)
    const drain = await untilDrained(sys, sendEnd, drainDeadlineSeconds * 1000, seen)
    const final = await sys.stop()
    const { gen } = sentPhase
    const c = final.counters
    const counted = final.kernelDrops + (c?.dropped_journal_full ?? 0) + (c?.dropped_backpressure ?? 0)
    const drainSeconds = drain.drainedAt === null ? null : (drain.drainedAt - sendEnd) / 1000
    const absorbed = final.stored - atSendEnd.stored
    return {
      system: sys.system,
      rate,
      holdSeconds,
      sent: gen.sent,
      stored: final.stored,
      loss: { kernel: final.kernelDrops, journal_full: c?.dropped_journal_full ?? null, backpressure: c?.dropped_backpressure ?? null, other: gen.sent - final.stored - counted },
      counters: c,
      storedDuringSend: atSendEnd.stored,
      absorbed,
      peakBacklogRows: peakBacklog,
      peakJournalBytes: peakJournal,
      peakRssMb: final.peakRssMb,
      drainSeconds,
      drainRate: drainSeconds === null || drainSeconds === 0 ? null : absorbed / drainSeconds,
      cpuPercent: sentPhase.cpuPercent,
      generatorCpuPercent: (gen.cpu_seconds / gen.seconds) * 100,
      rowsChecked: final.check.checked,
      rowsWrong: final.check.wrong,
      lossless: gen.sent === final.stored && final.check.wrong === 0,
    }
  })
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

const thousands = (x: number) => (x >= 1000 ? `${Math.round(x / 1000)}k` : String(Math.round(x)))
const orDash = (x: number | null, f: (x: number) => string) => (x === null ? '-' : f(x))
/** The rate the generator reached, which on a loaded machine is below the rate asked. */
const reachedRate = (r: { sent: number; holdSeconds: number }) => r.sent / r.holdSeconds

function printRow(r: Run): void {
  console.log(
    [
      r.system.padEnd(9),
      thousands(r.rate).padStart(6),
      thousands(reachedRate(r)).padStart(7),
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

/** The burst table: heading, width (negative: left-aligned) and cell of each column. */
const BURST_COLUMNS: readonly [string, number, (r: BurstRun) => string][] = [
  ['system', -9, (r) => r.system],
  ['rate', 6, (r) => thousands(r.rate)],
  ['reached', 7, (r) => thousands(reachedRate(r))],
  ['hold', 5, (r) => `${r.holdSeconds}s`],
  ['sent', 10, (r) => String(r.sent)],
  ['stored', 10, (r) => String(r.stored)],
  ['loss', 7, (r) => `${(((r.sent - r.stored) / Math.max(1, r.sent)) * 100).toFixed(2)}%`],
  ['kdrops', 8, (r) => String(r.loss.kernel)],
  ['jfull', 8, (r) => orDash(r.loss.journal_full, String)],
  ['bpdrops', 8, (r) => orDash(r.loss.backpressure, String)],
  ['other', 8, (r) => String(r.loss.other)],
  ['absorbed', 9, (r) => String(r.absorbed)],
  ['backlog', 9, (r) => orDash(r.peakBacklogRows, String)],
  ['journal', 8, (r) => orDash(r.peakJournalBytes, (b) => `${(b / 2 ** 20).toFixed(0)} MB`)],
  ['rss', 8, (r) => `${r.peakRssMb.toFixed(0)} MB`],
  ['drain', 7, (r) => orDash(r.drainSeconds, (s) => `${s.toFixed(1)}s`)],
  ['drain/s', 8, (r) => orDash(r.drainRate, (x) => `${thousands(x)}/s`)],
  ['rows ok', 10, (r) => `${r.rowsChecked - r.rowsWrong}/${r.rowsChecked}`],
  ['result', -8, (r) => (r.lossless ? 'lossless' : 'LOSS')],
]

function burstLine(cell: (c: (typeof BURST_COLUMNS)[number]) => string): string {
  return BURST_COLUMNS.map((c) => (c[1] < 0 ? cell(c).padEnd(-c[1]) : cell(c).padStart(c[1])))
    .join(' ')
    .trimEnd()
}

function writeResults(results: object): void {
  mkdirSync('bench/results', { recursive: true })
  const out = join('bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(out, JSON.stringify(results, null, 2))
  console.log(`wrote ${out}`)
}

async function main(): Promise<void> {
  const systems = [{ name: 'logsift', start: startLogsift }, ...selectedPeers().map((peer) => ({ name: peer.system, start: () => startPeer(peer) }))]
  execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'logsift-loadgen'], { stdio: 'inherit' })
  if (burstRate !== undefined) {
    console.log(`burst of ${systems.map((s) => s.name).join(', ')}: ${burstRate.toLocaleString('en-US')} msg/s for ${holdSeconds} s, then drain (deadline ${drainDeadlineSeconds} s), generator on the same host`)
    console.log(burstLine(([heading]) => heading))
    const runs: BurstRun[] = []
    for (const s of systems) {
      const r = await runBurst(s.start, burstRate)
      console.log(burstLine(([, , cell]) => cell(r)))
      runs.push(r)
    }
    writeResults({ mode: 'burst', rate: burstRate, holdSeconds, drainDeadlineSeconds, runs })
    return
  }
  console.log(`throughput of ${systems.map((s) => s.name).join(', ')}, hold ${holdSeconds} s per rate, generator on the same host (${quick ? 'quick' : 'full'} mode)`)
  console.log('system      rate reached       sent     stored    loss  kdrops  bpdrops    cpu  gencpu     rss  rss ¼→end   rows ok  result')
  const runs: Run[] = []
  const measure = (start: () => Promise<Started>) => async (rate: number) => {
    const r = await runSteady(start, rate)
    printRow(r)
    runs.push(r)
    return r
  }
  if (fixedRates) {
    // Rate by rate, every system in turn, so a noisy spell on the machine hits them alike.
    for (const rate of fixedRates) for (const s of systems) await measure(s.start)(rate)
  } else {
    for (const s of systems) await bisect(measure(s.start))
  }
  // What was sent counts, not what was asked: the generator shares the cores with the system under test.
  const best = Object.fromEntries(
    systems.map((s) => {
      const held = runs.filter((r) => r.system === s.name && r.lossless).sort((a, b) => reachedRate(b) - reachedRate(a))[0]
      return [s.name, held === undefined ? null : { reached: Math.round(reachedRate(held)), asked: held.rate }]
    }),
  )
  const describe = (b: (typeof best)[string]) => (b === null ? 'none' : `${b.reached.toLocaleString('en-US')} msg/s (asked ${b.asked.toLocaleString('en-US')})`)
  console.log(`highest lossless rate reached: ${systems.map((s) => `${s.name} ${describe(best[s.name]!)}`).join(', ')}`)
  writeResults({ holdSeconds, quick, bestLosslessRate: best, runs })
}

await main()
