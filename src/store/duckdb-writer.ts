/**
 * @module
 * Stores an engine's rows in its day files (SPEC §4). Each row goes to the file of the
 * day its `received_at` falls on in the configured zone, so a chunk straddling midnight
 * is split. Rows are committed at least every `flushIntervalMs`. Past midnight
 * the old day stays open for a grace period, for rows still in flight, then is closed
 * so other processes can open it.
 *
 * A failed append or commit is never fatal: the day file's rows not yet committed are
 * counted as lost ({@link DuckDBWriterOptions.onWriteFailure}) and the file is opened
 * anew — DuckDB invalidates an instance whose checkpoint failed, so the old one is closed.
 *
 * @example
 * const writer = await DuckDBWriter.create({ dataDir: plan.dataDir, engine: 'mikrotik', timezone: plan.timezone })
 * for (;;) await writer.append(await engine.nextChunk())
 * // on SIGTERM:
 * await writer.close()
 */

import { existsSync } from 'node:fs'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type { Batch } from '../engine/batch.js'
import { chunkFromBatch, type RowChunk } from '../engine/row-chunk.js'
import { dayFilePath, daySpan, systemClock, type Clock, type DaySpan } from './day-files.js'
import { DamagedDayFileError, moveAside } from './day-file-check.js'
import { JOURNAL_COMMITS, MAX_MESSAGE_BYTES, OpenDay, ORDINARY_TEXT_BYTES, type CommitListener, type JournalRecords, type WriteLoss } from './open-day.js'
import { quoteLiteral } from './sql-quote.js'

/** Options of {@link DuckDBWriter.create}. */
export interface DuckDBWriterOptions {
  /** Absolute data directory (`plan.dataDir`). */
  dataDir: string
  /** Engine name; its files live in `<dataDir>/<engine>/`. */
  engine: string
  /** Canonical IANA zone deciding the day of a row (`plan.timezone`). */
  timezone: string
  /** Longest time between commits, in milliseconds. Default 1000. */
  flushIntervalMs?: number
  /** How long a past day stays open after its midnight, in milliseconds. Default 60,000. */
  closeGraceMs?: number
  /** Time source for rollover and closing. Default the system clock. */
  clock?: Clock
  /** Receives errors of the background flush, which has no caller to throw to. Default: a process warning. */
  onError?: (error: Error) => void
  /** Hears of every commit: rows committed, its duration in milliseconds (the flush-latency metric) and the journal records it stored. */
  onCommit?: CommitListener
  /**
   * Hears of rows appended but lost because a commit (or the final one at close) failed,
   * once per failed day file. Rows whose {@link DuckDBWriter.append} rejected are the
   * caller's to count. Default: ignored.
   */
  onWriteFailure?: (loss: WriteLoss & { day: string }) => void
  /** Hears that a day file failed before was opened anew and takes rows again. */
  onReopened?: (day: string) => void
  /** Hears that a damaged day file was moved aside and the day started in a fresh file. */
  onDamagedFile?: (moved: MovedDayFile) => void
  /**
   * The engine's journal: chunks with journal records are committed together with a
   * row naming those records (see `open-day.ts`). Default none.
   */
  journalId?: string
}

/** A damaged day file moved aside. */
export interface MovedDayFile {
  day: string
  /** Where it was, and where the fresh file is. */
  path: string
  /** Where it is now (`<day>.corrupt-<time>.duckdb`). */
  movedTo: string
  /** What was wrong with it. */
  error: Error
}

/** {@link DuckDBWriterOptions} with the defaults filled in (an engine may have no journal). */
type WriterSettings = Required<Omit<DuckDBWriterOptions, 'journalId'>> & Pick<DuckDBWriterOptions, 'journalId'>

/** Counters and timings of a writer. */
export interface WriterStats {
  /** Rows committed to day files since the writer started. */
  stored: number
  /** Rows appended but not yet committed. */
  pending: number
  /** Commits done. */
  flushes: number
  /** Duration of the latest commit, in milliseconds. */
  lastFlushMs: number
  /** Longest commit since the writer started, in milliseconds. */
  maxFlushMs: number
  /** Days with an open file, oldest first. */
  openDays: string[]
}

/** Writes one engine's batches into its day files. Built by {@link DuckDBWriter.create}. */
export class DuckDBWriter {
  private readonly days = new Map<string, OpenDay>()
  /** Days whose reopening failed, so that a retry each tick is reported once. */
  private readonly reopenFailing = new Set<string>()
  /** The longest text value day files are opened for; grows with the values appended, never shrinks. */
  private textCapacity = ORDINARY_TEXT_BYTES
  private readonly timer: NodeJS.Timeout
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private closing: Promise<void> | undefined
  private constructor(
    private readonly options: WriterSettings,
    private readonly counters: { stored: number; flushes: number; lastFlushMs: number; maxFlushMs: number },
    private readonly onCommit: CommitListener,
    private current: OpenDay,
  ) {
    this.days.set(current.span.day, current)
    const tick = () => {
      this.commitInBackground().catch((error: Error) => this.options.onError(error))
    }
    // Unref'd: a writer alone must not keep the process alive; shutdown calls close().
    this.timer = setInterval(tick, options.flushIntervalMs).unref()
  }

  /** Opens today's file (appending to it when it exists) and starts the commit timer. */
  static async create(options: DuckDBWriterOptions): Promise<DuckDBWriter> {
    const full: WriterSettings = {
      flushIntervalMs: 1000,
      closeGraceMs: 60_000,
      clock: systemClock,
      onError: (error) => process.emitWarning(error),
      onCommit: () => {},
      onWriteFailure: () => {},
      onReopened: () => {},
      onDamagedFile: () => {},
      ...options,
    }
    const span = daySpan(full.clock.now(), full.timezone)
    const counters = { stored: 0, flushes: 0, lastFlushMs: 0, maxFlushMs: 0 }
    const onCommit: CommitListener = (rows, ms, records) => {
      counters.stored += rows
      counters.flushes++
      counters.lastFlushMs = ms
      counters.maxFlushMs = Math.max(counters.maxFlushMs, ms)
      full.onCommit(rows, ms, records)
    }
    const today = await openDayFile(full, span, onCommit, ORDINARY_TEXT_BYTES)
    return new DuckDBWriter(full, counters, onCommit, today)
  }

  /** Whether a day file failed and has not been opened anew yet: appends to it are refused meanwhile. */
  get failing(): boolean {
    return [...this.days.values()].some((day) => day.failure !== undefined)
  }

  /** Rows committed since start. */
  get stored(): number {
    return this.counters.stored
  }

  /** Counters and commit timings. */
  stats(): WriterStats {
    let pending = 0
    for (const day of this.days.values()) pending += day.pendingRows
    return { ...this.counters, pending, openDays: [...this.days.keys()].sort() }
  }

  /**
   * Appends a chunk (or a batch made in JavaScript). Its rows are committed — visible to
   * queries, counted in `stored` — by the next commit. Appends start in call order,
   * ordered with commits: a commit takes what started before it. Appends can overlap
   * (the engine's pump keeps two in flight); they wait while the writer waits for a free
   * lane.
   */
  async append(rows: RowChunk | Batch): Promise<void> {
    const chunk = 'toBatch' in rows ? rows : chunkFromBatch(rows)
    try {
      const appended = await this.serialize(async () => {
        await this.reopenFailed()
        if (chunk.longestTextBytes > this.textCapacity) await this.growTextCapacity(chunk.longestTextBytes)
        const started: Promise<void>[] = []
        for (const span of this.spansOf(chunk)) started.push((await (await this.openDay(span)).startAppend(chunk, span.start * 1000, span.end * 1000)).appended)
        return started
      })
      await Promise.all(appended)
    } finally {
      if (chunk !== rows) chunk.release()
    }
  }

  /**
   * Commits every lane of every open day and resolves once their rows are committed.
   * Like the timer's commit, it also starts the new day's file once the clock passed
   * midnight and closes past days whose grace period is over. Call it to force a commit.
   */
  flush(): Promise<void> {
    return this.serialize(async () => {
      await this.maintainDays((day) => day.flush())
      const failed = [...this.days.values()].find((day) => day.failure !== undefined)
      if (failed !== undefined) throw new Error(`day file ${failed.path} cannot be written`, { cause: failed.failure })
    })
  }

  /**
   * The timer's commit: each open day's active lane starts committing and appends move
   * to another lane, so that commits run beside appends instead of holding them up.
   * Starts the new day's file once the clock passed midnight, and closes past days
   * whose grace period is over.
   */
  private async commitInBackground(): Promise<void> {
    const committed: Promise<void>[] = []
    try {
      await this.serialize(() => this.maintainDays(async (day) => void committed.push((await day.rotate()).committed)))
      await Promise.all(committed)
    } catch (e) {
      // Replaced now rather than at the next tick, so fewer rows meet the failed file.
      if (!this.closed) await this.serialize(() => this.reopenFailed())
      throw e
    }
  }

  /**
   * Reopens the open day files with a memory limit for values of `longest` bytes (at
   * least a datagram's longest, so that UDP needs this once per process): the limit of a
   * file is fixed while it is open (see `DAY_FILE_SETTINGS` in open-day.ts). Their rows
   * are committed first. A file that cannot be opened again is left failed, for
   * {@link reopenFailed} to retry like after any failure.
   */
  private async growTextCapacity(longest: number): Promise<void> {
    this.textCapacity = Math.max(longest, MAX_MESSAGE_BYTES)
    for (const [key, day] of [...this.days]) {
      if (day.failure !== undefined) continue
      this.report(day, await day.close())
      try {
        const fresh = await openDayFile(this.options, day.span, this.onCommit, this.textCapacity)
        this.days.set(key, fresh)
        if (this.current === day) this.current = fresh
      } catch (e) {
        day.markFailed(e)
      }
    }
  }

  /**
   * Abandons each failed day file, reporting its uncommitted rows as lost, and opens it
   * again. When that fails too, the day stays failed (appends to it are refused and
   * counted by the caller) and the next operation tries again.
   */
  private async reopenFailed(): Promise<void> {
    for (const [key, day] of [...this.days]) {
      if (day.failure === undefined) continue
      const loss = await day.abandon()
      if (loss.rows > 0) this.options.onWriteFailure({ ...loss, day: key })
      let fresh: OpenDay
      try {
        fresh = await openDayFile(this.options, day.span, this.onCommit, this.textCapacity)
      } catch (e) {
        if (!this.reopenFailing.has(key)) this.options.onError(new Error(`cannot reopen day file ${day.path}; retrying`, { cause: e }))
        this.reopenFailing.add(key)
        continue
      }
      this.reopenFailing.delete(key)
      this.days.set(key, fresh)
      if (this.current === day) this.current = fresh
      this.options.onReopened(key)
    }
  }

  private async maintainDays(commit: (day: OpenDay) => Promise<void>): Promise<void> {
    await this.reopenFailed()
    const now = this.options.clock.now()
    if (now >= this.current.span.end) {
      const previous = this.current
      const span = daySpan(now, this.options.timezone)
      this.current = await this.openDay(span)
      // Fold yesterday's log into its file now, so a reader attaching it meanwhile sees it all.
      if (this.days.has(previous.span.day)) await previous.checkpoint()
    }
    for (const day of [...this.days.values()]) {
      // A day whose reopening failed is retried above; committing it would only fail again.
      if (day.failure !== undefined) continue
      await commit(day)
      if (day !== this.current && now >= day.span.end + this.options.closeGraceMs) {
        this.report(day, await day.close())
        this.days.delete(day.span.day)
      }
    }
  }

  /** The open days with their files, oldest first: what the query layer reads through this writer. */
  openDays(): { day: string; path: string }[] {
    return [...this.days.values()].map((d) => ({ day: d.span.day, path: d.path })).sort((a, b) => (a.day < b.day ? -1 : 1))
  }

  /**
   * A new connection to the instance holding `day` (default: the current day): the only
   * way to read a file this writer holds. The caller closes it (`closeSync`).
   *
   * @throws when that day is not open.
   */
  connect(day: string = this.current.span.day): Promise<DuckDBConnection> {
    const open = this.days.get(day)
    if (open === undefined) return Promise.reject(new Error(`day ${day} of engine "${this.options.engine}" is not open in this writer`))
    return open.connect()
  }

  /**
   * The journal records of `journalId` whose rows today's and yesterday's files hold:
   * what a journal left by a crash must not replay. Older files are not read (a journal
   * holding rows older than yesterday would replay those again).
   */
  async committedJournalRecords(journalId: string): Promise<JournalRecords[]> {
    const records = await this.current.committedRecords(journalId)
    const yesterday = daySpan(this.current.span.start - 1, this.options.timezone)
    const path = dayFilePath(this.options.dataDir, this.options.engine, yesterday.day)
    const open = this.days.get(yesterday.day)
    if (open !== undefined) records.push(...(await open.committedRecords(journalId)))
    else if (existsSync(path)) {
      try {
        records.push(...(await readCommittedRecords(path, journalId)))
      } catch (cause) {
        // An unreadable file holds no commits to skip; it must not keep the engine from starting.
        this.options.onError(new Error(`cannot read the journal commits of ${path}`, { cause }))
      }
    }
    return records
  }

  /** The current day (`YYYY-MM-DD`). */
  get today(): string {
    return this.current.span.day
  }

  /**
   * Commits and closes every day file and stops the timer. Idempotent. Rows that cannot
   * be committed are reported to `onWriteFailure`, not thrown: the files are released
   * and the counts are on record either way.
   */
  close(): Promise<void> {
    clearInterval(this.timer)
    this.closing ??= this.serialize(async () => {
      this.closed = true
      for (const day of this.days.values()) this.report(day, await day.close())
      this.days.clear()
    })
    return this.closing
  }

  private report(day: OpenDay, loss: WriteLoss | undefined): void {
    if (loss !== undefined && loss.rows > 0) this.options.onWriteFailure({ ...loss, day: day.span.day })
  }

  private async openDay(span: DaySpan): Promise<OpenDay> {
    let day = this.days.get(span.day)
    if (day === undefined) {
      // A late row for a day already closed reopens that day's file: never lose a row.
      day = await openDayFile(this.options, span, this.onCommit, this.textCapacity)
      this.days.set(span.day, day)
    }
    return day
  }

  /**
   * The days `chunk`'s rows fall on, oldest first; the current day alone for the usual
   * chunk, and for one without rows (which only creates columns).
   */
  private spansOf(chunk: RowChunk): DaySpan[] {
    const range = chunk.receivedAtRange()
    const { start, end } = this.current.span
    if (range === null || (range[0]! >= start * 1000 && range[1]! < end * 1000)) return [this.current.span]
    const spans: DaySpan[] = []
    // Day boundaries are whole milliseconds, so flooring to the millisecond is exact.
    for (let next: number[] | null = range; next !== null; ) {
      const span = daySpan(Math.floor(next[0]! / 1000), this.options.timezone)
      spans.push(span)
      next = chunk.receivedAtRange(span.end * 1000)
    }
    return spans
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error(`the writer of engine "${this.options.engine}" is closed`)
      return op()
    })
    // The queue only orders operations; each caller sees its own failure.
    this.queue = run.catch(() => undefined)
    return run
  }
}

/**
 * Opens the day file of `span`; a damaged one is moved aside (and reported) and the day
 * starts in a fresh file, so one bad file stops neither this engine nor the others.
 */
async function openDayFile(options: WriterSettings, span: DaySpan, onCommit: CommitListener, textCapacity: number): Promise<OpenDay> {
  const path = dayFilePath(options.dataDir, options.engine, span.day)
  try {
    return await OpenDay.open(span, path, onCommit, options.journalId, textCapacity)
  } catch (e) {
    if (!(e instanceof DamagedDayFileError)) throw e
    const movedTo = await moveAside(path)
    options.onDamagedFile({ day: span.day, path, movedTo, error: e })
    return OpenDay.open(span, path, onCommit, options.journalId, textCapacity)
  }
}

/** {@link OpenDay.committedRecords} of a day file this writer does not hold, opened read-only for the moment. */
async function readCommittedRecords(path: string, journalId: string): Promise<JournalRecords[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  try {
    const connection = await instance.connect()
    try {
      const exists = await connection.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE table_name = '${JOURNAL_COMMITS}'`)
      if (exists.currentRowCount === 0) return []
      const reader = await connection.runAndReadAll(`SELECT first_record, last_record FROM ${JOURNAL_COMMITS} WHERE journal_id = ${quoteLiteral(journalId)}`)
      return reader.getRows().map(([first, last]) => [Number(first), Number(last)] as const)
    } finally {
      connection.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}
