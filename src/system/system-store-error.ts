/**
 * @module
 * The one error type of the system store: a kind the console turns into a message,
 * plus the underlying cause when there is one.
 */

/** Why a system store change was refused. */
export type SystemStoreErrorKind =
  /** Another user already has this name. */
  | 'duplicate_name'
  /** The change would leave no admin (delete or demote of the last one). */
  | 'last_admin'
  /** The user does not exist (any more). */
  | 'not_found'
  /** The setup token is wrong, or setup was already done. */
  | 'bad_setup_token'

/** A refused change to users or sessions; `kind` says which rule refused it. */
export class SystemStoreError extends Error {
  /** Which rule refused the change. */
  readonly kind: SystemStoreErrorKind

  constructor(kind: SystemStoreErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SystemStoreError'
    this.kind = kind
  }
}
