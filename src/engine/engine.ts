/**
 * @module
 * A running ingest engine: the typed face of the native `NativeEngine`. Batches are
 * pulled — the writer calls {@link Engine.nextBatch} when it is ready — so a slow writer
 * fills the bounded native queue and shows up as `dropped_backpressure`, never as silent
 * loss or unbounded memory.
 */
import type { Batch } from './batch.js'
import type { ClassDefinition } from './extract.js'
import { chunkRows, type RowChunk } from './row-chunk.js'
import { native, type EngineStats, type JournalWriteError, type NativeEngineOptions, type SocketInfo, type UnknownSenderInfo } from './native.js'

/** What an engine needs to run. Defaults are the native ones (see `EngineOptions` in the addon). */
export interface EngineSettings {
  name: string
  class: ClassDefinition
  /** UDP listen addresses, `host:port` or `[v6]:port`; port 0 picks a free port. */
  udp: string[]
  /** TCP listen addresses (RFC 6587 framing, detected per connection); port 0 picks a free port. */
  tcp?: string[]
  /**
   * TLS listeners (RFC 5425): TCP listeners, same framing and limits, whose connections are
   * TLS sessions. PEM file paths; with `clientCa`, clients without a certificate it signed are refused.
   */
  tls?: { address: string; cert: string; key: string; clientCa?: string }[]
  /**
   * TCP and TLS: a longer message is stored cut to this many bytes and counted in
   * `truncated` (default 65,536). Changes apply live, to open connections too.
   */
  tcpMaxMessageBytes?: number
  /** TCP and TLS: a connection silent this long is closed (default 300,000 ms). Changes apply live. */
  tcpIdleTimeoutMs?: number
  /**
   * TCP and TLS: connections per listening address beyond this are closed at once and
   * counted in `refused_max_connections` (default 1,024). Changes apply live to new connections.
   */
  tcpMaxConnections?: number
  /** Ordered; the first match names the row. */
  senders: { name: string; match: string }[]
  /** Receiver threads per address (default 2). */
  threads?: number
  /** Requested `SO_RCVBUF` per socket in bytes (default 8 MiB). */
  receiveBufferBytes?: number
  /** Store the message text in `original_log` (default true). */
  keepOriginalLog?: boolean
  /**
   * `auto` parses the RFC 5424 / RFC 3164 header into hostname, app_name, proc_id, msg_id
   * and log_time; `off` leaves them NULL (default `auto`).
   */
  syslogHeader?: 'auto' | 'off'
  /**
   * Store RFC 5424 STRUCTURED-DATA as sent in a `structured_data` column after `log_time`
   * (NULL for `-`, malformed data and RFC 3164 lines). Default: on unless `syslogHeader` is `off`.
   */
  structuredData?: boolean
  /** IANA time zone of header time stamps that carry none, e.g. RFC 3164's (default `UTC`). */
  timezone?: string
  /** Rows that may wait for the writer before chunks are dropped (default 262,144). */
  queueCapacityRows?: number
  /** Rows per receiver chunk (default 2,048). */
  chunkRows?: number
  /** Hand over a partial chunk once its first row is this old (default 50 ms). */
  chunkMaxAgeMs?: number
  /** Directory of the engine's disk journal; without one chunks wait in memory. Fixed at start. */
  journalDir?: string
  /**
   * Journal size cap in bytes (default 1 GiB); beyond it rows are dropped (`dropped_journal_full`),
   * as are rows whose write the disk fails (`dropped_journal_error`).
   */
  journalMaxBytes?: number
  /** How often the journal is flushed to the device, in milliseconds (default 1000). */
  journalSyncMs?: number
}

export type { EngineStats, JournalWriteError, SocketInfo, UnknownSenderInfo }

function toNative(s: EngineSettings): NativeEngineOptions {
  return { ...s, class: { name: s.class.name, fields: s.class.fields } }
}

/** A running engine. */
export class Engine {
  private constructor(
    private readonly handle: InstanceType<typeof native.NativeEngine>,
    /** The settings it runs with now. */
    public settings: EngineSettings,
  ) {}

  /**
   * Compiles the class and senders, binds every socket and starts receiving.
   * Throws (`InvalidArg`) on a bad pattern, sender or address; a bind failure (port in
   * use) throws `GenericFailure` naming the address.
   */
  static start(settings: EngineSettings): Engine {
    return new Engine(native.NativeEngine.start(toNative(settings)), settings)
  }

  /**
   * Like {@link start}, but takes over `previous`'s UDP sockets when it listens on the same
   * addresses with the same threads and buffer size: they are never closed, so no
   * datagram is lost between the two. `previous` stops receiving; its queued rows remain.
   * On error `previous` keeps receiving.
   */
  static takeOver(previous: Engine, settings: EngineSettings): Engine {
    return new Engine(native.NativeEngine.takeOver(previous.handle, toNative(settings)), settings)
  }

  /** The engine's name. */
  get name(): string {
    return this.settings.name
  }

  /**
   * Resolves with the next chunk of up to `maxRows` rows (one schema), held natively, or
   * null when none arrived within `timeoutMs`. Call one at a time.
   */
  nextChunk(maxRows = 65_536, timeoutMs = 200): Promise<RowChunk | null> {
    return this.handle.nextBatch(maxRows, timeoutMs)
  }

  /** Like {@link nextChunk}, with the rows as JavaScript values (tests, library users). */
  async nextBatch(maxRows = 65_536, timeoutMs = 200): Promise<Batch | null> {
    const chunk = await this.nextChunk(maxRows, timeoutMs)
    if (chunk === null) return null
    const batch = chunkRows(chunk)
    chunk.release()
    return batch
  }

  /**
   * Applies new settings live (class, senders, original-log flag, header options, addresses,
   * threads, buffer size, TCP limits). Rows already queued keep their columns; sockets are
   * replaced without a receive gap, and TCP limits change without closing a connection.
   * Queue sizes are fixed at start. On error nothing changes.
   */
  /**
   * Acknowledges journal records `first..=last` (a chunk's `journalRecords`) once their
   * rows are committed, so the journal can free their space.
   */
  ackJournal(first: number, last: number): void {
    this.handle.ackJournal(first, last)
  }

  /**
   * Opens the journal of `journalDir` (nothing without one), replaying what it holds;
   * until then chunks wait in memory. Throws when another engine holds the journal.
   */
  openJournal(): void {
    this.handle.openJournal()
  }

  /** Closes the journal once stopped and drained, unlocking its directory for the next engine. */
  closeJournal(): void {
    this.handle.closeJournal()
  }

  /**
   * Why the journal's disk last failed a write (its rows are in `dropped_journal_error`),
   * and whether writes still fail; null if it never did.
   */
  journalWriteError(): JournalWriteError | null {
    return this.handle.journalWriteError() ?? null
  }

  /** The journal's identity, or null without a journal; record numbers are unique with it. */
  get journalId(): string | null {
    return this.handle.journalId
  }

  update(settings: EngineSettings): void {
    this.handle.update(toNative(settings))
    this.settings = settings
  }

  /** Stops receiving after reading every socket's kernel queue; queued rows remain. */
  async stop(): Promise<void> {
    await this.handle.stop()
  }

  /** True once stopped and every row has been handed over by {@link nextBatch}. */
  finished(): boolean {
    return this.handle.finished()
  }

  /** Counters now. */
  stats(): EngineStats {
    return this.handle.stats()
  }

  /** Sockets bound now, with the real port and the kernel's buffer size. */
  sockets(): SocketInfo[] {
    return this.handle.sockets()
  }

  /** The first bound port (handy when asking for port 0). */
  get port(): number {
    const first = this.sockets()[0]
    if (!first) throw new Error(`engine ${this.name} has no socket`)
    return Number(first.address.slice(first.address.lastIndexOf(':') + 1))
  }

  /** Source addresses that matched no sender, most frequent first. */
  unknownSenders(): UnknownSenderInfo[] {
    return this.handle.unknownSenders()
  }

  /** Up to `n` recently received texts, newest last (sampled at high rates). */
  recentLines(n: number): string[] {
    return this.handle.recentLines(n)
  }
}
