/**
 * @module
 * The console's one error handler (STYLE "Errors"): an `HTTPException` becomes a page with
 * its status and message, anything else a 500 whose details go to the log, not the browser.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ErrorPage } from '../../views/pages/error-page.js'
import { ErrorAlert } from '../../views/partials/error-alert.js'

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Access denied',
  404: 'Page not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request too large',
  429: 'Too many requests',
  500: 'Something went wrong',
}

const MESSAGES: Record<number, string> = {
  // Only hono's csrf() origin check throws 403 without a message of its own.
  403: 'This request did not come from a logsift page, so it was refused.',
  404: 'There is nothing at this address.',
  500: 'The server could not complete this request. The details are in its log.',
}

function render(c: Context, status: number, message: string): Response | Promise<Response> {
  const title = TITLES[status] ?? `Error ${status}`
  c.status(status as 400)
  if (c.var.htmx) return c.html(<ErrorAlert title={title} message={message} />)
  return c.render(<ErrorPage status={status} title={title} message={message} />, { title })
}

/**
 * Renders errors. hono's own middleware throws `HTTPException` with a plain-text `res`
 * ("Forbidden" from `csrf()`); only its status is kept, so every error looks the same.
 */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) {
    const status = err.status
    return render(c, status, err.message || MESSAGES[status] || 'The request was refused.')
  }
  console.error(`logsift console: ${c.req.method} ${c.req.path} failed:`, err)
  return render(c, 500, MESSAGES[500])
}

/** 404 for a path no route serves (seen only by signed-in users: others are sent to login first). */
export const onNotFound: NotFoundHandler = (c) => render(c, 404, MESSAGES[404])
