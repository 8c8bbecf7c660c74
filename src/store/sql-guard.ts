/**
 * @module
 * Which functions and relations a viewer's SELECT may use (SPEC §7). The statement type
 * and the locked-down settings do not cover everything: some of DuckDB's table functions
 * change the instance although they sit in a SELECT and ignore `lock_configuration`.
 * `enable_logging(storage='file', storage_path=…)` made every later connection close
 * throw inside a C++ destructor, which aborts the whole process (`terminate called after
 * throwing an instance of 'duckdb::PermissionException'`) — no JavaScript `catch` can
 * stop that. So the parse tree (DuckDB's own `json_serialize_sql`, before anything is
 * bound or run) is checked here: table functions must be on {@link TABLE_FUNCTIONS},
 * volatile scalar functions on {@link VOLATILE_FUNCTIONS}, and no relation may name
 * {@link REFUSED_RELATIONS}.
 */

/**
 * Table functions that only compute or read: generators, unnesting, JSON walking, the
 * catalog, and the file readers, which DuckDB itself keeps to the engine's day files and
 * export directory (`allowed_directories`). Everything else — `enable_logging`,
 * `disable_logging`, `truncate_duckdb_logs`, `checkpoint`, `force_checkpoint`,
 * `enable_profiling`, `enable_peg_parser`, `query`, `query_table`,
 * `json_execute_serialized_sql`, `arrow_scan`, `duckdb_logs`, … and any function a later
 * DuckDB adds — is refused.
 */
export const TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'range',
  'generate_series',
  'unnest',
  'repeat',
  'repeat_row',
  'json_each',
  'json_tree',
  'duckdb_columns',
  'duckdb_constraints',
  'duckdb_databases',
  'duckdb_functions',
  'duckdb_keywords',
  'duckdb_schemas',
  'duckdb_tables',
  'duckdb_types',
  'duckdb_views',
  'pragma_table_info',
  'pg_timezone_names',
  'icu_calendar_names',
  'read_csv',
  'read_csv_auto',
  'read_json',
  'read_json_auto',
  'read_ndjson',
  'read_ndjson_auto',
  'read_parquet',
  'parquet_scan',
  'read_text',
  'read_blob',
])

/**
 * Scalar functions DuckDB marks VOLATILE that only read. The other volatile ones change
 * state (`nextval`, `setseed`, `write_log`) or hold a DuckDB thread without doing work
 * (`sleep_ms`); a volatile function a later DuckDB adds is refused until it is listed.
 */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random',
  'uuid',
  'uuidv4',
  'uuidv7',
  'gen_random_uuid',
  'error',
  'currval',
  'stats',
  'current_connection_id',
  'current_query',
  'current_query_id',
  'current_transaction_id',
])

/** DuckDB's views over state shared by every session: `duckdb_logs` holds other users' statements once logging is on. */
export const REFUSED_RELATIONS: ReadonlySet<string> = new Set(['duckdb_logs'])

/** The SQL that lists DuckDB's volatile scalar functions, the input of {@link statementRefusal}. */
export const VOLATILE_SQL = "SELECT DISTINCT function_name FROM duckdb_functions() WHERE stability = 'VOLATILE' AND function_type IN ('scalar', 'aggregate', 'macro')"

/**
 * Why the statement parsed as `tree` (one element of `json_serialize_sql`'s `statements`)
 * may not run, or `undefined` when it may. `volatile` holds the names of DuckDB's volatile
 * functions ({@link VOLATILE_SQL}).
 *
 * @example
 * statementRefusal(tree, volatile) // 'enable_logging() cannot run here: …'
 */
export function statementRefusal(tree: unknown, volatile: ReadonlySet<string>): string | undefined {
  if (Array.isArray(tree)) {
    for (const item of tree) {
      const refused = statementRefusal(item, volatile)
      if (refused) return refused
    }
    return undefined
  }
  if (typeof tree !== 'object' || tree === null) return undefined
  const node = tree as Record<string, unknown>
  if (node.type === 'TABLE_FUNCTION') {
    const fn = node.function as Record<string, unknown> | undefined
    const name = String(fn?.function_name ?? '').toLowerCase()
    if (!TABLE_FUNCTIONS.has(name)) {
      return `${name}() cannot run here: SQL may call only the read-only table functions ${[...TABLE_FUNCTIONS].join(', ')}.`
    }
    // Its arguments are walked below: they may hold calls and subqueries of their own.
  }
  if (node.type === 'BASE_TABLE' && REFUSED_RELATIONS.has(String(node.table_name).toLowerCase())) {
    return `${String(node.table_name)} cannot be read here: it holds what other sessions ran.`
  }
  if (typeof node.function_name === 'string') {
    const name = node.function_name.toLowerCase()
    if (volatile.has(name) && !VOLATILE_FUNCTIONS.has(name)) return `${name}() cannot run here: it changes DuckDB's state or holds it up.`
  }
  for (const value of Object.values(node)) {
    const refused = statementRefusal(value, volatile)
    if (refused) return refused
  }
  return undefined
}
