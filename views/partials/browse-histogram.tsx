/**
 * @module
 * The Browse histogram (issue 18): the matching rows of the range per bucket of time, an
 * SVG of bars loaded by the page after itself. Each bar links to the Browse view of its
 * own bucket (a Custom range, filters kept); views/static/histogram.js adds
 * drag-to-select over several bars.
 */
import type { Histogram } from '../../src/store/log-summary.js'
import { wallTime } from '../../src/web/time-range.js'

/** One bar: its link and the wall-clock bounds of the range it narrows to. */
export interface HistogramBucket {
  href: string
  fromText: string
  toText: string
}

/** Props of {@link BrowseHistogram}. */
export interface BrowseHistogramProps {
  histogram: Histogram
  /** One per bucket, in order. */
  buckets: HistogramBucket[]
  timeZone: string
}

/** Width of a bar in the SVG's own units; its height is {@link PLOT_HEIGHT}. */
const BAR = 10
const PLOT_HEIGHT = 100

/** `15 min`, `1 h`, `2 days`: a bucket width as the caption says it. */
export function widthText(ms: number): string {
  const units: [number, string, string][] = [
    [86_400_000, 'day', 'days'],
    [3_600_000, 'h', 'h'],
    [60_000, 'min', 'min'],
    [1000, 's', 's'],
  ]
  for (const [size, one, many] of units) if (ms % size === 0) return `${ms / size} ${ms === size ? one : many}`
  return `${ms} ms`
}

const n = new Intl.NumberFormat('en-US')

/** The histogram card's body: caption, bars, and the times of the first and last bucket. */
export function BrowseHistogram({ histogram, buckets, timeZone }: BrowseHistogramProps) {
  const max = Math.max(1, ...histogram.counts)
  const label = (ms: number) => wallTime(ms, timeZone).replace('T', ' ')
  const end = histogram.originMs + histogram.count * histogram.widthMs
  return (
    <div class="histogram" id="histogram">
      <p class="histogram-caption">
        <span class="histogram-total">{histogram.total === 1 ? '1 row' : `${n.format(histogram.total)} rows`}</span>
        <span class="muted">
          {` in ${histogram.count} buckets of ${widthText(histogram.widthMs)} · click a bar, or drag across bars, to narrow the range`}
        </span>
      </p>
      <svg
        class="histogram-plot"
        viewBox={`0 0 ${histogram.count * BAR} ${PLOT_HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Rows per ${widthText(histogram.widthMs)}`}
        data-buckets={String(histogram.count)}
      >
        {histogram.counts.map((count, i) => {
          const height = count === 0 ? 0 : Math.max(1, (count / max) * PLOT_HEIGHT)
          const bucket = buckets[i]!
          return (
            <a class="histogram-bucket" href={bucket.href} data-count={String(count)} data-from={bucket.fromText} data-to={bucket.toText}>
              <title>{`${bucket.fromText.replace('T', ' ')} – ${bucket.toText.replace('T', ' ')}: ${count === 1 ? '1 row' : `${n.format(count)} rows`}`}</title>
              <rect class="histogram-hit" x={String(i * BAR)} y="0" width={String(BAR)} height={String(PLOT_HEIGHT)} />
              <rect class="histogram-bar" x={String(i * BAR + 1)} y={String(PLOT_HEIGHT - height)} width={String(BAR - 2)} height={String(height)} />
            </a>
          )
        })}
      </svg>
      <div class="histogram-axis muted">
        <span>{label(histogram.originMs)}</span>
        <span>{label(end)}</span>
      </div>
    </div>
  )
}
