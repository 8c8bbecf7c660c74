/**
 * @module
 * The one place that turns an engine's archive directory into an {@link ArchiveStore}:
 * a local path opens a {@link LocalArchiveStore}; an `s3://` URL an {@link S3ArchiveStore}.
 */
import type { ArchiveStore } from './archive-store.js'
import { LocalArchiveStore } from './local-store.js'
import { S3ArchiveStore } from './s3-store.js'

/** Where an engine archives: `dir` is a local path or `s3://bucket/prefix`. */
export interface ArchiveStoreConfig {
  dir: string
  /** S3 endpoint URL (S3-compatible servers); ignored for local paths. */
  endpoint?: string
  /** S3 region; ignored for local paths. */
  region?: string
}

/** Opens the store for `config.dir`; a malformed `s3://` URL throws a clear error. */
export function openArchiveStore(config: ArchiveStoreConfig): ArchiveStore {
  if (/^s3:\/\//i.test(config.dir)) {
    return new S3ArchiveStore(config.dir, { endpoint: config.endpoint, region: config.region })
  }
  return new LocalArchiveStore(config.dir)
}
