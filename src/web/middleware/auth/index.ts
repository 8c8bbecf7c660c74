/**
 * @module
 * Role-checking middleware.
 */
export { requireRole } from './auth.js'
