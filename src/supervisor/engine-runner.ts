/**
 * @module
 * One engine at work: the native engine receiving, and a pump that pulls its batches
 * into the engine's {@link DuckDBWriter}. The runner owns the accounting that spans both
 * (SPEC §4): `received + replayed = stored + rejected_unknown_sender + dropped_backpressure +
 * dropped_journal_full + dropped_journal_error + dropped_disk_full + dropped_write_error +
 * in flight`, where nothing is in flight once it has stopped, and `replayed` counts rows an
 * engine's journal kept from an earlier run (received then, stored now).
 *
 * Rows are lost to a failing disk in two places: the journal's write (`dropped_journal_error`,
 * counted natively) and DuckDB's (`dropped_write_error`). Both make the state `error` for a
 * while ({@link WriteLosses}), so the console banner and `logsift_engine_up` show either.
 *
 * With a journal, the runner acknowledges each chunk's journal records once the commit
 * holding its rows is done, and before pulling any chunk it acknowledges the records the
 * day files say are committed already: a restart after a crash stores each row once.
 */
import { emptyBatch } from '../engine/empty-batch.js'
import { Engine, type EngineStats, type JournalWriteError } from '../engine/engine.js'
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

/**
 * How often the pump looks at the journal's failed writes, which the native engine counts
 * on its receiver threads: the log line comes within this even when nobody reads the state.
 */
const JOURNAL_CHECK_MS = 250

/**
 * A journal episode ends once its latest write succeeded and none failed for this long:
 * on a full disk a small chunk may still fit the segment's last page between failures,
 * which is no recovery to announce.
 */
const JOURNAL_RESUMED_AFTER_MS = 5_000

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

/** The counter a failed write's rows are in: lost by DuckDB's write, or by the journal's. */
export type LossCounter = 'dropped_write_error' | 'dropped_journal_error'

/** The latest failed write of an engine, for the console banner. */
export interface WriteFailure {
  /** When it happened, in milliseconds since the epoch. */
  at: number
  /** Rows lost in it (for the journal: in its episode so far, see {@link WriteLosses.journal}). */
  rows: number
  error: Error
  counter: LossCounter
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
   * `timezone` is the zone of header time stamps that carry none. With `previous` (the
   * engine it replaces) its UDP sockets are taken over when the listen settings are the same.
   */
  static bind(plan: EnginePlan, timezone: string, previous?: Engine): Engine {
    const settings = engineSettings(plan, timezone)
    return previous === undefined ? Engine.start(settings) : Engine.takeOver(previous, settings)
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
    this.checkJournal()
    if (this.stateNow !== 'running') return this.stateNow
    if (this.writer.failing) return 'error'
    if (this.diskFull()) return 'disk_full'
    return this.writeFailure ? 'error' : 'running'
  }

  /** The latest failed write while it is shown ({@link WRITE_ERROR_SHOWN_MS}), or while its cause lasts ({@link stillFailing}). */
  get writeFailure(): WriteFailure | undefined {
    this.checkJournal()
    const f = this.losses.latest
    if (f === undefined) return undefined
    return this.stillFailing(f) || Date.now() - f.at < WRITE_ERROR_SHOWN_MS ? f : undefined
  }

  /** True while the cause of `failure` lasts: the day file is not written, or the journal's writes fail. */
  stillFailing(failure: WriteFailure): boolean {
    return failure.counter === 'dropped_write_error' ? this.writer.failing : this.losses.journalFailing
  }

  /**
   * Takes in the journal's failed writes since the last look. The state and failure
   * getters call it too, so what they show is never behind the counters read beside them.
   */
  private checkJournal(): void {
    this.losses.journal(this.engine.stats().dropped_journal_error, () => this.engine.journalWriteError())
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
    let journalChecked = 0
    while (!this.engine.finished()) {
      if (Date.now() - journalChecked >= JOURNAL_CHECK_MS) {
        this.checkJournal()
        journalChecked = Date.now()
      }
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
    this.checkJournal()
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

/**
 * Rows an engine lost to failed writes: DuckDB's (`dropped_write_error`, counted here) and
 * the journal's (`dropped_journal_error`, counted natively and taken in here), and the
 * latest failure of either.
 */
class WriteLosses {
  /** `dropped_write_error`. */
  rows = 0
  latest: WriteFailure | undefined
  /** `dropped_journal_error` when last taken in. */
  private journalSeen = 0
  /** Whether the journal's latest write failed, when last taken in. */
  private journalLatestFailed = false
  /** The journal's failure since the first failed write of an episode, until it ends ({@link JOURNAL_RESUMED_AFTER_MS}). */
  private journalEpisode: WriteFailure | undefined

  constructor(private readonly engine: string) {}

  /** True while the journal's latest write failed. */
  get journalFailing(): boolean {
    return this.journalEpisode !== undefined && this.journalLatestFailed
  }

  /** The rows are gone: say so in the counter, the state and the log, not in a log line alone. */
  count(rows: number, error: Error): void {
    this.rows += rows
    this.latest = { at: Date.now(), rows, error, counter: 'dropped_write_error' }
    logEvent('error', 'engine.write_failed', { engine: this.engine, rows, dropped_write_error: this.rows, ...errorFields(error) })
  }

  /**
   * Takes in the engine's `dropped_journal_error` now and, when it moved or an episode is
   * open, why (`cause`). A full disk fails the journal's write of every chunk, so the log
   * says so once per episode: from the first failed write until writes succeed again
   * ({@link JOURNAL_RESUMED_AFTER_MS}).
   */
  journal(dropped: number, cause: () => JournalWriteError | null): void {
    const rows = dropped - this.journalSeen
    const episode = this.journalEpisode
    if (rows === 0 && episode === undefined) return
    this.journalSeen = dropped
    const now = cause()
    this.journalLatestFailed = now?.failing ?? false
    if (rows > 0) {
      const error = new Error(now?.error ?? 'the journal could not write')
      this.journalEpisode = { at: Date.now(), rows: (episode?.rows ?? 0) + rows, error, counter: 'dropped_journal_error' }
      this.latest = this.journalEpisode
      if (episode === undefined) {
        logEvent('error', 'engine.journal_write_failed', { engine: this.engine, rows, dropped_journal_error: dropped, ...errorFields(error) })
      }
    } else if (episode !== undefined && !this.journalLatestFailed && Date.now() - episode.at >= JOURNAL_RESUMED_AFTER_MS) {
      logEvent('info', 'engine.journal_write_resumed', { engine: this.engine, rows: episode.rows, dropped_journal_error: dropped })
      this.journalEpisode = undefined
    }
  }
}
