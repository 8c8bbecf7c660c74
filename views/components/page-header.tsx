/**
 * @module
 * The title block at the top of every console page.
 */
import type { Child } from 'hono/jsx'

/** Props of {@link PageHeader}. */
export interface PageHeaderProps {
  title: string
  /** One line of text; markup such as a `<time>` is allowed. */
  description?: Child
  /** Buttons or links shown at the right of the title. */
  actions?: Child
}

/** `<h1>` with an optional one-line description and actions. */
export function PageHeader({ title, description, actions }: PageHeaderProps) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p class="page-description">{description}</p>}
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </header>
  )
}
