/**
 * @module
 * logsift as a library: receive and extract syslog with the native engine, load and plan
 * a config, store batches in daily DuckDB files, and read them back over any time range.
 *
 * @example
 * import { loadPlan, DuckDBWriter, queryLogs } from 'logsift'
 * const { plan } = await loadPlan('config/logsift.json')
 * const writer = await DuckDBWriter.create({ dataDir: plan.dataDir, engine: 'mikrotik', timezone: plan.timezone })
 */

export * from './config/index.js'
export { DuckDBWriter, type DuckDBWriterOptions, type WriterStats } from './store/duckdb-writer.js'
export { dayFilePath, dayOf, daySpan, listDayFiles, nextMidnight, systemClock, type Clock, type DayFile, type DaySpan } from './store/day-files.js'
export { openLogs, queryLogs, type LogsRelation, type LogsSource, type QueryLogsOptions, type TimeRange } from './store/query.js'
export type { Batch, Column, ColumnType } from './engine/batch.js'
export { Engine, type EngineSettings, type EngineStats, type SocketInfo, type UnknownSenderInfo } from './engine/engine.js'
export { checkClass, classColumns, extract, extractAsync, rowColumns, type ClassDefinition, type Extraction } from './engine/extract.js'
export { EngineRunner, type EngineCounters, type StorageSettings } from './supervisor/engine-runner.js'
export { Supervisor, type ReloadSummary, type SupervisorOptions } from './supervisor/supervisor.js'
