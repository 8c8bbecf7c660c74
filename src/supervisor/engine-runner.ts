/**
 * @module
 * One engine at work: the native engine receiving, and a pump that pulls its batches
 * into the engine's {@link DuckDBWriter}. The runner owns the accounting that spans both
 * (SPEC §4): `received + replayed = stored + rejected_unknown_sender + dropped_backpressure +
 * dropped_journal_full + dropped_disk_full + dropped_write_error + in flight`, where nothing
 * is in flight once it has stopped, and `replayed` counts rows an engine's journal kept
 * from an earlier run (received then, stored now).
 *
 * With a journal, the runner acknowledges each chunk's journal records once the commit
 * holding its rows is done, and before pulling any chunk it acknowledges the records the
 * day files say are committed already: a restart after a crash stores each row once.
 */
import { emptyBatch } from '../engine/empty-batch.js'
import { Engine, type EngineStats } from '../engine/engine.js'
import type { RowChunk } from '../engine/row-chunk.js'
import type { EnginePlan } from '../config/plan.js'
import { DuckDBWriter, type MovedDayFile } from '../store/duckdb-writer.js'
import { errorFields, logEvent } from '../log.js'
import type { Clock } from '../store/day-files.js'
import { carryForward } from './carried-counters.js'
import { engineSettings } from './engine-settings.js'
import { LatencyHistogram } from './latency-histogram.js'

/**
 * Chunks the pump hands the writer before waiting for the oldest: the next chunk is
 * taken from the engine while the previous one is being appended.
 */
const APPENDS_IN_FLIGHT = 2

/**
 * How long the state stays `error` after rows were lost to a failed write, though the
 * day file was reopened at once: long enough for the console banner and `engine_up` to
 * be seen rather than flicker for a second.
 */
const WRITE_ERROR_SHOWN_MS = 5 * 60_000

/** Where and how the runner stores rows. */
export interface StorageSettings {
  dataDir: string
  timezone: string
  flushIntervalMs: number
  /** Grace period before a past day's file is released (default 60 s). */
  closeGraceMs?: number
  clock?: Clock
  /**
   * True while the disk guard says the data file system is too full to store; rows are
   * then dropped and counted as `dropped_disk_full`. Default: never full. (A function, so
   * the supervisor's JSON comparison of storage settings ignores it.)
   */
  diskFull?: () => boolean
  /** Hears that a damaged day file was moved aside and a fresh one started (a function, like `diskFull`). */
  onDamagedDayFile?: (moved: MovedDayFile & { engine: string }) => void
}

/**
 * Counters of one engine, spelled as in the spec. A replacing runner sums every numeric
 * field onto its predecessor's; a level (gauge) or maximum must be named in `carried-counters.ts`.
 */
export interface EngineCounters extends EngineStats {
  /** Rows committed to day files. */
  stored: number
  /** Rows appended but not yet committed. */
  pending_commit: number
  /** Rows lost because appending to or committing in DuckDB failed, at stop too. */
  dropped_write_error: number
  /** Rows dropped unstored while the disk guard was on. */
  dropped_disk_full: number
  /** Longest commit so far, in milliseconds. */
  max_flush_ms: number
}

/** Lifecycle state shown in the console. */
export type RunnerState = 'running' | 'disk_full' | 'stopping' | 'stopped' | 'error'

/** The latest failed write of an engine, for the console banner. */
export interface WriteFailure {
  /** When it happened, in milliseconds since the epoch. */
  at: number
  /** Rows lost in it. */
  rows: number
  error: Error
}

/** An engine plus its writer and the loop between them. */
export class EngineRunner {
  private pumping: Promise<void>
  private droppedDiskFull = 0
  private stateNow: RunnerState = 'running'
  /** Final counters of the runners this one continues (same engine name), if any. */
  private carried: EngineCounters | undefined
  private readonly batchListeners = new Set<(rows: RowChunk) => void>()

  private constructor(
    private readonly engine: Engine,
    private readonly writer: DuckDBWriter,
    /** The plan it runs now. */
    public plan: EnginePlan,
    private readonly onError: (error: Error) => void,
    private readonly diskFull: () => boolean,
    /** Duration of each commit of this engine's writer. */
    readonly flushLatency: LatencyHistogram,
    /** The time zone of zone-less header stamps (the storage zone, fixed per runner). */
    private readonly timezone: string,
    /** Shared with the writer, which reports rows its failed commits lost. */
    private readonly losses: WriteLosses,
  ) {
    this.pumping = this.pump()
  }

  /**
   * Binds the engine's sockets (throws on a bad pattern or a port in use); no file yet.
   * `timezone` is the zone of header time stamps that carry none.
   */
  static bind(plan: EnginePlan, timezone: string): Engine {
    return Engine.start(engineSettings(plan, timezone))
  }

  /**
   * Opens today's file for an engine {@link bind} started and starts storing. If the
   * file cannot be opened the sockets are released again: a failed start leaves nothing.
   */
  static async start(
    plan: EnginePlan,
    storage: StorageSettings,
    onError: (error: Error) => void,
    engine: Engine = EngineRunner.bind(plan, storage.timezone),
  ): Promise<EngineRunner> {
    try {
      const { diskFull = () => false, onDamagedDayFile = () => {}, ...settings } = storage
      const flushLatency = new LatencyHistogram()
      const losses = new WriteLosses(plan.name)
      // Here, not at bind: an engine bound to take over from another opens the journal
      // once that one has stopped and closed it.
      engine.openJournal()
      const journalId = engine.journalId
      const writer = await DuckDBWriter.create({
        ...settings,
        engine: plan.name,
        onError,
        onCommit: (_rows, ms, records) => {
          flushLatency.observeMs(ms)
          for (const [first, last] of records) engine.ackJournal(first, last)
        },
        onWriteFailure: (loss) => losses.count(loss.rows, loss.error),
        onReopened: (day) => logEvent('info', 'engine.day_file_reopened', { engine: plan.name, day }),
        onDamagedFile: (moved) => onDamagedDayFile({ ...moved, engine: plan.name }),
        ...(journalId !== null && { journalId }),
      })
      try {
        if (journalId !== null) {
          for (const [first, last] of await writer.committedJournalRecords(journalId)) engine.ackJournal(first, last)
        }
        // Creates (or widens) today's table now rather than at the first message.
        const { class: cls, structuredData } = engineSettings(plan, storage.timezone)
        await writer.append(emptyBatch(cls, structuredData))
      } catch (e) {
        await writer.close()
        throw e
      }
      return new EngineRunner(engine, writer, plan, onError, diskFull, flushLatency, storage.timezone, losses)
    } catch (e) {
      await engine.stop()
      engine.closeJournal()
      throw e
    }
  }

  /** The engine's name. */
  get name(): string {
    return this.plan.name
  }

  /** Lifecycle state. */
  get state(): RunnerState {
    if (this.stateNow !== 'running') return this.stateNow
    if (this.writer.failing) return 'error'
    if (this.diskFull()) return 'disk_full'
    return this.writeFailure ? 'error' : 'running'
  }

  /** The latest failed write while it is shown ({@link WRITE_ERROR_SHOWN_MS}), or while the day file is not written. */
  get writeFailure(): WriteFailure | undefined {
    const f = this.losses.latest
    if (f === undefined) return undefined
    return this.writer.failing || Date.now() - f.at < WRITE_ERROR_SHOWN_MS ? f : undefined
  }

  /** The writer, for reading today's rows through its instance. */
  get store(): DuckDBWriter {
    return this.writer
  }

  /** The native engine (sockets, unknown senders, recent lines). */
  get receiver(): Engine {
    return this.engine
  }

  /** Applies a changed plan live: no socket closes before its replacement is bound. */
  async update(plan: EnginePlan): Promise<void> {
    const settings = engineSettings(plan, this.timezone)
    this.engine.update(settings)
    this.plan = plan
    // New columns exist from now on, even before a row fills them.
    await this.writer.append(emptyBatch(settings.class, settings.structuredData))
  }

  /**
   * Counters of receiver and writer together, continued from the runners this one
   * replaced ({@link continueFrom}): monotonic for the life of the process.
   */
  counters(): EngineCounters {
    const own = this.ownCounters()
    return this.carried ? carryForward(this.carried, own) : own
  }

  /**
   * Continues the counters and commit latencies of `previous`, the stopped runner this
   * one replaces for the same engine name. Call before anyone reads this runner.
   */
  continueFrom(previous: EngineRunner): void {
    this.carried = previous.counters()
    this.flushLatency.add(previous.flushLatency)
  }

  private ownCounters(): EngineCounters {
    const w = this.writer.stats()
    return {
      ...this.engine.stats(),
      stored: w.stored,
      pending_commit: w.pending,
      dropped_write_error: this.losses.rows,
      dropped_disk_full: this.droppedDiskFull,
      max_flush_ms: w.maxFlushMs,
    }
  }

  /**
   * Calls `listener` with every chunk once it is stored (the console's live tail). It runs
   * on the pump, so it must only look, and be cheap; the chunk is released after it
   * returns. Returns the unsubscribe function.
   */
  onBatch(listener: (rows: RowChunk) => void): () => void {
    this.batchListeners.add(listener)
    return () => this.batchListeners.delete(listener)
  }

  /**
   * Stops receiving (each socket's kernel queue is read to the end), stores every queued
   * row, commits and closes the day files.
   */
  async stop(): Promise<void> {
    if (this.stateNow !== 'running') return this.pumping
    this.stateNow = 'stopping'
    try {
      await this.engine.stop()
      await this.pumping
    } finally {
      // Rows the final commit cannot store are counted by the writer, not thrown.
      try {
        await this.writer.close()
      } finally {
        this.engine.closeJournal()
        this.stateNow = 'stopped'
      }
    }
  }

  /**
   * Moves chunks from the engine to the writer, {@link APPENDS_IN_FLIGHT} at a time.
   * Chunks reach the tail listeners and are released in the order they were received.
   */
  private async pump(): Promise<void> {
    const inFlight: Promise<void>[] = []
    let previous: Promise<void> = Promise.resolve()
    while (!this.engine.finished()) {
      const chunk = await this.engine.nextChunk()
      if (chunk === null) continue
      // Keep pulling while the disk is full: leaving rows in the native queue would turn
      // them into dropped_backpressure and hide the reason.
      const stored = this.diskFull() ? this.dropForDiskFull(chunk) : this.storeChunk(chunk)
      previous = Promise.all([previous, stored]).then(([, ok]) => {
        if (ok) this.showChunk(chunk)
        chunk.release()
      })
      inFlight.push(previous)
      if (inFlight.length >= APPENDS_IN_FLIGHT) await inFlight.shift()
    }
    await previous
  }

  private async dropForDiskFull(chunk: RowChunk): Promise<boolean> {
    this.droppedDiskFull += chunk.rowCount
    return false
  }

  /** Resolves with whether the chunk's rows were appended; a failure is counted, not thrown. */
  private async storeChunk(chunk: RowChunk): Promise<boolean> {
    try {
      await this.writer.append(chunk)
      return true
    } catch (e) {
      this.losses.count(chunk.rowCount, e instanceof Error ? e : new Error(String(e)))
      return false
    }
  }

  /** Hands a stored chunk to the tail listeners; one that throws is reported, not fatal to the pump. */
  private showChunk(chunk: RowChunk): void {
    for (const listener of this.batchListeners) {
      try {
        listener(chunk)
      } catch (e) {
        this.onError(new Error(`engine "${this.name}": a live-tail listener failed`, { cause: e }))
      }
    }
  }
}

/** Rows an engine lost to failed writes (`dropped_write_error`) and the latest failure. */
class WriteLosses {
  rows = 0
  latest: WriteFailure | undefined

  constructor(private readonly engine: string) {}

  /** The rows are gone: say so in the counter, the state and the log, not in a log line alone. */
  count(rows: number, error: Error): void {
    this.rows += rows
    this.latest = { at: Date.now(), rows, error }
    logEvent('error', 'engine.write_failed', { engine: this.engine, rows, dropped_write_error: this.rows, ...errorFields(error) })
  }
}
