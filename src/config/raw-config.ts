/**
 * @module
 * The config file as read: snake_case, shaped exactly like `config/logsift.json` after
 * the schema filled in its defaults. `plan.ts` turns it into the camelCase plan; nothing
 * else should read these names.
 */

/** A class: field name → regular expression, in the order written. */
export type RawClass = Record<string, string>

/** One sender entry of an engine. */
export interface RawSender {
  name: string
  /** Exact address, CIDR or wildcard (`10.0.*`, `*`). */
  match: string
}

/** One TLS listener (RFC 5425) of an engine: paths as written, relative to the working directory. */
export interface RawTlsListen {
  address: string
  cert: string
  key: string
  client_ca?: string
}

/** Limits of an engine's TCP and TLS listeners. */
export interface RawTcpLimits {
  max_message_bytes: number
  idle_timeout_ms: number
  max_connections: number
}

/** One engine (listener) as written in the file. */
export interface RawEngine {
  name: string
  class: string
  listen: { udp: string[]; tcp?: string[]; tls?: RawTlsListen[] }
  keep_original_log: boolean
  retention_days?: number
  archive_dir?: string
  archive_retention_days?: number
  archive_endpoint?: string
  archive_region?: string
  journal_max_bytes?: number
  receive_buffer_bytes: number
  threads: number
  syslog_header: 'auto' | 'off'
  /** Absent: on when `syslog_header` is `auto`. */
  structured_data?: boolean
  tcp_limits: RawTcpLimits
  senders: RawSender[]
}

/** The whole file, with the schema's defaults applied. */
export interface RawConfig {
  $schema?: string
  data_dir: string
  system_db?: string
  http: {
    host: string
    port: number
    tls?: { cert: string; key: string; client_ca?: string }
  }
  timezone: string
  retention_days: number
  archive_dir?: string
  archive_retention_days: number
  archive_endpoint?: string
  archive_region?: string
  flush_interval_ms: number
  journal_max_bytes: number
  disk_guard: { min_free_percent: number }
  metrics: { token?: string }
  classes: Record<string, RawClass>
  engines: RawEngine[]
}
