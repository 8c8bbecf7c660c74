/**
 * @module
 * Copies each engine's closed day files into its archive as Parquet
 * (`engine=<name>/date=<YYYY-MM-DD>/part-0.parquet`, see `archived-days.ts`), at start for
 * every closed day not archived yet and then every few minutes, and deletes archived days
 * past the engine's `archive_retention_days`.
 *
 * A day is written to a temporary file, checked (its row count and columns equal the day
 * file's), handed to the store — which shows readers all of it or nothing — and only then
 * recorded, so a crash at any point leaves no half file under a key and the day is simply
 * archived again. The record is a JSON file per engine in the data directory
 * (`.archive/<engine>.json`, replaced atomically) rather than a listing of the store: it is
 * what retention trusts before it deletes a day file, so it must say "verified in this
 * store", which an object merely existing in a bucket does not.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { errorFields, logEvent } from '../log.js'
import { dayOf, listDayFiles, systemClock, type Clock } from '../store/day-files.js'
import { expiredDays } from '../store/retention.js'
import { quoteLiteral } from '../store/sql-quote.js'
import type { ArchiveStore } from './archive-store.js'
import { archiveKey } from './archived-days.js'
import { openArchiveStore, type ArchiveStoreConfig } from './open-store.js'

/** Rows per Parquet row group: DuckDB's own default, large enough for scans to read whole column chunks, small enough to skip by `received_at`. */
export const ARCHIVE_ROW_GROUP_ROWS = 122_880

/** What the archiver reads of the running plan, asked afresh on every sweep so reloads apply. */
export interface ArchivePlan {
  dataDir: string
  timezone: string
  engines: readonly { name: string; archive?: ArchiveStoreConfig & { retentionDays: number } }[]
}

/** One archived day as recorded. */
export interface ArchivedDay {
  /** The store's location when it was written: a day archived elsewhere counts as not archived here. */
  location: string
  key: string
  rows: number
  bytes: number
  archivedAt: string
}

/** Options of {@link Archiver.start}. */
export interface ArchiverOptions {
  plan: () => ArchivePlan
  /** Days an engine's writer holds open (`writer.openDays()`); these are not closed yet. */
  openDays: (engine: string) => readonly string[]
  clock?: Clock
  /** Time between sweeps, in milliseconds. Default five minutes. */
  intervalMs?: number
  log?: typeof logEvent
  /** Opens an engine's store. Default {@link openArchiveStore}. */
  openStore?: (config: ArchiveStoreConfig) => ArchiveStore
}

/** The record of `engine`'s archived days. */
function recordPath(dataDir: string, engine: string): string {
  return join(dataDir, '.archive', `${engine}.json`)
}

async function readRecord(dataDir: string, engine: string): Promise<Record<string, ArchivedDay>> {
  try {
    return JSON.parse(await readFile(recordPath(dataDir, engine), 'utf8')) as Record<string, ArchivedDay>
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new Error(`cannot read the archive record ${recordPath(dataDir, engine)}`, { cause: e })
  }
}

async function writeRecord(dataDir: string, engine: string, record: Record<string, ArchivedDay>): Promise<void> {
  const path = recordPath(dataDir, engine)
  await mkdir(join(dataDir, '.archive'), { recursive: true, mode: 0o700 })
  const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`
  await writeFile(temp, JSON.stringify(record, null, 2), { mode: 0o600 })
  await rename(temp, path)
}

/** Column names and types of `relation` on `connection`, for comparing a copy with its source. */
async function columnsOf(connection: Awaited<ReturnType<DuckDBInstance['connect']>>, relation: string): Promise<string> {
  const reader = await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`)
  return JSON.stringify(reader.getRows())
}

/**
 * Writes the day file at `path` as a sorted zstd Parquet file at `out` and checks it;
 * resolves with its row count.
 *
 * @throws Error when the copy's rows or columns differ from the day file's.
 */
export async function writeDayParquet(path: string, out: string): Promise<number> {
  // Sorting a large day spills; beside the output (in the data dir), not in the working directory.
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: '256MiB', temp_directory: `${out}.spill` })
  try {
    const c = await instance.connect()
    try {
      await c.run(`ATTACH ${quoteLiteral(path)} AS day_file (READ_ONLY)`)
      await c.run(
        `COPY (SELECT * FROM day_file.logs ORDER BY received_at) TO ${quoteLiteral(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ARCHIVE_ROW_GROUP_ROWS})`,
      )
      const rows = Number((await c.runAndReadAll('SELECT count(*) FROM day_file.logs')).getRows()[0]![0])
      const copied = Number((await c.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(out)})`)).getRows()[0]![0])
      if (copied !== rows) throw new Error(`the Parquet copy of ${path} has ${copied} rows, the day file ${rows}`)
      const [want, got] = [await columnsOf(c, 'day_file.logs'), await columnsOf(c, `read_parquet(${quoteLiteral(out)})`)]
      if (want !== got) throw new Error(`the Parquet copy of ${path} has columns ${got}, the day file ${want}`)
      return rows
    } finally {
      c.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

/** Archives closed day files and expires old archived days, at start and on a timer. */
export class Archiver {
  private timer: NodeJS.Timeout | undefined
  private sweeping: Promise<void> = Promise.resolve()
  private stopped = false
  private readonly clock: Clock
  private readonly log: typeof logEvent
  private readonly openStore: (config: ArchiveStoreConfig) => ArchiveStore

  private constructor(private readonly options: ArchiverOptions) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? logEvent
    this.openStore = options.openStore ?? openArchiveStore
  }

  /** Starts the first sweep (the backfill) without waiting for it, then sweeps every `intervalMs`. */
  static start(options: ArchiverOptions): Archiver {
    const a = new Archiver(options)
    void a.sweep()
    // Unref'd: archiving alone must not keep the process alive.
    a.timer = setInterval(() => void a.sweep(), options.intervalMs ?? 300_000).unref()
    return a
  }

  /** Archives what is due and expires what is past retention, for every engine; sweeps never overlap. Failures are logged per day and retried next time. */
  sweep(): Promise<void> {
    this.sweeping = this.sweeping.then(() => this.sweepOnce())
    return this.sweeping
  }

  /** Whether `engine`'s `day` is recorded as archived in the store it archives to now. */
  async isArchived(engine: string, day: string): Promise<boolean> {
    const plan = this.options.plan()
    const archive = plan.engines.find((e) => e.name === engine)?.archive
    if (archive === undefined) return false
    const recorded = (await readRecord(plan.dataDir, engine))[day]
    return recorded !== undefined && recorded.location === this.openStore(archive).location
  }

  /** Stops the timer; a sweep under way finishes its current day. */
  stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    return this.sweeping
  }

  private async sweepOnce(): Promise<void> {
    const plan = this.options.plan()
    const today = dayOf(this.clock.now(), plan.timezone)
    for (const engine of plan.engines) {
      if (engine.archive === undefined || this.stopped) continue
      try {
        const store = this.openStore(engine.archive)
        await this.archiveClosedDays(plan.dataDir, engine.name, store, today)
        await this.expire(plan.dataDir, engine.name, store, today, engine.archive.retentionDays)
      } catch (e) {
        this.log('error', 'archive.failed', { engine: engine.name, ...errorFields(e) })
      }
    }
  }

  private async archiveClosedDays(dataDir: string, engine: string, store: ArchiveStore, today: string): Promise<void> {
    const open = new Set(this.options.openDays(engine))
    for (const file of await listDayFiles(dataDir, engine)) {
      if (this.stopped) return
      if (file.day >= today || open.has(file.day)) continue
      const record = await readRecord(dataDir, engine)
      if (record[file.day]?.location === store.location) continue
      const started = performance.now()
      const temp = join(dataDir, '.archive', `.tmp-${engine}-${file.day}-${randomBytes(4).toString('hex')}.parquet`)
      try {
        await mkdir(join(dataDir, '.archive'), { recursive: true, mode: 0o700 })
        const rows = await writeDayParquet(file.path, temp)
        const bytes = (await stat(temp)).size
        const key = archiveKey(engine, file.day)
        await store.put(temp, key)
        const stored = await store.size(key)
        if (stored !== bytes) throw new Error(`${store.location}/${key} holds ${stored ?? 'nothing'} bytes after writing ${bytes}`)
        // Read afresh: the file may have changed while this day was copied.
        await writeRecord(dataDir, engine, { ...(await readRecord(dataDir, engine)), [file.day]: { location: store.location, key, rows, bytes, archivedAt: new Date(this.clock.now()).toISOString() } })
        this.log('info', 'archive.written', { engine, day: file.day, rows, bytes, ms: Math.round(performance.now() - started), location: store.location })
      } catch (e) {
        this.log('error', 'archive.failed', { engine, day: file.day, ...errorFields(e) })
      } finally {
        await rm(temp, { force: true })
        await rm(`${temp}.spill`, { recursive: true, force: true })
      }
    }
  }

  /** Removes the days this collector archived that are past retention; an object already gone is no error. */
  private async expire(dataDir: string, engine: string, store: ArchiveStore, today: string, retentionDays: number): Promise<void> {
    const record = await readRecord(dataDir, engine)
    const expired = expiredDays(Object.keys(record), today, retentionDays)
    if (expired.length === 0) return
    for (const day of expired) {
      await store.remove(record[day]!.key)
      delete record[day]
      this.log('info', 'archive.expired', { engine, day, archive_retention_days: retentionDays, location: store.location })
    }
    await writeRecord(dataDir, engine, record)
  }
}
