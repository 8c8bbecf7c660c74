/**
 * @module
 * Request body size limits.
 */
export { bodyLimits, type BodyLimitsOptions } from './body-limit.js'
