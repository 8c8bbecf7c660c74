/**
 * @module
 * The one place that turns an engine's archive directory into an {@link ArchiveStore}:
 * a local path opens a {@link LocalArchiveStore}; an `s3://` URL is meant for the
 * S3-compatible store, which this build does not contain yet.
 */
import type { ArchiveStore } from './archive-store.js'
import { LocalArchiveStore } from './local-store.js'

/** Where an engine archives: `dir` is a local path or `s3://bucket/prefix`. */
export interface ArchiveStoreConfig {
  dir: string
  /** S3 endpoint URL (S3-compatible servers); ignored for local paths. */
  endpoint?: string
  /** S3 region; ignored for local paths. */
  region?: string
}

/** Opens the store for `config.dir`; throws a clear error for `s3://` until the S3 store is wired in. */
export function openArchiveStore(config: ArchiveStoreConfig): ArchiveStore {
  if (/^s3:\/\//i.test(config.dir)) {
    // The coordinator points this branch at S3ArchiveStore (src/archive/s3-store.ts) after merging.
    throw new Error(`S3 archive store not available: cannot open ${config.dir}`)
  }
  return new LocalArchiveStore(config.dir)
}
