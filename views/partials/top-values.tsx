/**
 * @module
 * Top values of one column for the Browse filters (issue 18), loaded on demand: each
 * value links to the view with an equals filter on it added; a value already filtered
 * on with equals links to the same view with that filter turned into not equals.
 */
import type { TopValues } from '../../src/store/log-summary.js'

/** One listed value and where a click on it goes. */
export interface TopValueLink {
  /** Absent for NULL, which no filter selects. */
  href?: string
  /** The value is filtered on with equals now: the link makes it "not equals". */
  filtered: boolean
}

/** Props of {@link TopValuesList}. */
export interface TopValuesListProps {
  top: TopValues
  /** One per value of `top.values`. */
  links: TopValueLink[]
}

const n = new Intl.NumberFormat('en-US')

/** `12.5 %`, or `< 0.1 %` for a value too rare to show as a tenth of a percent. */
function shareText(count: number, total: number): string {
  const percent = (count / total) * 100
  return percent < 0.05 ? '< 0.1 %' : `${percent.toFixed(1)} %`
}

/** The list, most rows first, with each value's rows and share of the match. */
export function TopValuesList({ top, links }: TopValuesListProps) {
  if (top.values.length === 0) return <p class="empty-state">No rows match, so {top.column} has no values here.</p>
  return (
    <div class="top-values-result">
      <p class="muted top-values-caption">
        {`Top ${top.values.length} values of ${top.column} among ${top.total === 1 ? '1 row' : `${n.format(top.total)} rows`} · click to filter =, again for ≠`}
      </p>
      <table class="table top-values-table">
        <thead>
          <tr>
            <th scope="col">{top.column}</th>
            <th scope="col" class="num">
              Rows
            </th>
            <th scope="col" class="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {top.values.map((v, i) => {
            const link = links[i]!
            const action = link.filtered ? `${top.column} ≠ ${v.value}` : `${top.column} = ${v.value}`
            return (
              <tr>
                <td class="mono">
                  {link.href === undefined ? (
                    <span class="muted">(no value)</span>
                  ) : (
                    <a class={link.filtered ? 'top-value is-filtered' : 'top-value'} href={link.href} title={`Show ${action}`}>
                      {v.value}
                    </a>
                  )}
                  {link.filtered && <span class="top-value-hint muted"> = now; click for ≠</span>}
                </td>
                <td class="num top-value-count">{n.format(v.count)}</td>
                <td class="num muted">{shareText(v.count, top.total)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
