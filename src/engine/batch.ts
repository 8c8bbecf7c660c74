/**
 * @module
 * Rows as JavaScript values, column by column: one object per batch of messages, never
 * one per message. `extract()` returns columns in this shape, the live tail and tests
 * read native chunks through it, and batches made in JS are stored through it.
 */

/** DuckDB type of a stored column. */
export type ColumnType = 'varchar' | 'integer' | 'utinyint' | 'timestamptz'

/** One column of a batch; `valid[i] === 0` marks row `i` as NULL (absent means no NULLs). */
export type Column =
  | { name: string; type: 'varchar'; values: (string | null)[] }
  | { name: string; type: 'integer'; values: Int32Array; valid?: Uint8Array }
  | { name: string; type: 'utinyint'; values: Uint8Array; valid?: Uint8Array }
  | { name: string; type: 'timestamptz'; values: BigInt64Array; valid?: Uint8Array }

/**
 * A batch of stored rows. `receivedAtUs` holds microseconds since the Unix epoch, one per row.
 * `columns` follows SPEC §4 after `received_at`: sender_ip, sender, facility, severity,
 * hostname, app_name, proc_id, msg_id, log_time, the class fields in class order
 * (`_ip` fields split into address + `_port`), original_log (all NULL when the engine does
 * not keep it).
 */
export interface Batch {
  rowCount: number
  receivedAtUs: BigInt64Array
  columns: Column[]
}
