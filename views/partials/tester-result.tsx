/**
 * @module
 * The regex tester's answer: per line, every column the class fills (NULL marked), the
 * fields that found nothing, those whose backtracking search was over the work budget, or
 * the compile error with a caret at its position. Lines
 * come from the network or a paste: JSX escapes them.
 */
import type { TesterResult } from '../../src/web/regex-tester.js'

/** Props of {@link TesterResultView}. */
export interface TesterResultViewProps {
  result?: TesterResult | undefined
  /** Where the lines came from, e.g. "last 20 lines of fw". */
  source?: string | undefined
}

/** `#tester-result`, the htmx swap target. */
export function TesterResultView({ result, source }: TesterResultViewProps) {
  if (!result) return <div id="tester-result" aria-live="polite"></div>
  const p = result.problem
  if (p) {
    return (
      <div id="tester-result" aria-live="polite">
        <div class="alert alert-error" role="alert">
          <p>
            Field <code>{p.field}</code> does not compile{p.position !== undefined && <> at position {p.position}</>}:
          </p>
          <pre class="regex-error" data-field={p.field}>
            {p.pattern}
            {p.position !== undefined && `\n${' '.repeat(p.position)}^`}
          </pre>
          <p class="error-message">{p.message}</p>
        </div>
      </div>
    )
  }
  const matched = result.lines.filter((l) => l.unmatched.length === 0).length
  return (
    <div id="tester-result" aria-live="polite" class="stack">
      <p class="muted" id="tester-summary">
        {result.lines.length} {result.lines.length === 1 ? 'line' : 'lines'}
        {source && ` (${source})`}, {matched} with every field matched.
      </p>
      {result.lines.map((line, i) => {
        const noMatch = line.unmatched.filter((f) => !line.overBudget.includes(f))
        return (
          <article class="tested-line card" data-line={i}>
            <pre class="tested-text">{line.text}</pre>
            {noMatch.length > 0 && (
              <p class="unmatched">
                No match: {noMatch.map((f) => <code>{f}</code>)}
              </p>
            )}
            {line.overBudget.length > 0 && (
              <p class="over-budget">
                Over the backtracking budget, stored as NULL: {line.overBudget.map((f) => <code>{f}</code>)}
              </p>
            )}
            <dl class="tested-columns">
              {result.columns.map((c, j) => {
                const v = line.values[j]
                return (
                  <div class="tested-column">
                    <dt>{c.name}</dt>
                    <dd data-column={c.name}>{v === null || v === undefined ? <span class="null">NULL</span> : String(v)}</dd>
                  </div>
                )
              })}
            </dl>
          </article>
        )
      })}
    </div>
  )
}
