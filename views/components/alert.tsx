/**
 * @module
 * A message box for success and error notices.
 */
import type { Child } from 'hono/jsx'

/** A message carried to the next page after a redirect (see the flash middleware). */
export interface Flash {
  kind: 'success' | 'error'
  text: string
}

/** Props of {@link Alert}. */
export interface AlertProps {
  kind: 'success' | 'error' | 'info'
  children?: Child
}

/** A notice; errors are announced at once by screen readers (`role="alert"`). */
export function Alert({ kind, children }: AlertProps) {
  return (
    <div class={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}
