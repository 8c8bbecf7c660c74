/**
 * @module
 * What the data pages (browse, SQL, export) share: the engines whose rows can be read,
 * each engine's {@link LogsSource} from the running plan (today through its writer, gone
 * days through its archive), a
 * cap on concurrent exports, and the streamed download of a finished export file.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { Context, Handler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import {
  DEFAULT_EXPORT_MAX_BYTES,
  EXPORT_FORMATS,
  exportLogs,
  SearchError,
  type ExportFile,
  type ExportFormat,
  type ExportQuery,
} from '../store/log-search.js'
import type { ArchiveStore } from '../archive/archive-store.js'
import { openArchiveStore, type ArchiveStoreConfig } from '../archive/open-store.js'
import { rowColumns } from '../engine/extract.js'
import { describedColumns, type LogsSource } from '../store/query.js'
import { audit } from './audit.js'
import type { ConsoleControl } from './control.js'
import { chooseRange, fileStamp, wallTime, type ChosenRange } from './time-range.js'

/** What the data routes (browse, SQL) need. */
export interface DataRoutesOptions {
  /** The running server; without it there are no engines to read. */
  control?: ConsoleControl
  /** Shared by every export of the console. */
  exports: ExportSlots
  /** Milliseconds since the epoch, for the "last …" ranges. Default `Date.now`. */
  now?: () => number
}

/** The export file name: `<engine>_<from>_<to>.<ext>`, instants in the engines' zone. */
export function exportName(engine: string, range: { from: number; to: number }, timeZone: string, format: ExportFormat): string {
  return `${engine}_${fileStamp(range.from, timeZone)}_${fileStamp(range.to, timeZone)}.${format}`
}

/** `wall – wall zone`, for the audit log. */
export function rangeText(range: { from: number; to: number }, timeZone: string): string {
  return `${wallTime(range.from, timeZone)} – ${wallTime(range.to, timeZone)} ${timeZone}`
}

/**
 * The `GET …/export` handler of both data pages: engine, format and range from the query
 * string, a slot from {@link ExportSlots}, the file written by DuckDB, an audit entry, the
 * streamed download. `select` says what to export (the browse filters or the SQL text),
 * how the audit entry describes it and, for SQL, the statement's time limit (otherwise
 * 300 s); it throws `HTTPException` for a bad request.
 * The export stops, its file deleted and its slot given back, at the time limit, at
 * {@link ExportSlots.maxBytes}, or when the client goes away.
 */
export function exportHandler(
  { control, exports, now = Date.now }: DataRoutesOptions,
  select: (c: Context) => { query: ExportQuery; described: string; timeLimitMs?: number },
): Handler {
  return async function exportRows(c) {
    const { engine, source, range } = chosenView(c, control, now())
    if (!source || !engine) throw new HTTPException(404, { message: 'There is no engine to export from.' })
    const format = c.req.query('format') ?? ''
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new HTTPException(400, { message: 'Choose CSV or Parquet.' })
    if (range.error) throw new HTTPException(400, { message: range.error })
    const { query, described, timeLimitMs } = select(c)
    const release = exports.take()
    let file: ExportFile
    try {
      // The request's signal aborts when the client goes away, and when a stop closes every connection.
      const limits = { maxBytes: exports.maxBytes, signal: c.req.raw.signal, ...(timeLimitMs === undefined ? {} : { timeLimitMs }) }
      file = await exportLogs(source, range, query, format as ExportFormat, limits)
    } catch (e) {
      release()
      if (e instanceof SearchError) throw new HTTPException(400, { message: e.message })
      throw e
    }
    await audit(c, 'data.exported', engine, `${format} of ${described.replace('{range}', rangeText(range, source.timezone))}`)
    return downloadResponse(file, format as ExportFormat, exportName(engine, range, source.timezone, format as ExportFormat), release)
  }
}

/** A statement's time limit when the request names none, in seconds. */
export const DEFAULT_TIME_LIMIT_S = 30
/** The longest time limit a request may ask for, in seconds. */
export const MAX_TIME_LIMIT_S = 300

/** The SQL time limit of the request (`?timeout=` in whole seconds, 1 to {@link MAX_TIME_LIMIT_S}), in seconds. */
export function timeLimitS(c: Context): number {
  const asked = Number(c.req.query('timeout'))
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_TIME_LIMIT_S) : DEFAULT_TIME_LIMIT_S
}

/** Engines of the running plan, in plan order; none when the console runs alone. */
export function engineNames(control: ConsoleControl | undefined): string[] {
  return control ? control.supervisor.current.engines.map((e) => e.name) : []
}

/** Where `engine`'s rows are, or `undefined` for an engine the plan does not have. */
export function logsSource(control: ConsoleControl | undefined, engine: string): LogsSource | undefined {
  if (!control) return undefined
  const plan = control.supervisor.current
  if (!plan.engines.some((e) => e.name === engine)) return undefined
  const writer = control.supervisor.engine(engine)?.store
  const e = plan.engines.find((e) => e.name === engine)!
  // The class's fields with their types, for a range without day files.
  const columns = describedColumns(rowColumns({ name: e.className, fields: e.fields }, e.structuredData))
  return { dataDir: plan.dataDir, engine, timezone: plan.timezone, columns, ...(writer ? { writer } : {}), ...(e.archive ? { archive: archiveStore(e.archive) } : {}) }
}

const archiveStores = new Map<string, ArchiveStore>()

/** The store of an archive config, opened once: an S3 store keeps its client and connections. */
function archiveStore({ dir, endpoint, region }: ArchiveStoreConfig): ArchiveStore {
  const id = JSON.stringify([dir, endpoint, region])
  let store = archiveStores.get(id)
  if (store === undefined) {
    store = openArchiveStore({ dir, endpoint, region })
    archiveStores.set(id, store)
  }
  return store
}

/** The engine of the request (`?engine=`, default the first), with its source; 404 for an unknown one. */
export function chosenEngine(c: Context, control: ConsoleControl | undefined): { engines: string[]; engine?: string; source?: LogsSource } {
  const engines = engineNames(control)
  const engine = c.req.query('engine') || engines[0]
  if (engine === undefined) return { engines }
  const source = logsSource(control, engine)
  if (!source) throw new HTTPException(404, { message: `There is no engine "${engine}".` })
  return { engines, engine, source }
}

/**
 * {@link chosenEngine} with the request's time range (`?range=` or `?from=`/`?to=`), read
 * in the engine's zone (UTC when there is no engine).
 */
export function chosenView(c: Context, control: ConsoleControl | undefined, now: number): ReturnType<typeof chosenEngine> & { timeZone: string; range: ChosenRange } {
  const chosen = chosenEngine(c, control)
  const timeZone = chosen.source?.timezone ?? 'UTC'
  return { ...chosen, timeZone, range: chooseRange((name) => c.req.query(name), timeZone, now) }
}

/**
 * Counts exports running now, so a few large ones cannot fill the disk or starve the
 * writers; one more than `max` is answered 429. Each export's file may grow to `maxBytes`.
 */
export class ExportSlots {
  private running = 0

  /**
   * @param max concurrent exports allowed. Default 2.
   * @param maxBytes largest export file, in bytes. Default {@link DEFAULT_EXPORT_MAX_BYTES} (2 GiB).
   */
  constructor(
    readonly max = 2,
    readonly maxBytes = DEFAULT_EXPORT_MAX_BYTES,
  ) {}

  /** Takes a slot or throws 429; call the returned function exactly once to give it back. */
  take(): () => void {
    if (this.running >= this.max) {
      throw new HTTPException(429, { message: `${this.max} exports are running already; try again when one has finished.` })
    }
    this.running++
    let released = false
    return () => {
      if (!released) {
        released = true
        this.running--
      }
    }
  }

  /** Exports running now. */
  get active(): number {
    return this.running
  }
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
}

/** Bytes read from an export file per chunk sent. */
const CHUNK_BYTES = 256 * 1024

/**
 * Streams a finished export file as a download named `name`, a chunk each time the
 * client is ready for one (so memory stays at one chunk), then deletes the file and
 * calls `done` — when the last chunk is read, or when the client goes away mid-download.
 */
export async function downloadResponse(file: ExportFile, format: ExportFormat, name: string, done: () => void): Promise<Response> {
  let handle: FileHandle
  let size: number
  try {
    handle = await open(file.path, 'r')
    size = (await handle.stat()).size
  } catch (e) {
    await file.remove()
    done()
    throw e
  }
  let finished = false
  const finish = async () => {
    if (finished) return
    finished = true
    done()
    await handle.close().catch(() => undefined)
    await file.remove()
  }
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null)
          if (bytesRead === 0) {
            controller.close()
            await finish()
          } else {
            controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead))
          }
        } catch (e) {
          controller.error(e)
          await finish()
        }
      },
      cancel: finish,
    },
    // Read only when the client asks: nothing is buffered ahead of the socket.
    { highWaterMark: 0 },
  )
  return new Response(body, {
    headers: {
      'content-type': CONTENT_TYPES[format],
      'content-length': String(size),
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    },
  })
}
