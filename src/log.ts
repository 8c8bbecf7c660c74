/**
 * @module
 * The server's own log: one line per event on stdout, `level=… event=… key=value…`
 * (logfmt), so journald and grep both read it. Values with spaces or quotes are quoted.
 */

/** Severity of an event. */
export type Level = 'debug' | 'info' | 'warn' | 'error'

type Fields = Record<string, string | number | boolean | undefined | null>

function quote(v: string): string {
  return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
}

/** Formats one event line (no trailing newline). */
export function formatEvent(level: Level, event: string, fields: Fields = {}): string {
  const parts = [`time=${new Date().toISOString()}`, `level=${level}`, `event=${event}`]
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) parts.push(`${k}=${quote(String(v))}`)
  return parts.join(' ')
}

/** Writes one event line to stdout (errors and warnings to stderr). */
export function logEvent(level: Level, event: string, fields?: Fields): void {
  const line = formatEvent(level, event, fields) + '\n'
  if (level === 'error' || level === 'warn') process.stderr.write(line)
  else process.stdout.write(line)
}

/** Fields describing an error and its causes, for {@link logEvent}. */
export function errorFields(error: unknown): Fields {
  const messages: string[] = []
  for (let e: unknown = error; e !== undefined && messages.length < 5; e = e instanceof Error ? e.cause : undefined) {
    messages.push(e instanceof Error ? e.message : String(e))
  }
  return { error: messages.join(': ') }
}
