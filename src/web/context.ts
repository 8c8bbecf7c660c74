/**
 * @module
 * Variables every console request carries, set first by `createApp`: the system store
 * and the client address, which the audit log and the login throttle need.
 */
import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { SystemStore } from '../system/system-store.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** Users, sessions and audit log. */
    systemStore: SystemStore
    /** The client's address as the socket saw it; `unknown` without a socket (`app.request()`). */
    clientAddress: string
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
