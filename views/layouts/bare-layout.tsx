/**
 * @module
 * The layout for pages seen before signing in (login, first-run setup): one centred card,
 * no menu.
 */
import type { Child } from 'hono/jsx'
import { Alert, type Flash } from '../components/alert.js'
import { Document, type Theme } from './document.js'
import { ThemeToggle } from './theme-toggle.js'

/** Props of {@link BareLayout}. */
export interface BareLayoutProps {
  title: string
  theme?: Theme
  flash?: Flash | null
  children?: Child
}

/** A page with just the logsift mark and a card. */
export function BareLayout({ title, theme, flash, children }: BareLayoutProps) {
  return (
    <Document title={title} theme={theme}>
      <body class="bare">
        <div class="bare-shell" hx-boost="true">
          <div class="bare-top">
            <ThemeToggle />
          </div>
          <main class="bare-main" id="main">
            <p class="brand brand-large">
              <span class="brand-mark" aria-hidden="true"></span>
              logsift
            </p>
            <div class="card bare-card">
              {flash && <Alert kind={flash.kind}>{flash.text}</Alert>}
              {children}
            </div>
          </main>
        </div>
      </body>
    </Document>
  )
}
