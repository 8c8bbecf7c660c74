/**
 * @module
 * Layout renderer middleware.
 */
import type { AreaKey } from '../../../../views/components/nav.js'

export { renderer, THEME_COOKIE } from './renderer.js'

/** What every page passes to `c.render`. */
export interface PageProps {
  /** Shown in the tab title as `<title> · logsift`. */
  title: string
  /** Highlighted menu entry. */
  active?: AreaKey
  /** `bare` forces the card layout even when signed in. Default `app`. */
  layout?: 'app' | 'bare'
}

declare module 'hono' {
  interface ContextRenderer {
    (content: string | Promise<string>, props: PageProps): Response | Promise<Response>
  }
}
