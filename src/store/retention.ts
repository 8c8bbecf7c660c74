/**
 * @module
 * Retention (SPEC §8): deletes each engine's day files older than its `retention_days`,
 * judged by the date in the file name, at start and then hourly. A file is older than N
 * days when its day lies more than N calendar days before today (in the configured
 * zone): with 180, the file of 180 days ago stays and the one of 181 days ago goes.
 * Today's file is never deleted, nor a future-dated one, nor any day the writer holds open.
 */
import { rm } from 'node:fs/promises'
import { errorFields, logEvent } from '../log.js'
import type { AuditInput } from '../system/system-store.js'
import { dayOf, listDayFiles, systemClock, type Clock } from './day-files.js'

/** What retention reads of the running plan, asked afresh on every sweep so reloads apply. */
export interface RetentionPlan {
  dataDir: string
  timezone: string
  /** An engine with `archive` keeps an expired day file until {@link RetentionOptions.archived} says its day is archived. */
  engines: readonly { name: string; retentionDays: number; archive?: object }[]
}

/** Options of {@link Retention.start}. */
export interface RetentionOptions {
  /** The plan now (`supervisor.current`). */
  plan: () => RetentionPlan
  /** Days an engine's writer holds open (`writer.openDays()`); these are never deleted. */
  openDays: (engine: string) => readonly string[]
  /** Writes one audit entry per deletion (`systemStore.appendAudit`). */
  audit: (entry: AuditInput) => Promise<void>
  /** Whether an engine's day is archived (`archiver.isArchived`); required for engines with an archive, whose unarchived days are kept. */
  archived?: (engine: string, day: string) => Promise<boolean>
  /** Time source deciding today. Default the system clock. */
  clock?: Clock
  /** Time between sweeps, in milliseconds. Default one hour. */
  intervalMs?: number
  /** Event sink. Default {@link logEvent}. */
  log?: typeof logEvent
}

/** One deleted day file. */
export interface Deletion {
  engine: string
  day: string
  path: string
}

/** `day` (`YYYY-MM-DD`) moved by `days` calendar days. */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  // Date.UTC normalizes overflowing days across months and years; UTC has no DST to skip.
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** The days among `days` that are more than `retentionDays` days before `today`. */
export function expiredDays(days: readonly string[], today: string, retentionDays: number): string[] {
  const oldestKept = addDays(today, -retentionDays)
  // ISO dates compare correctly as strings.
  return days.filter((day) => day < oldestKept)
}

/** Deletes expired day files at start and on a timer. */
export class Retention {
  private timer: NodeJS.Timeout | undefined
  private sweeping: Promise<Deletion[]> = Promise.resolve([])
  private readonly clock: Clock
  private readonly log: typeof logEvent
  /** Expired days kept for their archive, logged once each. */
  private readonly waiting = new Set<string>()

  private constructor(private readonly options: RetentionOptions) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? logEvent
  }

  /** Sweeps once (resolving when done), then every `intervalMs`. */
  static async start(options: RetentionOptions): Promise<Retention> {
    const r = new Retention(options)
    await r.sweep()
    // Unref'd: retention alone must not keep the process alive.
    r.timer = setInterval(() => void r.sweep(), options.intervalMs ?? 3_600_000).unref()
    return r
  }

  /**
   * Deletes every expired day file of every engine of the plan; resolves with what was
   * deleted. Failures are logged per engine and do not stop the others. Sweeps never overlap.
   */
  sweep(): Promise<Deletion[]> {
    this.sweeping = this.sweeping.then(() => this.sweepOnce())
    return this.sweeping
  }

  /** Stops the timer; a sweep under way finishes. */
  stop(): Promise<unknown> {
    clearInterval(this.timer)
    return this.sweeping
  }

  private async sweepOnce(): Promise<Deletion[]> {
    const plan = this.options.plan()
    const today = dayOf(this.clock.now(), plan.timezone)
    const deleted: Deletion[] = []
    for (const engine of plan.engines) {
      try {
        const open = new Set(this.options.openDays(engine.name))
        const files = await listDayFiles(plan.dataDir, engine.name)
        const expired = new Set(expiredDays(files.map((f) => f.day), today, engine.retentionDays))
        for (const file of files) {
          if (!expired.has(file.day) || open.has(file.day)) continue
          if (engine.archive !== undefined && !(await this.options.archived?.(engine.name, file.day))) {
            const id = `${engine.name}/${file.day}`
            if (!this.waiting.has(id)) this.log('info', 'retention.waiting_for_archive', { engine: engine.name, day: file.day, path: file.path })
            this.waiting.add(id)
            continue
          }
          // The write-ahead log goes with its file; left alone it would be replayed into a new file of that day.
          await rm(`${file.path}.wal`, { force: true })
          await rm(file.path)
          const deletion = { engine: engine.name, day: file.day, path: file.path }
          deleted.push(deletion)
          this.log('info', 'retention.deleted', { ...deletion, retention_days: engine.retentionDays })
          await this.options.audit({
            userName: 'system',
            action: 'retention.deleted',
            target: engine.name,
            details: `day file ${file.day} deleted (older than ${engine.retentionDays} day${engine.retentionDays === 1 ? '' : 's'})`,
            address: null,
          })
        }
      } catch (e) {
        this.log('error', 'retention.failed', { engine: engine.name, ...errorFields(e) })
      }
    }
    return deleted
  }
}
