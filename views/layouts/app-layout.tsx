/**
 * @module
 * The signed-in console: top bar, sidebar menu (a CSS-only drawer on phones, so it works
 * without JavaScript) and the page. The shell is what `hx-boost` swaps, so the htmx CSRF
 * header is set on it rather than on `<body>`, which boosting never replaces.
 */
import type { Child } from 'hono/jsx'
import type { DiskGuardState } from '../../src/supervisor/disk-guard.js'
import type { User } from '../../src/system/system-store.js'
import { Alert, type Flash } from '../components/alert.js'
import { CsrfField } from '../components/csrf-field.js'
import { DiskFullBanner } from '../components/disk-full-banner.js'
import { Icon } from '../components/icon.js'
import { Nav, type AreaKey } from '../components/nav.js'
import { RoleBadge } from '../components/role-badge.js'
import { Document, type Theme } from './document.js'
import { ThemeToggle } from './theme-toggle.js'
import { WriteFailureBanner } from '../components/write-failure-banner.js'
import type { EngineWriteFailure } from '../../src/web/middleware/write-failures/index.js'

/** Props of {@link AppLayout}. */
export interface AppLayoutProps {
  title: string
  user: User
  csrfToken: string
  active?: AreaKey
  theme?: Theme
  flash?: Flash | null
  /** Set while the disk guard stops storing: every page shows the banner. */
  diskGuard?: DiskGuardState | null
  /** Engines that lost rows to failed writes lately: every page shows a banner for each. */
  writeFailures?: EngineWriteFailure[]
  /** The display zone (IANA name) of every time on the page. */
  timeZone: string
  children?: Child
}

/** A full console page for a signed-in user. */
export function AppLayout({ title, user, csrfToken, active, theme, flash, diskGuard, writeFailures = [], timeZone, children }: AppLayoutProps) {
  return (
    <Document title={title} theme={theme}>
      <body>
        <div class="shell" hx-boost="true" hx-headers={JSON.stringify({ 'X-CSRF-Token': csrfToken })}>
          <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Show menu" />
          <header class="topbar">
            <label for="nav-toggle" class="icon-button menu-button" title="Menu">
              <Icon name="menu" />
            </label>
            <a href="/" class="brand">
              <span class="brand-mark" aria-hidden="true"></span>
              logsift
            </a>
            <div class="topbar-end">
              <ThemeToggle />
              <a href="/account" class="user-chip" title="Your account">
                <span class="user-name">{user.displayName}</span>
                <RoleBadge role={user.role} />
              </a>
            </div>
          </header>
          <aside class="sidebar">
            <Nav role={user.role} active={active} />
            <form method="post" action="/logout" class="logout-form">
              <CsrfField token={csrfToken} />
              <button type="submit" class="nav-link nav-button">
                <Icon name="logout" />
                <span>Sign out</span>
              </button>
            </form>
          </aside>
          <main class="content" id="main">
            {diskGuard && <DiskFullBanner state={diskGuard} />}
            {writeFailures.map((f) => (
              <WriteFailureBanner failure={f} timeZone={timeZone} />
            ))}
            {flash && <Alert kind={flash.kind}>{flash.text}</Alert>}
            {children}
          </main>
        </div>
      </body>
    </Document>
  )
}
