/**
 * @module
 * Runs every engine of a plan and applies a new plan live (SIGHUP, console edits):
 * engines added are started, removed ones stopped (their rows stored first), changed
 * ones updated in place; engines whose plan did not change are not touched, so they keep
 * receiving without a gap. An engine's counters count for the life of the process: a
 * runner that replaces another, or an engine re-created under a name deleted before,
 * continues the counters of the one before.
 */
import { mkdir } from 'node:fs/promises'
import type { Plan } from '../config/plan.js'
import type { Engine } from '../engine/engine.js'
import type { Clock } from '../store/day-files.js'
import { DiskGuard, type FreeSpaceProbe } from './disk-guard.js'
import { EngineRunner, type StorageSettings, type WriteFailure } from './engine-runner.js'
import { sameEngine } from './engine-settings.js'

/** What a reload did, for the log and the audit trail. */
export interface ReloadSummary {
  started: string[]
  stopped: string[]
  updated: string[]
  unchanged: string[]
}

/** An engine's latest failed write, with its total of rows lost that way (the console banner). */
export interface EngineWriteFailure extends WriteFailure {
  engine: string
  /** The engine's total so far in the failure's counter (`dropped_write_error` or `dropped_journal_error`). */
  dropped: number
  /** True while the cause lasts: its day file is not written (reopening failed so far), or its journal's writes fail. */
  stillFailing: boolean
}

/** Options that tests inject. */
export interface SupervisorOptions {
  clock?: Clock
  closeGraceMs?: number
  /** Receives errors from background work (commits, failed appends). */
  onError?: (error: Error) => void
  /** Free space of the data file system, in percent, for the disk guard. Default `statfs`. */
  freeSpace?: FreeSpaceProbe
  /** Time between free-space probes, in milliseconds. Default 1000. */
  diskCheckIntervalMs?: number
  /** Hears that a damaged day file was moved aside and its engine started a fresh one. */
  onDamagedDayFile?: StorageSettings['onDamagedDayFile']
}

/** Owns the engine runners of a plan. */
export class Supervisor {
  private readonly runners = new Map<string, EngineRunner>()
  /** Stopped runners of deleted engines, whose counters a re-created engine of the name continues. */
  private readonly retired = new Map<string, EngineRunner>()
  private reloading: Promise<unknown> = Promise.resolve()

  private constructor(
    private plan: Plan,
    private readonly options: SupervisorOptions,
    /** Free-space watch shared by every engine (they share the data directory). */
    readonly diskGuard: DiskGuard,
  ) {}

  /**
   * Starts every engine of `plan`: all sockets are bound before any file is created, so
   * a port in use fails the start with no day file written. If anything fails, what was
   * started is stopped again and the error is thrown: no half start.
   */
  static async start(plan: Plan, options: SupervisorOptions = {}): Promise<Supervisor> {
    const bound: Engine[] = []
    try {
      for (const e of plan.engines) bound.push(EngineRunner.bind(e, plan.timezone))
    } catch (e) {
      await Promise.all(bound.map((b) => b.stop()))
      throw e
    }
    let guard: DiskGuard
    try {
      // statfs needs the directory to exist.
      await mkdir(plan.dataDir, { recursive: true, mode: 0o700 })
      guard = await DiskGuard.start({
        dataDir: plan.dataDir,
        minFreePercent: plan.diskGuard.minFreePercent,
        ...(options.freeSpace === undefined ? {} : { probe: options.freeSpace }),
        ...(options.diskCheckIntervalMs === undefined ? {} : { intervalMs: options.diskCheckIntervalMs }),
      })
    } catch (e) {
      await Promise.all(bound.map((b) => b.stop()))
      throw e
    }
    const s = new Supervisor(plan, options, guard)
    try {
      for (const [i, e] of plan.engines.entries()) {
        s.runners.set(e.name, await EngineRunner.start(e, s.storage(plan), s.onError, bound[i]))
      }
    } catch (e) {
      await Promise.all(bound.slice(s.runners.size).map((b) => b.stop()))
      await s.stop()
      throw e
    }
    return s
  }

  /** The plan running now. */
  get current(): Plan {
    return this.plan
  }

  /** Runners in plan order. */
  engines(): EngineRunner[] {
    return this.plan.engines.map((e) => this.runners.get(e.name)).filter((r): r is EngineRunner => r !== undefined)
  }

  /** Engines that lost rows to failed writes lately (the console banner), in plan order. */
  writeFailures(): EngineWriteFailure[] {
    return this.engines().flatMap((r) => {
      const f = r.writeFailure
      return f === undefined ? [] : [{ ...f, engine: r.name, dropped: r.counters()[f.counter], stillFailing: r.stillFailing(f) }]
    })
  }

  /** The runner of engine `name`. */
  engine(name: string): EngineRunner | undefined {
    return this.runners.get(name)
  }

  /**
   * Moves to `next`. Storage settings (data dir, zone, flush interval) changing restarts
   * every engine's writer; otherwise only engines whose own plan changed are touched.
   * New engines are started before anything is stopped, so a bad new engine (port in
   * use) fails the reload with the old engines still running.
   */
  reload(next: Plan): Promise<ReloadSummary> {
    // SIGHUP and console edits may overlap; each reload sees the plan the previous one left.
    const run = this.reloading.then(() => this.apply(next))
    this.reloading = run.catch(() => undefined)
    return run
  }

  private async apply(next: Plan): Promise<ReloadSummary> {
    const summary: ReloadSummary = { started: [], stopped: [], updated: [], unchanged: [] }
    const storageChanged = JSON.stringify(this.storage(this.plan)) !== JSON.stringify(this.storage(next))
    const nextNames = new Set(next.engines.map((e) => e.name))
    const started: EngineRunner[] = []
    try {
      await mkdir(next.dataDir, { recursive: true, mode: 0o700 })
      await this.diskGuard.update(next.dataDir, next.diskGuard.minFreePercent)
      for (const e of next.engines) {
        if (this.runners.has(e.name)) continue
        const runner = await EngineRunner.start(e, this.storage(next), this.onError)
        const before = this.retired.get(e.name)
        if (before) runner.continueFrom(before)
        started.push(runner)
      }
    } catch (e) {
      await Promise.all(started.map((r) => r.stop()))
      throw e
    }
    for (const [name, runner] of [...this.runners]) {
      if (nextNames.has(name)) continue
      await runner.stop()
      this.runners.delete(name)
      this.retired.set(name, runner)
      summary.stopped.push(name)
    }
    for (const e of next.engines) {
      const runner = this.runners.get(e.name)
      if (runner === undefined) continue
      if (storageChanged) {
        // A new data dir or zone means new files: stop (storing everything) and start anew.
        // The new engine takes over the old one's UDP sockets (same listen settings), which
        // stay open: binding new ones beside them and closing the old lost the datagrams the
        // kernel gave an old socket after its last read. Other sockets are bound first
        // (SO_REUSEPORT). Rows queue until the new writer is open: the new engine opens the
        // journal (the same one for a new zone) once the old one has closed it.
        const bound = EngineRunner.bind(e, next.timezone, runner.receiver)
        await runner.stop()
        const replacement = await EngineRunner.start(e, this.storage(next), this.onError, bound)
        replacement.continueFrom(runner)
        this.runners.set(e.name, replacement)
        summary.updated.push(e.name)
      } else if (!sameEngine(runner.plan, e)) {
        await runner.update(e)
        summary.updated.push(e.name)
      } else {
        summary.unchanged.push(e.name)
      }
    }
    for (const r of started) {
      this.runners.set(r.name, r)
      this.retired.delete(r.name)
      summary.started.push(r.name)
    }
    this.plan = next
    return summary
  }

  /** Stops every engine: receive stops, queued rows are stored, files committed and closed. */
  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()))
    this.diskGuard.stop()
  }

  private storage(plan: Plan): StorageSettings {
    return {
      dataDir: plan.dataDir,
      timezone: plan.timezone,
      flushIntervalMs: plan.flushIntervalMs,
      ...(this.options.closeGraceMs === undefined ? {} : { closeGraceMs: this.options.closeGraceMs }),
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      diskFull: () => this.diskGuard.full,
      ...(this.options.onDamagedDayFile === undefined ? {} : { onDamagedDayFile: this.options.onDamagedDayFile }),
    }
  }

  private readonly onError = (error: Error): void => {
    ;(this.options.onError ?? ((e: Error) => process.emitWarning(e)))(error)
  }
}
