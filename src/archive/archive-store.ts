/**
 * @module
 * The contract between the archiver and where archived day files go. The archiver talks
 * only to this interface, so a local directory and an S3-compatible bucket are interchangeable.
 */

/** Where archived day files go: a local directory or an S3-compatible bucket. Keys use '/' and are relative to the archive root, e.g. 'engine=fw/date=2026-12-01/part-0.parquet'. */
export interface ArchiveStore {
  /** A human-readable location for logs and the console, e.g. '/var/lib/logsift/archive' or 's3://bucket/prefix'. */
  readonly location: string
  /**
   * The local directory below which {@link localPath} puts every key's file, as the key's
   * own path: what DuckDB must be allowed to read (the store itself, or S3's cache).
   */
  readonly localRoot: string
  /** Stores the local file under key so that readers see either nothing or the whole object (temp name + rename locally; a single PUT / completed multipart upload on S3). */
  put(localFile: string, key: string): Promise<void>
  /** Byte size of the object at key, or undefined when there is none. */
  size(key: string): Promise<number | undefined>
  /** Keys under a prefix (recursive). */
  list(prefix: string): Promise<string[]>
  /** Deletes the object at key; no error if it is gone. */
  remove(key: string): Promise<void>
  /** A local path DuckDB's read_parquet can open for key: the file itself for a local store; for S3 a read-through cache copy. */
  localPath(key: string): Promise<string>
}
