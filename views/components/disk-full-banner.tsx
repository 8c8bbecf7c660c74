/**
 * @module
 * The banner every console page shows while the disk guard is on (SPEC §8).
 */
import type { DiskGuardState } from '../../src/supervisor/disk-guard.js'
import { Alert } from './alert.js'

/** Props of {@link DiskFullBanner}. */
export interface DiskFullBannerProps {
  state: DiskGuardState
}

/** Says that engines are not storing, why, and that they resume by themselves. */
export function DiskFullBanner({ state }: DiskFullBannerProps) {
  // Rounded down, so a value just under the threshold never reads as equal to it.
  const free = state.freePercent === null ? '?' : (Math.floor(state.freePercent * 10) / 10).toFixed(1)
  return (
    <Alert kind="error">
      <strong>Disk almost full: logs are not being stored.</strong> The data file system ({state.dataDir}) has {free}% free,
      below the disk guard's {state.minFreePercent}%. Incoming rows are counted as dropped_disk_full; storing resumes by
      itself once space is freed.
    </Alert>
  )
}
