/**
 * @module
 * The console application (SPEC §6, §7): middleware order, the public routes, and every
 * area behind its role check. `createApp` wires dependencies only; it opens nothing and
 * listens on nothing (see `server.ts`).
 */
import { Hono, type Context } from 'hono'
import { csrf } from 'hono/csrf'
import { secureHeaders } from 'hono/secure-headers'
import type { Versions } from '../../views/pages/system-page.js'
import type { DataSizeTracker } from '../system/data-size-tracker.js'
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from '../system/sessions.js'
import type { SystemStore } from '../system/system-store.js'
import { socketAddress } from './context.js'
import { onError, onNotFound } from './errors.js'
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js'
import { requireRole } from './middleware/auth/index.js'
import { bodyLimits } from './middleware/body-limit/index.js'
import { csrfToken } from './middleware/csrf-token/index.js'
import { diskGuard } from './middleware/disk-guard/index.js'
import { writeFailures } from './middleware/write-failures/index.js'
import { flash } from './middleware/flash/index.js'
import { htmx } from './middleware/htmx/index.js'
import { renderer } from './middleware/renderer/index.js'
import { session } from './middleware/session/index.js'
import { accountRoutes } from './routes/account.js'
import { auditLogRoutes } from './routes/audit-log.js'
import type { ConsoleControl } from './control.js'
import { RateSampler } from './rate-sampler.js'
import { authRoutes } from './routes/auth.js'
import { classesRoutes } from './routes/classes.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { enginesRoutes } from './routes/engines.js'
import { browseRoutes } from './routes/browse.js'
import { metricsRoutes } from './routes/metrics.js'
import { staticRoutes } from './routes/static.js'
import { sendersRoutes } from './routes/senders.js'
import { settingsRoutes } from './routes/settings.js'
import { systemRoutes } from './routes/system.js'
import { tailRoutes } from './routes/tail.js'
import { sqlRoutes } from './routes/sql.js'
import { usersRoutes } from './routes/users.js'
import { ExportSlots } from './log-data.js'

/** What the console needs from the rest of logsift. */
export interface AppDeps {
  /** Users, sessions, audit log; its clock (`now`) is the console's clock too. */
  systemStore: SystemStore
  /** The log data directory (`data_dir`); the System page reports its file system. */
  dataDir: string
  /** Data size per engine, kept current by the caller's writer notifications. */
  dataSizes: DataSizeTracker
  /** Shown on the System page; Node's own version is added here. */
  versions: Omit<Versions, 'node'>
  /** Session lifetimes. Default 30 min idle, 12 h absolute. */
  session?: Partial<SessionLimits>
  /** The server speaks HTTPS: cookies get `Secure` and `__Host-`, and HSTS is sent. Default `false`. */
  tls?: boolean
  /** Failed-login limits; the clock defaults to the store's. */
  loginThrottle?: LoginThrottleOptions
  /** Client address of a request, for the audit log and the login throttle. Default: the socket's peer. */
  clientAddress?: (c: Context) => string
  /** The running engines and the config they come from; absent when the console runs alone (tests). */
  control?: ConsoleControl
  /** Exports (CSV/Parquet) that may run at once; one more is answered 429. Default 2. */
  maxConcurrentExports?: number
  /** Largest export file, in bytes; a larger export is stopped and answered 400. Default 2 GiB. */
  maxExportBytes?: number
}

// CSP without inline script or style (SPEC §7): everything comes from /static. Framing is
// denied twice (frame-ancestors and X-Frame-Options) for old browsers.
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
}

// Console forms are a few hundred bytes; the class editor and tester carry sample lines
// (up to 1,000 of them, syslog lines are rarely over 2 KiB) and the field patterns.
const BODY_LIMITS = { defaultBytes: 64 << 10, byPrefix: { '/classes': 4 << 20 } }

/**
 * Builds the console.
 *
 * @example
 * ```ts
 * const app = createApp({ systemStore, dataDir, dataSizes, versions: { logsift, duckdb } })
 * const server = await startWebServer(app, { host: '127.0.0.1', port: 8514 })
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const store = deps.systemStore
  const secure = deps.tls ?? false
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...deps.session }
  const throttle = new LoginThrottle({ now: store.now, ...deps.loginThrottle })
  const clientAddress = deps.clientAddress ?? socketAddress
  const control = deps.control
  // Per-second rates for the dashboard, sampled whether or not anyone watches, so a
  // page opened now already shows the last five minutes.
  const rates = control ? new RateSampler(control.supervisor) : undefined
  // One cap for both export routes: each export holds a DuckDB query and a temp file.
  const exports = new ExportSlots(deps.maxConcurrentExports, deps.maxExportBytes)

  const app = new Hono()
  app.onError(onError)
  app.notFound(onNotFound)

  app.use(
    secureHeaders({
      contentSecurityPolicy: CSP,
      xFrameOptions: 'DENY',
      strictTransportSecurity: secure ? 'max-age=31536000' : false,
      referrerPolicy: 'same-origin',
    }),
  )
  app.route('/static', staticRoutes())
  // Every other response may show log lines, users, audit entries or a token: no browser
  // or proxy cache may keep a copy (issue 16.9). Set after the handler, so streamed
  // responses (exports, the dashboard's events) carry it too.
  app.use(async function noStore(c, next) {
    await next()
    c.res.headers.set('Cache-Control', 'no-store')
  })

  app.use(async function requestContext(c, next) {
    c.set('systemStore', store)
    c.set('secureCookies', secure)
    c.set('clientAddress', clientAddress(c))
    c.set('timeZone', control?.supervisor.current.timezone ?? 'UTC')
    await next()
  })
  app.use(htmx())
  app.use(renderer())
  // Before anything reads a body (csrfToken parses forms for their token).
  app.use(bodyLimits(BODY_LIMITS))
  // Origin check first (cheap, no store access), then the session and its token.
  app.use(csrf())
  app.use(session({ limits, secure }))
  app.use(csrfToken({ secure }))
  app.use(flash())
  app.use(diskGuard(() => deps.control?.supervisor.diskGuard.state()))
  app.use(writeFailures(() => deps.control?.supervisor.writeFailures() ?? []))
  // Before the first-run redirect: a scraper with the token is answered even before setup.
  if (deps.control) app.route('/metrics', metricsRoutes(deps.control))
  app.use(async function firstRun(c, next) {
    // While no user exists the only useful page is setup; the token guards it.
    if (store.setupToken !== null && c.req.path !== '/setup') return c.redirect('/setup', 303)
    await next()
  })

  app.route('/', authRoutes({ limits, secure, throttle }))

  // Everything registered below needs a signed-in user; areas add their own role check.
  app.use(requireRole('viewer'))
  app.route('/account', accountRoutes({ secure, throttle }))
  app.route(
    '/system',
    systemRoutes({ dataDir: deps.dataDir, dataSizes: deps.dataSizes, versions: { ...deps.versions, node: process.version } }),
  )
  app.route('/users', usersRoutes({ secure }))
  app.route('/audit', auditLogRoutes())
  app.route('/', dashboardRoutes({ control, rates, dataSizes: deps.dataSizes }))
  app.route('/tail', tailRoutes(control))
  app.route('/engines', enginesRoutes({ control, rates, dataSizes: deps.dataSizes }))
  app.route('/senders', sendersRoutes(control))
  app.route('/classes', classesRoutes(control))
  app.route('/settings', settingsRoutes(control))
  app.route('/browse', browseRoutes({ control, exports }))
  app.route('/sql', sqlRoutes({ control, exports }))
  return app
}
