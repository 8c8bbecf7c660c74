/**
 * @module
 * Session middleware and cookie helpers.
 */
import type { Session, User } from '../../../system/system-store.js'

export { session, sessionCookieName, setSessionCookie, clearSessionCookie, type SessionOptions } from './session.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The signed-in user, read fresh from the store; `null` when signed out. */
    user: User | null
    /** The current session; `null` when signed out. */
    session: Session | null
    /** The request carried a session that had just expired (the login page says so). */
    sessionExpired: boolean
  }
}
