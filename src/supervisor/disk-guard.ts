/**
 * @module
 * The disk guard (SPEC §8): watches the free space of the data directory's file system
 * and says when it fell below `disk_guard.min_free_percent`. Engines then drop the rows
 * they pull (counted as `dropped_disk_full`) instead of appending them, and pick up by
 * themselves once space returns. The space is probed on a timer, not per batch, so a busy
 * engine costs no extra system calls; the pump only reads {@link DiskGuard.full}.
 */
import { statfs } from 'node:fs/promises'
import { errorFields, logEvent } from '../log.js'

/** Free space of the file system holding `dir`, as a percentage of its size (0–100). */
export type FreeSpaceProbe = (dir: string) => Promise<number>

/**
 * The real probe: blocks available to unprivileged users over all blocks, which is what
 * `df` reports as free (the reserved root blocks are of no use to the `logsift` user).
 */
export const statfsFreePercent: FreeSpaceProbe = async (dir) => {
  const s = await statfs(dir)
  return s.blocks === 0 ? 100 : (s.bavail / s.blocks) * 100
}

/** Options of {@link DiskGuard.start}. */
export interface DiskGuardOptions {
  /** Directory whose file system is watched (`plan.dataDir`). */
  dataDir: string
  /** Below this free percentage storing stops (`plan.diskGuard.minFreePercent`); 0 never stops. */
  minFreePercent: number
  /** Free-space source. Default {@link statfsFreePercent}. */
  probe?: FreeSpaceProbe
  /** Time between probes, in milliseconds. Default 1000. */
  intervalMs?: number
  /** Event sink. Default {@link logEvent}. */
  log?: typeof logEvent
}

/** What the console banner and `/metrics` show. */
export interface DiskGuardState {
  /** True while engines drop rows instead of storing them. */
  full: boolean
  /** Free space at the latest probe, in percent; `null` before the first one succeeded. */
  freePercent: number | null
  minFreePercent: number
  dataDir: string
}

/** Probes free space periodically and holds the result. */
export class DiskGuard {
  private timer: NodeJS.Timeout | undefined
  private probing: Promise<void> = Promise.resolve()
  private isFull = false
  private freeNow: number | null = null
  private lastProbeFailed = false
  private readonly probe: FreeSpaceProbe
  private readonly log: NonNullable<DiskGuardOptions['log']>

  private constructor(
    private dataDir: string,
    private minFreePercent: number,
    options: DiskGuardOptions,
  ) {
    this.probe = options.probe ?? statfsFreePercent
    this.log = options.log ?? logEvent
  }

  /** Probes once (so engines start with the right answer), then every `intervalMs`. */
  static async start(options: DiskGuardOptions): Promise<DiskGuard> {
    const guard = new DiskGuard(options.dataDir, options.minFreePercent, options)
    await guard.check()
    const tick = () => void guard.check()
    // Unref'd: the guard alone must not keep the process alive; stop() clears it anyway.
    guard.timer = setInterval(tick, options.intervalMs ?? 1000).unref()
    return guard
  }

  /** True while free space is below the threshold: engines must not store. */
  get full(): boolean {
    return this.isFull
  }

  /** The state for display. */
  state(): DiskGuardState {
    return { full: this.isFull, freePercent: this.freeNow, minFreePercent: this.minFreePercent, dataDir: this.dataDir }
  }

  /** Follows a reloaded plan; the next probe applies the new directory and threshold. */
  update(dataDir: string, minFreePercent: number): Promise<void> {
    this.dataDir = dataDir
    this.minFreePercent = minFreePercent
    return this.check()
  }

  /**
   * Probes now and updates {@link full}, logging each change. The timer calls it; tests
   * call it to apply a new simulated free space at once. Probes never overlap.
   */
  check(): Promise<void> {
    this.probing = this.probing.then(() => this.probeOnce())
    return this.probing
  }

  /** Stops probing. */
  stop(): void {
    clearInterval(this.timer)
  }

  private async probeOnce(): Promise<void> {
    let free: number
    try {
      free = await this.probe(this.dataDir)
    } catch (e) {
      // Keep the last answer: a failing statfs says nothing about the space left. Log
      // the first failure of a run only, not one line a second.
      if (!this.lastProbeFailed) this.log('error', 'disk_guard.probe_failed', { data_dir: this.dataDir, ...errorFields(e) })
      this.lastProbeFailed = true
      return
    }
    this.lastProbeFailed = false
    this.freeNow = free
    const full = free < this.minFreePercent
    if (full === this.isFull) return
    this.isFull = full
    // Rounded down: 4.999 shown as 5 would read as not below a threshold of 5.
    const fields = { data_dir: this.dataDir, free_percent: Math.floor(free * 100) / 100, min_free_percent: this.minFreePercent }
    if (full) this.log('warn', 'disk_guard.on', fields)
    else this.log('info', 'disk_guard.off', fields)
  }
}

