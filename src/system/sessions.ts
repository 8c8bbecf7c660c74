/**
 * @module
 * Session tokens and expiry rules (SPEC §7). The browser holds a random 256-bit token;
 * the store holds only its SHA-256, so a copy of the system database cannot be replayed
 * as a login.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Idle and absolute lifetimes of a session, in milliseconds. */
export interface SessionLimits {
  /** A session unused for this long expires. Default 30 minutes. */
  idleTimeoutMs: number
  /** A session expires this long after login, however busy. Default 12 hours. */
  absoluteTimeoutMs: number
}

/** Defaults for {@link SessionLimits}. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
}

/** A fresh random token: 32 bytes (256 bits), base64url. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** The form of a session token kept in the store. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Compares two secrets without leaking where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Whether a session created at `createdAtMs` and last used at `lastSeenAtMs` has expired at `nowMs`. */
export function isSessionExpired(
  session: { createdAtMs: number; lastSeenAtMs: number },
  nowMs: number,
  limits: SessionLimits,
): boolean {
  return nowMs - session.lastSeenAtMs >= limits.idleTimeoutMs || nowMs - session.createdAtMs >= limits.absoluteTimeoutMs
}
