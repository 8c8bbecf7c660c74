/**
 * @module
 * Stand-in for an area a later issue builds; it keeps the menu and the access rules in
 * place until then.
 */
import { PageHeader } from '../components/page-header.js'

/** Props of {@link ComingSoonPage}. */
export interface ComingSoonPageProps {
  title: string
  summary: string
}

/** The area's title and purpose, and a note that it is not built yet. */
export function ComingSoonPage({ title, summary }: ComingSoonPageProps) {
  return (
    <>
      <PageHeader title={title} description={summary} />
      <div class="card empty-state">
        <p class="empty-title">Coming soon</p>
        <p>This part of the console is not built yet.</p>
      </div>
    </>
  )
}
