/**
 * @module
 * Variables every console request carries, set first by `createApp`: the system store,
 * whether cookies are `Secure`, the client address (for the audit log and the login
 * throttle) and the display time zone.
 */
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { SystemStore } from '../system/system-store.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** Users, sessions and audit log. */
    systemStore: SystemStore
    /** The console is served over TLS, so every cookie it sets is `Secure`. */
    secureCookies: boolean
    /** The client's address as the socket saw it; `unknown` without a socket (`app.request()`). */
    clientAddress: string
    /**
     * IANA name of the zone every page shows times in: the running config's `timezone`
     * (`local` resolved), UTC when the console runs without a server. Read per request,
     * so a change on the Settings page shows on the next page.
     */
    timeZone: string
  }
}

/**
 * The peer address of the request's socket. Proxy headers such as `X-Forwarded-For` are
 * not trusted: anyone can send them, and the login throttle keys on this address.
 */
export function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // app.request() in tests has no socket: every request then shares one throttle key.
    return 'unknown'
  }
}
