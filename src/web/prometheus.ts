/**
 * @module
 * The `/metrics` body in the Prometheus text exposition format (version 0.0.4): every
 * counter of SPEC §4 per engine (label `engine`), queue depths, the commit (flush)
 * latency histogram, the disk guard, and the process's own CPU, memory and file
 * descriptors. Hand-written rather than pulled from a client library: the values already
 * live in the engines' counters, so the format is all that is needed, and it is small.
 */
import { readdir } from 'node:fs/promises'
import type { EngineCounters } from '../supervisor/engine-runner.js'
import type { Supervisor } from '../supervisor/supervisor.js'

/** `Content-Type` of the text format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Labels = Record<string, string>

interface Sample {
  /** Appended to the family name (`_bucket`, `_sum`, `_count`). */
  suffix?: string
  labels?: Labels
  value: number
}

/** Counters of §4 and beside it, as `[metric name, counter key, help]`. */
const ENGINE_COUNTERS: readonly [string, keyof EngineCounters, string][] = [
  ['logsift_received_total', 'received', 'Datagrams read from the sockets.'],
  ['logsift_received_bytes_total', 'bytes', 'Payload bytes of the datagrams read.'],
  ['logsift_stored_total', 'stored', 'Rows committed to day files.'],
  ['logsift_rejected_unknown_sender_total', 'rejected_unknown_sender', 'Datagrams from no configured sender.'],
  ['logsift_dropped_backpressure_total', 'dropped_backpressure', 'Rows dropped because the queue to the writer was full.'],
  ['logsift_dropped_journal_full_total', 'dropped_journal_full', 'Rows dropped because the disk journal was at journal_max_bytes.'],
  ['logsift_dropped_journal_error_total', 'dropped_journal_error', 'Rows dropped because the disk failed the journal\'s write (no space, I/O error).'],
  ['logsift_replayed_total', 'replayed', 'Rows stored from journal records an earlier run received.'],
  ['logsift_dropped_disk_full_total', 'dropped_disk_full', 'Rows dropped while the disk guard was on.'],
  ['logsift_dropped_write_error_total', 'dropped_write_error', 'Rows lost because appending to DuckDB failed.'],
  ['logsift_kernel_drops_total', 'kernel_drops', 'Datagrams the kernel dropped on full socket buffers (SO_RXQ_OVFL).'],
  ['logsift_delivered_total', 'delivered', 'Rows handed from the receivers to the writer.'],
  ['logsift_invalid_utf8_total', 'invalid_utf8', 'Rows with invalid UTF-8, stored with U+FFFD.'],
  ['logsift_embedded_nul_total', 'embedded_nul', 'Rows containing NUL bytes.'],
  ['logsift_empty_total', 'empty', 'Empty datagrams.'],
  ['logsift_receive_errors_total', 'receive_errors', 'Failed receive calls other than timeouts.'],
  ['logsift_truncated_total', 'truncated', 'TCP/TLS messages longer than tcp_limits.max_message_bytes, stored cut to it.'],
  ['logsift_truncated_by_close_total', 'truncated_by_close', 'TCP/TLS octet-counted messages whose connection ended before all their bytes came, stored as far as they came.'],
  ['logsift_refused_max_connections_total', 'refused_max_connections', 'TCP/TLS connections closed at once because the listener had tcp_limits.max_connections open.'],
  ['logsift_regex_budget_exceeded_total', 'regex_budget_exceeded', 'Field values stored as NULL because a backtracking pattern (look-around, back-reference) was over its work budget.'],
]

const ENGINE_GAUGES: readonly [string, keyof EngineCounters, string][] = [
  ['logsift_queue_depth_rows', 'queue_depth', 'Rows waiting for the writer.'],
  ['logsift_queue_capacity_rows', 'queue_capacity', 'Capacity of the queue to the writer, in rows.'],
  ['logsift_pending_commit_rows', 'pending_commit', 'Rows appended but not yet committed.'],
  ['logsift_journal_bytes', 'journal_bytes', 'Bytes of the disk journal on disk.'],
  ['logsift_journal_max_bytes', 'journal_max_bytes', 'Size cap of the disk journal (journal_max_bytes; 0 without a journal).'],
  ['logsift_journal_records', 'journal_records', 'Journal records (chunks) received and not yet committed.'],
  ['logsift_journal_lag_seconds', 'journal_lag_seconds', 'Age of the oldest journal record not yet handed to the writer.'],
]

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf'
  return String(v)
}

function family(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Sample[]): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
  for (const s of samples) {
    const labels = Object.entries(s.labels ?? {})
    const set = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
    out.push(`${name}${s.suffix ?? ''}${set} ${formatValue(s.value)}`)
  }
}

/** Open file descriptors, from `/proc/self/fd`; `undefined` where there is no procfs. */
async function openFds(): Promise<number | undefined> {
  try {
    return (await readdir('/proc/self/fd')).length
  } catch {
    return undefined
  }
}

/** The whole `/metrics` body for the running engines. */
export async function renderMetrics(supervisor: Supervisor): Promise<string> {
  const out: string[] = []
  const runners = supervisor.engines().map((r) => ({ engine: r.name, counters: r.counters(), runner: r }))
  for (const [name, key, help] of ENGINE_COUNTERS) {
    family(out, name, 'counter', help, runners.map((r) => ({ labels: { engine: r.engine }, value: r.counters[key] as number })))
  }
  for (const [name, key, help] of ENGINE_GAUGES) {
    family(out, name, 'gauge', help, runners.map((r) => ({ labels: { engine: r.engine }, value: r.counters[key] as number })))
  }
  family(out, 'logsift_engine_up', 'gauge', 'Engine running and storing without error (1) or not (0).', runners.map((r) => ({ labels: { engine: r.engine }, value: r.runner.state === 'running' ? 1 : 0 })))

  const flush: Sample[] = []
  for (const r of runners) {
    const h = r.runner.flushLatency.snapshot()
    h.bounds.forEach((le, i) => flush.push({ suffix: '_bucket', labels: { engine: r.engine, le: String(le) }, value: h.buckets[i]! }))
    flush.push({ suffix: '_bucket', labels: { engine: r.engine, le: '+Inf' }, value: h.count })
    flush.push({ suffix: '_sum', labels: { engine: r.engine }, value: h.sum })
    flush.push({ suffix: '_count', labels: { engine: r.engine }, value: h.count })
  }
  family(out, 'logsift_flush_duration_seconds', 'histogram', 'Duration of each commit of a day file.', flush)

  const guard = supervisor.diskGuard.state()
  family(out, 'logsift_disk_guard_active', 'gauge', 'Engines drop rows because the data file system is too full (1) or store them (0).', [{ value: guard.full ? 1 : 0 }])
  if (guard.freePercent !== null) {
    family(out, 'logsift_data_free_percent', 'gauge', 'Free space on the data file system, in percent.', [{ value: guard.freePercent }])
  }
  family(out, 'logsift_data_min_free_percent', 'gauge', 'Disk guard threshold (disk_guard.min_free_percent).', [{ value: guard.minFreePercent }])

  const cpu = process.cpuUsage()
  const mem = process.memoryUsage()
  family(out, 'process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.', [{ value: cpu.user / 1e6 }])
  family(out, 'process_cpu_system_seconds_total', 'counter', 'System CPU time spent, in seconds.', [{ value: cpu.system / 1e6 }])
  family(out, 'process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', [{ value: (cpu.user + cpu.system) / 1e6 }])
  family(out, 'process_resident_memory_bytes', 'gauge', 'Resident memory size, in bytes.', [{ value: mem.rss }])
  family(out, 'process_heap_used_bytes', 'gauge', 'V8 heap in use, in bytes.', [{ value: mem.heapUsed }])
  family(out, 'process_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (DuckDB, the addon), in bytes.', [{ value: mem.external }])
  family(out, 'process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [{ value: Math.round(Date.now() / 1000 - process.uptime()) }])
  const fds = await openFds()
  if (fds !== undefined) family(out, 'process_open_fds', 'gauge', 'Open file descriptors.', [{ value: fds }])
  return out.join('\n') + '\n'
}
