/**
 * @module
 * What a failed request shows: the status, a sentence, and a way back.
 */

/** Props of {@link ErrorPage}. */
export interface ErrorPageProps {
  status: number
  title: string
  message: string
}

/** Full-page error body (inside whichever layout applies). */
export function ErrorPage({ status, title, message }: ErrorPageProps) {
  return (
    <section class="error-page">
      <p class="error-status">{status}</p>
      <h1>{title}</h1>
      <p class="error-message">{message}</p>
      <p>
        <a href="/" class="button">
          Go to the dashboard
        </a>
      </p>
    </section>
  )
}
