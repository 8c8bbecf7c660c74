/**
 * @module
 * The banner every console page shows after an engine lost rows to a failed write.
 */
import type { EngineWriteFailure } from '../../src/web/middleware/write-failures/index.js'
import { errorFields } from '../../src/log.js'
import { Alert } from './alert.js'

/** Props of {@link WriteFailureBanner}. */
export interface WriteFailureBannerProps {
  failure: EngineWriteFailure
}

/** Says which engine lost how many rows, when and why, and whether it stores again. */
export function WriteFailureBanner({ failure }: WriteFailureBannerProps) {
  const at = new Date(failure.at).toISOString().replace('T', ' ').slice(0, 19)
  return (
    <Alert kind="error">
      <strong>Engine {failure.engine} could not store {failure.rows} rows</strong> at {at} UTC ({failure.droppedWriteError} in
      all, counted as dropped_write_error): {errorFields(failure.error).error}.{' '}
      {failure.reopening ? 'Its day file cannot be opened again yet; logsift keeps trying.' : 'Its day file was opened anew and it stores again.'}
    </Alert>
  )
}
