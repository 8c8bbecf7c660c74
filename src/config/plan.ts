/**
 * @module
 * Derives the ready-to-use plan from a validated config, as ripgrep derives `HiArgs`
 * from `LowArgs`: absolute paths, the resolved time zone, per-engine settings with the
 * top-level ones inherited, class fields in order. This is the only place that turns
 * the file's snake_case into camelCase; everything after it reads the plan.
 */

import { accessSync, constants, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { ConfigError, type ConfigIssue } from './config-error.js'
import type { RawConfig, RawEngine, RawTlsListen } from './raw-config.js'
import { resolveTimeZone } from './time-zone.js'
import { pointer } from './validate.js'

/** One class field: the column it fills and its regular expression. */
export interface FieldPlan {
  name: string
  pattern: string
}

/** A class with its fields in the order written. */
export interface ClassPlan {
  name: string
  fields: FieldPlan[]
}

/** One sender entry: the first whose `match` covers a source address names the row. */
export interface SenderPlan {
  name: string
  /** Exact address, CIDR or wildcard (`10.0.*`, `*`), already checked. */
  match: string
}

/** Everything one engine (listener) needs to start. */
export interface EnginePlan {
  name: string
  className: string
  /** The class's fields, in class order. */
  fields: FieldPlan[]
  /** UDP listen addresses, `host:port` or `[v6]:port`. */
  udp: string[]
  /** TCP listen addresses (RFC 6587), when the engine has any. */
  tcp?: string[]
  /** TLS listeners (RFC 5425) with absolute PEM paths, when the engine has any. */
  tls?: { address: string; cert: string; key: string; clientCa?: string }[]
  senders: SenderPlan[]
  /** Store the message text in `original_log`. Default true. */
  keepOriginalLog: boolean
  /** Days of day files kept; the engine's own setting or the top-level one. */
  retentionDays: number
  /** SO_RCVBUF asked for each socket, in bytes. Default 8 MiB. */
  receiveBufferBytes: number
  /** Receive and extraction threads. Default 2. */
  threads: number
  /** `auto` parses RFC 5424/3164 headers; `off` leaves header columns NULL. Default `auto`. */
  syslogHeader: 'auto' | 'off'
  /** Rows have a `structured_data` column (RFC 5424 STRUCTURED-DATA). Default: `syslogHeader === 'auto'`. */
  structuredData: boolean
  /** Limits of the TCP and TLS listeners; they change live. */
  tcpLimits: TcpLimitsPlan
  /**
   * The disk journal between receiving and storing (`<dataDir>/.journal/<engine>`, at
   * most `maxBytes`); absent when `journal_max_bytes` is 0 (rows then wait in memory).
   */
  journal?: { dir: string; maxBytes: number }
  /**
   * Where day files are archived as Parquet (`dir`: a local path or `s3://bucket/prefix`),
   * and how many days archived copies are kept; absent when the engine does not archive.
   */
  archive?: { dir: string; endpoint?: string; region?: string; retentionDays: number }
}

/** Limits of an engine's TCP and TLS listeners. */
export interface TcpLimitsPlan {
  /** A longer message is stored cut to this many bytes. Default 65,536. */
  maxMessageBytes: number
  /** A connection silent this long is closed. Default 300,000 ms. */
  idleTimeoutMs: number
  /** Open connections per listening address; more are refused. Default 1,024. */
  maxConnections: number
}

/** The console's listener. */
export interface HttpPlan {
  host: string
  port: number
  /** Absolute paths of PEM files; absent means plain HTTP. */
  tls?: { cert: string; key: string; clientCa?: string }
}

/** The whole derived configuration. */
export interface Plan {
  /** Absolute directory holding `<engine>/<YYYY-MM-DD>.duckdb`. */
  dataDir: string
  http: HttpPlan
  /** Canonical IANA zone name (`local` already resolved to the host's zone). */
  timezone: string
  /** Default retention in days. */
  retentionDays: number
  /** Longest time between commits, in milliseconds. Default 1000. */
  flushIntervalMs: number
  diskGuard: { minFreePercent: number }
  /** `/metrics` access: scrapers send `token` as a bearer token; absent means signed-in users only. */
  metrics: { token?: string }
  /** Absolute path of the users/sessions store, always outside `dataDir`. */
  systemDbPath: string
  classes: Map<string, ClassPlan>
  engines: EnginePlan[]
}

/** A problem the native regex compiler found in one field of a class. */
export interface ClassIssue {
  field: string
  /** 0-based character offset in the pattern, when known. */
  position?: number
  message: string
}

/**
 * Checks a class's patterns — the hook for the native addon's `compileClass`, which
 * knows the Rust regex dialect. Returns no issues when the class compiles.
 */
export type ValidateClass = (name: string, fields: readonly FieldPlan[]) => ClassIssue[]

/** Options of {@link planConfig}. */
export interface PlanOptions {
  /** Base of relative paths. Default `process.cwd()`. */
  cwd?: string
  /** Native pattern check; without it patterns are trusted until the engine starts. */
  validateClass?: ValidateClass
  /** File name used in error messages. */
  file?: string
}

/**
 * Builds the plan from a config that passed {@link validateConfig}.
 *
 * @throws {ConfigError} when `system_db` lies inside `data_dir`, the time zone is unknown,
 *   a TLS listener's PEM file cannot be read (path `/engines/<i>/listen/tls/<j>/cert`, …), or `validateClass` reports issues (path `/classes/<name>/<field>`).
 */
export function planConfig(config: RawConfig, options: PlanOptions = {}): Plan {
  const { cwd = process.cwd(), validateClass, file } = options
  const issues: ConfigIssue[] = []
  const dataDir = resolve(cwd, config.data_dir)
  // Beside data_dir, not in it: the SQL console may read data_dir, never the users store.
  const systemDbPath = config.system_db === undefined ? join(dirname(dataDir), 'logsift-system.duckdb') : resolve(cwd, config.system_db)
  const inside = relative(dataDir, systemDbPath)
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    issues.push({ path: '/system_db', message: `"${config.system_db}" lies inside data_dir (${dataDir}); the users store must be outside it so log queries can never reach it` })
  }
  const timezone = resolveTimeZone(config.timezone)
  if (timezone === undefined) issues.push({ path: '/timezone', message: `unknown time zone "${config.timezone}"` })

  const classes = new Map<string, ClassPlan>()
  for (const [name, fields] of Object.entries(config.classes)) {
    const plan: ClassPlan = { name, fields: Object.entries(fields).map(([field, pattern]) => ({ name: field, pattern })) }
    classes.set(name, plan)
    for (const issue of validateClass?.(name, plan.fields) ?? []) {
      const where = issue.position === undefined ? '' : ` (at position ${issue.position})`
      issues.push({ path: pointer(pointer('/classes', name), issue.field), message: `${issue.message}${where}` })
    }
  }
  config.engines.forEach((e, i) => {
    e.listen.tls?.forEach((t, j) => {
      const base = pointer(pointer(pointer(pointer('/engines', i), 'listen'), 'tls'), j)
      for (const key of ['cert', 'key', 'client_ca'] as const) {
        const path = t[key]
        if (path === undefined) continue
        const reason = unreadable(resolve(cwd, path))
        if (reason !== undefined) issues.push({ path: pointer(base, key), message: reason })
      }
    })
  })
  if (issues.length > 0 || timezone === undefined) throw new ConfigError(file, issues)

  const tls = config.http.tls
  return {
    dataDir,
    http: {
      host: config.http.host,
      port: config.http.port,
      ...(tls && {
        tls: { cert: resolve(cwd, tls.cert), key: resolve(cwd, tls.key), ...(tls.client_ca !== undefined && { clientCa: resolve(cwd, tls.client_ca) }) },
      }),
    },
    timezone,
    retentionDays: config.retention_days,
    flushIntervalMs: config.flush_interval_ms,
    diskGuard: { minFreePercent: config.disk_guard.min_free_percent },
    metrics: config.metrics.token === undefined ? {} : { token: config.metrics.token },
    systemDbPath,
    classes,
    engines: config.engines.map((e) => ({
      name: e.name,
      className: e.class,
      // validateConfig refused engines naming an unknown class.
      fields: classes.get(e.class)!.fields,
      udp: [...e.listen.udp],
      ...(e.listen.tcp !== undefined && e.listen.tcp.length > 0 && { tcp: [...e.listen.tcp] }),
      ...(e.listen.tls !== undefined && e.listen.tls.length > 0 && { tls: e.listen.tls.map((t) => tlsListen(t, cwd)) }),
      senders: e.senders.map((s) => ({ name: s.name, match: s.match })),
      keepOriginalLog: e.keep_original_log,
      retentionDays: e.retention_days ?? config.retention_days,
      receiveBufferBytes: e.receive_buffer_bytes,
      threads: e.threads,
      syslogHeader: e.syslog_header,
      structuredData: e.structured_data ?? e.syslog_header === 'auto',
      tcpLimits: {
        maxMessageBytes: e.tcp_limits.max_message_bytes,
        idleTimeoutMs: e.tcp_limits.idle_timeout_ms,
        maxConnections: e.tcp_limits.max_connections,
      },
      ...journalPlan(dataDir, e.name, e.journal_max_bytes ?? config.journal_max_bytes),
      ...archivePlan(e, config, cwd),
    })),
  }
}

/** An engine's journal, in a dot directory of `dataDir` (no engine name starts with a dot), or none for a cap of 0. */
function journalPlan(dataDir: string, engine: string, maxBytes: number): Pick<EnginePlan, 'journal'> {
  return maxBytes === 0 ? {} : { journal: { dir: join(dataDir, '.journal', engine), maxBytes } }
}

/** An engine's archive: its own settings over the top-level ones, a local path made absolute; none without an `archive_dir`. */
function archivePlan(e: RawEngine, config: RawConfig, cwd: string): Pick<EnginePlan, 'archive'> {
  const dir = e.archive_dir ?? config.archive_dir
  if (dir === undefined) return {}
  const endpoint = e.archive_endpoint ?? config.archive_endpoint
  const region = e.archive_region ?? config.archive_region
  return {
    archive: {
      dir: /^s3:\/\//i.test(dir) ? dir : resolve(cwd, dir),
      ...(endpoint !== undefined && { endpoint }),
      ...(region !== undefined && { region }),
      retentionDays: e.archive_retention_days ?? config.archive_retention_days,
    },
  }
}

/** A TLS listener's plan: its PEM paths made absolute. */
function tlsListen(t: RawTlsListen, cwd: string): NonNullable<EnginePlan['tls']>[number] {
  return {
    address: t.address,
    cert: resolve(cwd, t.cert),
    key: resolve(cwd, t.key),
    ...(t.client_ca !== undefined && { clientCa: resolve(cwd, t.client_ca) }),
  }
}

/** Why the file at `path` cannot be read, or undefined when it can. */
function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK)
    return statSync(path).isFile() ? undefined : `"${path}" is not a file`
  } catch (e) {
    return `cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`
  }
}
