/**
 * @module
 * Stand-in for an area a later issue builds; it keeps the menu and the access rules in
 * place until then, and lists the configured engines where the area is about engines.
 */
import type { EngineDir } from '../../src/system/data-size-tracker.js'
import { PageHeader } from '../components/page-header.js'

/** Props of {@link ComingSoonPage}. */
export interface ComingSoonPageProps {
  title: string
  summary: string
  /** Configured engines, shown under the notice when given. */
  engines?: EngineDir[]
}

/** The area's title and purpose, and a note that it is not built yet. */
export function ComingSoonPage({ title, summary, engines }: ComingSoonPageProps) {
  return (
    <>
      <PageHeader title={title} description={summary} />
      <div class="stack">
        <div class="card empty-state">
          <p class="empty-title">Coming soon</p>
          <p>This part of the console is not built yet.</p>
        </div>
        {engines && (
          <section class="card card-flush" aria-labelledby="engines-title">
            <h2 id="engines-title" class="card-flush-title">
              Configured engines <span class="muted">· {engines.length}</span>
            </h2>
            <div class="table-wrap">
              <table class="table table-stack">
                <thead>
                  <tr>
                    <th scope="col">Engine</th>
                    <th scope="col">Data directory</th>
                  </tr>
                </thead>
                <tbody>
                  {engines.map((e) => (
                    <tr>
                      <td data-label="Engine">
                        <code>{e.name}</code>
                      </td>
                      <td data-label="Data directory">
                        <code>{e.dataDir}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
      </div>
    </>
  )
}
