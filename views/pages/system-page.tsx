/**
 * @module
 * System (SPEC §6): host load, data size per engine, uptime and versions.
 */
import { PageHeader } from '../components/page-header.js'
import { SystemStats, type SystemStatsProps } from '../partials/system-stats.js'

/** Versions shown at the bottom of the page. */
export interface Versions {
  logsift: string
  node: string
  duckdb: string
}

/** Props of {@link SystemPage}. */
export interface SystemPageProps extends SystemStatsProps {
  versions: Versions
}

/** The live stats block and the versions card. */
export function SystemPage({ versions, ...stats }: SystemPageProps) {
  return (
    <>
      <PageHeader title="System" description={`This host and the logsift process; refreshed every ${stats.refreshS} s.`} />
      <div class="stack">
        <SystemStats {...stats} />
        <section class="card" aria-labelledby="versions-title">
          <h2 id="versions-title">Versions</h2>
          <dl class="facts">
            <div>
              <dt>logsift</dt>
              <dd>
                <code>{versions.logsift}</code>
              </dd>
            </div>
            <div>
              <dt>Node.js</dt>
              <dd>
                <code>{versions.node}</code>
              </dd>
            </div>
            <div>
              <dt>DuckDB</dt>
              <dd>
                <code>{versions.duckdb}</code>
              </dd>
            </div>
          </dl>
        </section>
      </div>
    </>
  )
}
