/**
 * @module
 * Telling a damaged day file from a good one before it is written to, and moving a
 * damaged one aside so the day starts afresh instead of stopping the engine (and with
 * it `serve`) at every start.
 */
import { stat, rename } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteIdent } from './sql-quote.js'

/** A day file whose content DuckDB cannot read: not a database, cut short, or failing its checksums. */
export class DamagedDayFileError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`day file ${path} is damaged`, { cause })
  }
}

/** DuckDB's words for a file whose bytes are wrong, as opposed to one it may not open (locked, no permission). */
const DAMAGE = /not a valid DuckDB database file|Could not read enough bytes|Corrupt database file|checksum|truncated|Failed to load metadata/i

/** Whether `error` says that a file's content is damaged. */
export function isDamage(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (DAMAGE.test(e.message)) return true
  return false
}

/** The file header and the two database headers before the first block (DuckDB's storage format). */
const HEADER_BYTES = 3 * 4096

/**
 * Files up to this size are read whole at open, every block's checksum verified:
 * measured 400 MB/s (1.3 s for 519 MB, bench/README.md), so at most about 5 s. A larger
 * file gets the structural checks only; a damaged block in it fails the queries that
 * read it, and a write that touches it fails and is counted.
 */
export const FULL_CHECK_MAX_BYTES = 2 * 2 ** 30

/**
 * Checks the day file at `path`, attached as `database`: it is as long as its blocks
 * say (a file cut short opens, as long as its metadata is whole), its metadata reads,
 * and, up to {@link FULL_CHECK_MAX_BYTES}, every column of every row reads back.
 *
 * @throws DamagedDayFileError when it is damaged.
 */
export async function checkDayFile(connection: DuckDBConnection, database: string, path: string): Promise<void> {
  try {
    const size = (await stat(path)).size
    // Used blocks, not total_blocks: a checkpoint cuts free blocks off the file's end while
    // total_blocks still counts them, so a healthy file is often shorter than total_blocks
    // (after a reload's close, 798,720 bytes for 5 blocks of 256 KiB). Every used block
    // lies within a whole file, so a file shorter than its used blocks is cut short.
    const [used, blockSize] = (
      await connection.runAndReadAll(`SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = '${database}'`)
    ).getRows()[0]!
    const expected = HEADER_BYTES + Number(used) * Number(blockSize)
    if (size < expected) throw new Error(`file is ${size} bytes, its ${Number(used)} used blocks need ${expected}: truncated`)
    const columns = (
      await connection.runAndReadAll(`SELECT column_name FROM duckdb_columns() WHERE database_name = '${database}' AND schema_name = 'main' AND table_name = 'logs'`)
    ).getRows()
    if (columns.length === 0) return
    await connection.runAndReadAll(`SELECT count(*) FROM pragma_storage_info('${database}.main.logs')`)
    if (size > FULL_CHECK_MAX_BYTES) return
    // hash() reads every value, so DuckDB verifies the checksum of every block it loads.
    await connection.runAndReadAll(`SELECT ${columns.map(([c]) => `sum(hash(${quoteIdent(String(c))}))`).join(', ')} FROM ${database}.main.logs`)
  } catch (e) {
    throw isDamage(e) ? new DamagedDayFileError(path, e) : e
  }
}

/**
 * Moves the damaged file at `path` (`<day>.duckdb`) and its write-ahead log aside to
 * `<day>.corrupt-<time>.duckdb` (+ `.wal`), where no day-file listing sees it; resolves
 * with the new path.
 */
export async function moveAside(path: string, now: Date = new Date()): Promise<string> {
  const time = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const aside = path.replace(/\.duckdb$/, `.corrupt-${time}.duckdb`)
  if (existsSync(`${path}.wal`)) await rename(`${path}.wal`, `${aside}.wal`)
  await rename(path, aside)
  return aside
}
