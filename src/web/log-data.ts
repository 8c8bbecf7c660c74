/**
 * @module
 * What the data pages (browse, SQL, export) share: the engines whose rows can be read,
 * each engine's {@link LogsSource} from the running plan (today through its writer), a
 * cap on concurrent exports, and the streamed download of a finished export file.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ExportFile, ExportFormat } from '../store/log-search.js'
import type { LogsSource } from '../store/query.js'
import type { ConsoleControl } from './control.js'

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
  return { dataDir: plan.dataDir, engine, timezone: plan.timezone, ...(writer ? { writer } : {}) }
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
 * Counts exports running now, so a few large ones cannot fill the disk or starve the
 * writers; one more than `max` is answered 429.
 */
export class ExportSlots {
  private running = 0

  /** @param max concurrent exports allowed. Default 2. */
  constructor(readonly max = 2) {}

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
