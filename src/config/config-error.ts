/**
 * @module
 * The one error type of the config layer: every problem found in a config file, each
 * named by its JSON path, so an operator can fix them all in one pass.
 */

/** One problem in a config file. */
export interface ConfigIssue {
  /** JSON Pointer of the offending value, e.g. `/engines/0/listen/udp/1`; `''` is the whole file. */
  path: string
  /** What is wrong, in plain words, lower-case, naming the culprit. */
  message: string
  /** 1-based line in the file, for syntax errors that have no JSON path yet. */
  line?: number
  /** 1-based column (in UTF-16 code units) on `line`. */
  column?: number
}

/**
 * A config file that cannot be used. Carries every issue found, not just the first.
 *
 * @example
 * try { await loadConfig(file) } catch (e) {
 *   if (e instanceof ConfigError) { console.error(e.format()); process.exit(2) }
 *   throw e
 * }
 */
export class ConfigError extends Error {
  /** The file the issues are about, when there is one. */
  readonly file: string | undefined
  /** Every issue found, in document order where possible. */
  readonly issues: readonly ConfigIssue[]

  constructor(file: string | undefined, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(formatIssues(file, issues), options)
    this.name = 'ConfigError'
    this.file = file
    this.issues = issues
  }

  /** One line per issue: `<file>: <path>: <message>`, or `<file>:<line>:<column>: <message>`. */
  format(): string {
    return formatIssues(this.file, this.issues)
  }
}

function formatIssues(file: string | undefined, issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${where(file, i)}: ${i.message}`).join('\n')
}

function where(file: string | undefined, issue: ConfigIssue): string {
  const name = file ?? '<config>'
  if (issue.line !== undefined) return `${name}:${issue.line}:${issue.column ?? 1}`
  return `${name}: ${issue.path === '' ? '/' : issue.path}`
}
