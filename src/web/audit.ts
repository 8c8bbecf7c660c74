/**
 * @module
 * The one way console routes write the audit log: every state change calls {@link audit}
 * once it has succeeded.
 */
import type { Context } from 'hono'

/**
 * Records that the request's user did `action` to `target`.
 *
 * @param action dotted verb, `<area>.<past participle>`: `user.created`, `engine.deleted`.
 * @param target what was changed, by name (a user name, an engine name), or `null`.
 * @param details a short human sentence of what changed, e.g. `viewer → admin`; never a secret.
 *
 * @example
 * ```ts
 * await audit(c, 'user.role_changed', user.name, `${before} → ${after}`)
 * ```
 */
export async function audit(
  c: Context,
  action: string,
  target: string | null = null,
  details: string | null = null,
): Promise<void> {
  await c.var.systemStore.appendAudit({
    userName: c.var.user?.name ?? null,
    action,
    target,
    details,
    address: c.var.clientAddress,
  })
}
