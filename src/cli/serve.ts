/**
 * @module
 * `logsift serve`: load and check the config, start every engine, open the console.
 * Nothing half-starts — a bad config or a port in use exits non-zero with every socket
 * and file released. SIGTERM/SIGINT stop receiving, store every queued row, commit and
 * close within {@link STOP_DEADLINE_MS}; SIGHUP re-reads the config and applies the difference live.
 */
import { mkdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { Archiver } from '../archive/archiver.js'
import { ConfigError } from '../config/config-error.js'
import { configPath, loadPlan } from '../config/load.js'
import type { Plan } from '../config/plan.js'
import { manageNativeHeap } from '../engine/native-heap.js'
import { validateClassNatively } from '../engine/validate-class.js'
import { errorFields, logEvent } from '../log.js'
import type { Clock } from '../store/day-files.js'
import { Retention } from '../store/retention.js'
import type { FreeSpaceProbe } from '../supervisor/disk-guard.js'
import { Supervisor, type ReloadSummary } from '../supervisor/supervisor.js'
import { DataSizeTracker } from '../system/data-size-tracker.js'
import { SystemStore, type AuditInput } from '../system/system-store.js'
import type { StorageSettings } from '../supervisor/engine-runner.js'
import { createApp } from '../web/app.js'
import { startWebServer, type WebServer } from '../web/server.js'
import { configArgs, reportUsageError, UsageError } from './usage.js'
import { packageVersion } from './version.js'

/**
 * Longest a clean stop may take before the process exits anyway (SPEC §4). Draining a
 * full queue and kernel buffers behind a slow disk can take tens of seconds; losing them
 * to an impatient deadline would break "nothing accepted is lost on a clean stop".
 */
const STOP_DEADLINE_MS = 60_000

/** A running server, for tests and embedding. */
export interface RunningServer {
  supervisor: Supervisor
  web: WebServer
  systemStore: SystemStore
  /** Day-file retention; `sweep()` runs it now. */
  retention: Retention
  /** Archiving of closed days; `sweep()` runs it now. */
  archiver: Archiver
  /** Re-reads the config file and applies it. */
  reload(): Promise<ReloadSummary>
  /** Clean stop: engines drained and committed, console closed. */
  stop(): Promise<void>
}

/** What tests inject into {@link startServer}. */
export interface ServeOptions {
  /** Time source of writers and retention. Default the system clock. */
  clock?: Clock
  /** Free-space source of the disk guard. Default `statfs` of the data directory. */
  freeSpace?: FreeSpaceProbe
}

/** Starts everything from the config file at `file`. Throws `ConfigError` for a bad config. */
export async function startServer(file: string, options: ServeOptions = {}): Promise<RunningServer> {
  const { plan } = await loadPlan(file, { validateClass: validateClassNatively })
  const damaged = damagedFileRecorder()
  const stopTrimming = manageNativeHeap()
  const supervisor = await Supervisor.start(plan, {
    onError: (e) => logEvent('error', 'engine.error', errorFields(e)),
    onDamagedDayFile: damaged.record,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.freeSpace === undefined ? {} : { freeSpace: options.freeSpace }),
  }).catch((e: unknown) => {
    stopTrimming()
    throw e
  })
  let systemStore: SystemStore | undefined
  let dataSizes: DataSizeTracker | undefined
  let retention: Retention | undefined
  let archiver: Archiver | undefined
  try {
    await mkdir(dirname(plan.systemDbPath), { recursive: true, mode: 0o700 })
    systemStore = await SystemStore.create(plan.systemDbPath)
    const audited = systemStore
    await damaged.auditTo((entry) => audited.appendAudit(entry))
    const openDays = (engine: string) => supervisor.engine(engine)?.store.openDays().map((d) => d.day) ?? []
    const archiving = Archiver.start({
      plan: () => supervisor.current,
      openDays,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    })
    archiver = archiving
    retention = await Retention.start({
      plan: () => supervisor.current,
      openDays,
      archived: (engine, day) => archiving.isArchived(engine, day),
      audit: (entry) => audited.appendAudit(entry),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    })
    const reload = async (): Promise<ReloadSummary> => {
      const { plan: next } = await loadPlan(file, { validateClass: validateClassNatively })
      const summary = await supervisor.reload(next)
      logEvent('info', 'config.reloaded', {
        file,
        started: summary.started.join(',') || '-',
        stopped: summary.stopped.join(',') || '-',
        updated: summary.updated.join(',') || '-',
        unchanged: summary.unchanged.join(',') || '-',
      })
      return summary
    }
    const engineDirs = () => supervisor.current.engines.map((e) => ({ name: e.name, dataDir: join(supervisor.current.dataDir, e.name) }))
    dataSizes = await DataSizeTracker.create({ engines: engineDirs })
    const app = createApp({
      systemStore,
      dataDir: plan.dataDir,
      dataSizes,
      versions: { logsift: packageVersion(), duckdb: systemStore.duckdbVersion },
      tls: plan.http.tls !== undefined,
      control: { supervisor, configFile: resolve(file), reload },
    })
    const web = await startWebServer(app, { host: plan.http.host, port: plan.http.port, ...(plan.http.tls ? { tls: plan.http.tls } : {}) })
    logStarted(plan, supervisor, web, systemStore)
    const store = systemStore
    const sizes = dataSizes
    const sweeper = retention
    const archivist = archiving
    return {
      supervisor,
      web,
      systemStore: store,
      retention: sweeper,
      archiver: archivist,
      reload,
      async stop() {
        try {
          await web.close()
          await sweeper.stop()
          await archivist.stop()
          await supervisor.stop()
        } finally {
          // The final counters are on record however the stop went (rows it could not store are in dropped_write_error).
          for (const r of supervisor.engines()) logEvent('info', 'engine.stopped', { engine: r.name, ...r.counters() })
          stopTrimming()
          sizes.close()
          store.closeSync()
        }
      },
    }
  } catch (e) {
    stopTrimming()
    await retention?.stop()
    await archiver?.stop()
    dataSizes?.close()
    systemStore?.closeSync()
    await supervisor.stop()
    throw e
  }
}

/**
 * Logs each damaged day file moved aside and writes it to the audit log as user
 * `system`, like retention's deletions. Engines find such files while they start, before
 * the system store is open: those entries wait for {@link auditTo}.
 */
function damagedFileRecorder() {
  let audit: ((entry: AuditInput) => Promise<void>) | undefined
  const waiting: AuditInput[] = []
  const write = (entry: AuditInput) => audit!(entry).catch((e: unknown) => logEvent('error', 'audit.failed', { action: entry.action, ...errorFields(e) }))
  const record: NonNullable<StorageSettings['onDamagedDayFile']> = (moved) => {
    logEvent('error', 'day_file.moved_aside', { engine: moved.engine, day: moved.day, path: moved.path, moved_to: moved.movedTo, ...errorFields(moved.error) })
    const entry: AuditInput = {
      userName: 'system',
      action: 'day_file.moved_aside',
      target: moved.engine,
      details: `day file ${moved.day} was damaged and moved to ${basename(moved.movedTo)}; a fresh file was started`,
      address: null,
    }
    if (audit === undefined) waiting.push(entry)
    else void write(entry)
  }
  return {
    record,
    async auditTo(sink: (entry: AuditInput) => Promise<void>) {
      audit = sink
      for (const entry of waiting.splice(0)) await write(entry)
    },
  }
}

function logStarted(plan: Plan, supervisor: Supervisor, web: WebServer, store: SystemStore): void {
  for (const r of supervisor.engines()) {
    logEvent('info', 'engine.started', {
      engine: r.name,
      class: r.plan.className,
      udp: r.receiver.sockets().filter((s) => s.protocol === 'udp').map((s) => s.address).join(','),
      ...(r.plan.tcp && { tcp: r.receiver.sockets().filter((s) => s.protocol === 'tcp').map((s) => s.address).join(',') }),
      ...(r.plan.tls && { tls: r.receiver.sockets().filter((s) => s.protocol === 'tls').map((s) => s.address).join(',') }),
      receive_buffer_bytes: r.receiver.sockets()[0]?.receiveBufferBytes,
      data_dir: join(plan.dataDir, r.name),
    })
  }
  logEvent('info', 'console.listening', { url: web.url })
  if (store.setupToken) {
    logEvent('info', 'console.setup_needed', { url: `${web.url}/setup`, setup_token: store.setupToken })
    process.stdout.write(`\nNo console user yet. Open ${web.url}/setup and enter the setup token:\n\n    ${store.setupToken}\n\n(or run: logsift user add NAME --admin)\n\n`)
  }
}

/**
 * Runs the subcommand until a signal stops it. `argv` holds the arguments after `serve`:
 * `--config FILE` only; anything else is a usage error (exit 2) and starts nothing.
 */
export async function runServe(argv: readonly string[]): Promise<number> {
  try {
    configArgs(argv, 0)
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError('serve', e, process.stderr)
    throw e
  }
  const file = configPath(argv)
  // Handlers go in first: a signal that arrives while engines start must not kill the
  // process with its default action; it is acted on once the server is up.
  const pending: string[] = []
  let onSignal = (signal: string): void => {
    pending.push(signal)
  }
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal))

  let server: RunningServer
  try {
    server = await startServer(file)
  } catch (e) {
    if (e instanceof ConfigError) process.stderr.write(e.format() + '\n')
    else logEvent('error', 'serve.failed', { file, ...errorFields(e) })
    return 1
  }
  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      logEvent('info', 'serve.stopping', { signal })
      const deadline = setTimeout(() => {
        logEvent('error', 'serve.stop_timeout', { deadline_ms: STOP_DEADLINE_MS })
        // Rows still queued or uncommitted are lost with the process: put the numbers on record.
        for (const r of server.supervisor.engines()) logEvent('error', 'engine.not_drained', { engine: r.name, ...r.counters() })
        resolve(1)
      }, STOP_DEADLINE_MS)
      deadline.unref()
      server.stop().then(
        () => {
          clearTimeout(deadline)
          logEvent('info', 'serve.stopped', { signal })
          resolve(0)
        },
        (e: unknown) => {
          logEvent('error', 'serve.stop_failed', errorFields(e))
          resolve(1)
        },
      )
    }
    const reload = () => {
      if (stopping) return
      server.reload().catch((e: unknown) => {
        // A bad edit leaves the running config in place.
        if (e instanceof ConfigError) logEvent('error', 'config.reload_refused', { file, error: e.format().replace(/\n/g, '; ') })
        else logEvent('error', 'config.reload_failed', { file, ...errorFields(e) })
      })
    }
    onSignal = (signal) => (signal === 'SIGHUP' ? reload() : stop(signal))
    for (const signal of pending) onSignal(signal)
  })
}
