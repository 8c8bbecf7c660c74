/**
 * @module
 * Defaults that `config/logsift.schema.json` declares, for the console forms that show
 * them as placeholders: read from the schema, so a form never promises another value
 * than validation fills in.
 */
import schema from '../../config/logsift.schema.json' with { type: 'json' }
import type { RawTcpLimits } from './raw-config.js'

const limits = schema.$defs.engine.properties.tcp_limits.properties

/** An engine's `tcp_limits` when the file leaves them out. */
export const TCP_LIMIT_DEFAULTS: Readonly<RawTcpLimits> = {
  max_message_bytes: limits.max_message_bytes.default,
  idle_timeout_ms: limits.idle_timeout_ms.default,
  max_connections: limits.max_connections.default,
}
