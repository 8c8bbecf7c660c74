/**
 * @module
 * The live part of the System page; htmx polls `/system` for it, and the full page
 * renders the same component.
 */
import type { EngineDataSize } from '../../src/system/data-size-tracker.js'
import type { HostStats } from '../../src/system/host-stats.js'
import { formatBytes, formatDuration, formatPercent } from '../components/format.js'
import { ZonedTime } from '../components/zoned-time.js'

/** Props of {@link SystemStats}. */
export interface SystemStatsProps {
  stats: HostStats
  dataSizes: EngineDataSize[]
  /** How often htmx refreshes the block, in seconds. */
  refreshS: number
  /** The display zone (IANA name). */
  timeZone: string
}

/** Host cards and the data-size table. */
export function SystemStats({ stats, dataSizes, refreshS, timeZone }: SystemStatsProps) {
  const { cpu, memory, disk } = stats
  const memoryUsed = memory.totalBytes - memory.availableBytes
  const totalData = dataSizes.reduce((sum, e) => sum + e.bytes, 0)
  return (
    <div id="system-stats" class="stack" hx-get="/system" hx-trigger={`every ${refreshS}s`} hx-swap="outerHTML">
      <div class="stat-grid">
        <section class="card stat">
          <h2 class="stat-label">CPU</h2>
          <p class="stat-value">{formatPercent(cpu.busy)}</p>
          <meter min={0} max={1} low={0.7} high={0.9} optimum={0} value={cpu.busy} aria-label="CPU busy"></meter>
          <p class="stat-detail">
            {cpu.cores} cores · load {cpu.loadAverage.map((l) => l.toFixed(2)).join(' ')}
          </p>
          <p class="stat-detail">logsift uses {formatPercent(cpu.processShare)} of one core</p>
        </section>
        <section class="card stat">
          <h2 class="stat-label">Memory</h2>
          <p class="stat-value">{formatBytes(memoryUsed)}</p>
          <meter
            min={0}
            max={memory.totalBytes}
            low={memory.totalBytes * 0.8}
            high={memory.totalBytes * 0.9}
            optimum={0}
            value={memoryUsed}
            aria-label="Memory used"
          ></meter>
          <p class="stat-detail">
            of {formatBytes(memory.totalBytes)} · {formatBytes(memory.availableBytes)} available
          </p>
          <p class="stat-detail">logsift resident {formatBytes(memory.processRssBytes)}</p>
        </section>
        <section class="card stat">
          <h2 class="stat-label">Disk</h2>
          {disk ? (
            <>
              {/* <data> carries the exact byte counts, the figures df prints with -B1. */}
              <p class="stat-value" id="disk-used">
                <data value={String(disk.usedBytes)}>{formatBytes(disk.usedBytes)}</data> used
              </p>
              <meter min={0} max={100} low={80} high={95} optimum={0} value={disk.usedPercent} aria-label="Disk used"></meter>
              <p class="stat-detail" id="disk-size">
                of <data value={String(disk.totalBytes)}>{formatBytes(disk.totalBytes)}</data> ({disk.usedPercent}%) ·{' '}
                <data value={String(disk.availableBytes)}>{formatBytes(disk.availableBytes)}</data> available
              </p>
              <p class="stat-detail path" title={disk.path}>
                {disk.path}
              </p>
            </>
          ) : (
            <>
              <p class="stat-value muted">—</p>
              <p class="stat-detail">The data directory cannot be read yet.</p>
            </>
          )}
        </section>
        <section class="card stat">
          <h2 class="stat-label">Uptime</h2>
          <p class="stat-value">{formatDuration(stats.processUptimeS)}</p>
          <p class="stat-detail">host up {formatDuration(stats.hostUptimeS)}</p>
        </section>
      </div>
      <section class="card card-flush" aria-labelledby="data-title">
        <h2 id="data-title" class="card-flush-title">
          Data per engine <span class="muted">· {formatBytes(totalData)} in all</span>
        </h2>
        {dataSizes.length === 0 ? (
          <div class="empty-state">
            <p>No engines are configured.</p>
          </div>
        ) : (
          <div class="table-wrap">
            <table class="table table-stack">
              <thead>
                <tr>
                  <th scope="col">Engine</th>
                  <th scope="col" class="num">
                    Files
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Measured</th>
                </tr>
              </thead>
              <tbody>
                {dataSizes.map((e) => (
                  <tr>
                    <td data-label="Engine">
                      <code>{e.name}</code>
                    </td>
                    <td data-label="Files" class="num">
                      {e.files}
                    </td>
                    <td data-label="Size" class="num">
                      {formatBytes(e.bytes)}
                    </td>
                    <td data-label="Measured" class="nowrap">
                      {e.scannedAtMs ? <ZonedTime ms={e.scannedAtMs} timeZone={timeZone} /> : <span class="muted">not yet</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  )
}
