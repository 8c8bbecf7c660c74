/**
 * @module
 * The banner every console page shows after an engine lost rows to a failed write.
 */
import type { EngineWriteFailure } from '../../src/web/middleware/write-failures/index.js'
import { errorFields } from '../../src/log.js'
import { Alert } from './alert.js'
import { ZonedTime } from './zoned-time.js'

/** Props of {@link WriteFailureBanner}. */
export interface WriteFailureBannerProps {
  failure: EngineWriteFailure
  /** The display zone (IANA name). */
  timeZone: string
}

/** What comes of the failure, by where it happened and whether its cause lasts. */
const OUTCOME = {
  dropped_write_error: ['Its day file was opened anew and it stores again.', 'Its day file cannot be opened again yet; logsift keeps trying.'],
  dropped_journal_error: ['Its journal writes again.', 'Its journal still cannot write; it resumes by itself once the disk has room.'],
} as const

/** Says which engine lost how many rows, when and why, and whether it stores again. */
export function WriteFailureBanner({ failure, timeZone }: WriteFailureBannerProps) {
  return (
    <Alert kind="error">
      <strong>Engine {failure.engine} could not store {failure.rows} rows</strong> at <ZonedTime ms={failure.at} timeZone={timeZone} /> ({failure.dropped} in
      all, counted as {failure.counter}): {errorFields(failure.error).error}.{' '}
      {OUTCOME[failure.counter][failure.stillFailing ? 1 : 0]}
    </Alert>
  )
}
