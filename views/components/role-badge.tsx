/**
 * @module
 * A small label showing a user's role.
 */
import type { Role } from '../../src/system/system-store.js'

/** Props of {@link RoleBadge}. */
export interface RoleBadgeProps {
  role: Role
}

/** `admin` or `viewer`, as a coloured badge. */
export function RoleBadge({ role }: RoleBadgeProps) {
  return <span class={`badge badge-${role}`}>{role}</span>
}
