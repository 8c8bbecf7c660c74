/**
 * @module
 * Sets the page layout once (STYLE §4): `c.render(<Page/>, { title, active })` wraps the
 * page in the console shell for a signed-in user and in the bare card layout otherwise
 * (login, setup, errors before sign-in).
 */
import type { MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { jsxRenderer } from 'hono/jsx-renderer'
import { AppLayout } from '../../../../views/layouts/app-layout.js'
import { BareLayout } from '../../../../views/layouts/bare-layout.js'
import type { Theme } from '../../../../views/layouts/document.js'

/** Cookie written by `/static/theme.js`; read here so the page arrives in the right colours. */
export const THEME_COOKIE = 'logsift_theme'

/**
 * Installs the console renderer.
 *
 * @example
 * ```ts
 * app.use(renderer())
 * app.get('/users', (c) => c.render(<UsersPage … />, { title: 'Users', active: 'users' }))
 * ```
 */
export const renderer = (): MiddlewareHandler =>
  jsxRenderer(({ children, title, active, layout }, c) => {
    const cookie = getCookie(c, THEME_COOKIE)
    const theme: Theme | undefined = cookie === 'light' || cookie === 'dark' ? cookie : undefined
    const user = c.var.user
    if (user && layout !== 'bare') {
      return (
        <AppLayout
          title={title}
          user={user}
          csrfToken={c.var.csrfToken}
          active={active}
          theme={theme}
          flash={c.var.flash}
          diskGuard={c.var.diskGuard}
          writeFailures={c.var.writeFailures}
          timeZone={c.var.timeZone}
        >
          {children}
        </AppLayout>
      )
    }
    return (
      <BareLayout title={title} theme={theme} flash={c.var.flash}>
        {children}
      </BareLayout>
    )
  })
