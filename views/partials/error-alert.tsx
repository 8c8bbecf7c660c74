/**
 * @module
 * The error an htmx fragment request gets instead of a whole error page.
 */

/** Props of {@link ErrorAlert}. */
export interface ErrorAlertProps {
  title: string
  message: string
}

/** An error box that fits where the fragment was going. */
export function ErrorAlert({ title, message }: ErrorAlertProps) {
  return (
    <div class="alert alert-error" role="alert">
      <strong>{title}.</strong> {message}
    </div>
  )
}
