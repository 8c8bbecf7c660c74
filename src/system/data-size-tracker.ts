/**
 * @module
 * Bytes on disk per engine, kept current without walking the data tree on every request:
 * one scan per engine at start, then a rescan of a single engine directory when the
 * writer reports a change, plus a slow round-robin rescan that catches what nobody reported
 * (retention, an operator deleting files by hand).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Where an engine keeps its day files. */
export interface EngineDir {
  name: string
  /** `<data_dir>/<engine>` (SPEC §4). */
  dataDir: string
}

/** The last known size of one engine's data. */
export interface EngineDataSize {
  name: string
  bytes: number
  files: number
  /** When the directory was last scanned, ms since the epoch. */
  scannedAtMs: number
}

/** Options of {@link DataSizeTracker.create}. */
export interface DataSizeTrackerOptions {
  /** The current engines; asked on every tick, so added and removed engines are followed. */
  engines: () => EngineDir[]
  /** Timer period in ms; each tick rescans reported engines and the stalest one. Default 30 000. */
  rescanIntervalMs?: number
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number
}

async function measure(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0
  let files = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true })
  } catch (err) {
    // An engine that has not stored anything yet has no directory: that is zero bytes.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes, files }
    throw err
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue
    try {
      bytes += (await stat(join(entry.parentPath, entry.name))).size
      files += 1
    } catch (err) {
      // Retention may delete a file between readdir and stat.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  return { bytes, files }
}

/**
 * Tracks data size per engine.
 *
 * @example
 * ```ts
 * const sizes = await DataSizeTracker.create({ engines: () => plan.engines })
 * writer.on('file-changed', (engine) => sizes.noteFileChanged(engine))
 * sizes.sizes() // [{ name: 'mikrotik', bytes: 123456, files: 3, scannedAtMs }]
 * ```
 */
export class DataSizeTracker {
  private readonly engines: () => EngineDir[]
  private readonly now: () => number
  private readonly known = new Map<string, EngineDataSize>()
  private readonly dirty = new Set<string>()
  private readonly timer: NodeJS.Timeout
  private ticking: Promise<void> = Promise.resolve()

  private constructor(options: Required<DataSizeTrackerOptions>) {
    this.engines = options.engines
    this.now = options.now
    this.timer = setInterval(() => this.tick(), options.rescanIntervalMs)
    // The tracker must never keep the process alive on its own.
    this.timer.unref()
  }

  /** Scans every engine once, then starts the timer. */
  static async create(options: DataSizeTrackerOptions): Promise<DataSizeTracker> {
    const tracker = new DataSizeTracker({ rescanIntervalMs: 30_000, now: Date.now, ...options })
    await Promise.all(tracker.engines().map((e) => tracker.rescan(e)))
    return tracker
  }

  /** Last known sizes of the current engines, by name. */
  sizes(): EngineDataSize[] {
    return this.engines()
      .map((e) => this.known.get(e.name) ?? { name: e.name, bytes: 0, files: 0, scannedAtMs: 0 })
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Tells the tracker a file of `engine` grew, appeared or vanished; it is rescanned on the next tick. */
  noteFileChanged(engine: string): void {
    this.dirty.add(engine)
  }

  /** Rescans one engine now. */
  async rescanEngine(name: string): Promise<void> {
    const engine = this.engines().find((e) => e.name === name)
    if (engine) await this.rescan(engine)
  }

  /** Runs one timer tick now and waits for it; the timer calls the same. */
  tick(): Promise<void> {
    // Ticks never overlap: a slow disk must not pile up scans.
    this.ticking = this.ticking.then(() => this.tickOnce())
    return this.ticking
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.timer)
  }

  private async tickOnce(): Promise<void> {
    const engines = this.engines()
    for (const name of this.known.keys()) {
      if (!engines.some((e) => e.name === name)) this.known.delete(name)
    }
    const stalest = engines.reduce<EngineDir | undefined>(
      (old, e) => (!old || (this.known.get(e.name)?.scannedAtMs ?? 0) < (this.known.get(old.name)?.scannedAtMs ?? 0) ? e : old),
      undefined,
    )
    const due = engines.filter((e) => this.dirty.has(e.name) || !this.known.has(e.name) || e === stalest)
    this.dirty.clear()
    try {
      await Promise.all(due.map((e) => this.rescan(e)))
    } catch (err) {
      // A failed scan keeps the previous numbers; the engine is retried on the next tick.
      for (const e of due) this.dirty.add(e.name)
      process.emitWarning(`data size scan failed: ${(err as Error).message}`)
    }
  }

  private async rescan(engine: EngineDir): Promise<void> {
    const { bytes, files } = await measure(engine.dataDir)
    this.known.set(engine.name, { name: engine.name, bytes, files, scannedAtMs: this.now() })
  }
}
