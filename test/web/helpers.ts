/**
 * @module
 * A console on a temporary system store, for the web tests: the app, its store, an
 * injectable clock, and cookie-keeping request helpers for `app.request()`.
 */
import type { Hono } from 'hono'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type AppDeps } from '../../src/web/app.js'
import { DataSizeTracker } from '../../src/system/data-size-tracker.js'
import type { Role } from '../../src/system/system-store.js'
import { SystemStore } from '../../src/system/system-store.js'

/** Origin that `app.request()` URLs resolve against; forms send it as `Origin`. */
export const ORIGIN = 'http://localhost'

/** A console under test. */
export interface TestConsole {
  app: Hono
  store: SystemStore
  /** Milliseconds since the epoch seen by the store, the sessions and the throttle. */
  clock: { ms: number }
  dir: string
  dataDir: string
  close(): Promise<void>
}

/** Builds a console on a fresh temp dir; `overrides` replace deps. */
export async function makeConsole(overrides: Partial<AppDeps> = {}): Promise<TestConsole> {
  const dir = await mkdtemp(join(tmpdir(), 'logsift-web-'))
  const dataDir = join(dir, 'data')
  await mkdir(join(dataDir, 'mikrotik'), { recursive: true })
  const clock = { ms: Date.UTC(2025, 0, 2, 13, 4, 5) }
  const store = await SystemStore.create(join(dir, 'logsift-system.duckdb'), { now: () => clock.ms })
  const engines = () => [{ name: 'mikrotik', dataDir: join(dataDir, 'mikrotik') }]
  const dataSizes = await DataSizeTracker.create({ engines, rescanIntervalMs: 3_600_000 })
  const app = createApp({
    systemStore: store,
    dataDir,
    dataSizes,
    versions: { logsift: '0.1.0', duckdb: store.duckdbVersion },
    ...overrides,
  })
  return {
    app,
    store,
    clock,
    dir,
    dataDir,
    async close() {
      dataSizes.close()
      store.closeSync()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Creates a user straight in the store. */
export async function addUser(store: SystemStore, name: string, role: Role, password = 'correct horse battery') {
  return store.createUser({ name, displayName: name.toUpperCase(), role, password })
}

/**
 * A browser-like client for `app.request()`: keeps cookies, sends `Origin`, and reads the
 * CSRF token from the last page so posts look like form submissions.
 */
export class Client {
  readonly cookies = new Map<string, string>()
  csrf = ''
  private readonly app: Hono

  constructor(app: Hono) {
    this.app = app
  }

  /** GET `path`; remembers cookies and the page's CSRF token. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.app.request(path, { headers: { cookie: this.cookieHeader(), ...headers } })
    this.keep(res)
    const html = await res.clone().text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)
    if (token) this.csrf = token[1]
    return res
  }

  /**
   * POST a form to `path` with the current CSRF token (unless `fields._csrf` overrides it).
   * Pairs repeat a field name as a browser does for rows of inputs.
   */
  async post(path: string, fields: Record<string, string> | readonly [string, string][] = {}, headers: Record<string, string> = {}): Promise<Response> {
    const pairs = Array.isArray(fields) ? fields : Object.entries(fields)
    const body = new URLSearchParams(pairs.some(([k]) => k === '_csrf') ? [...pairs] : [['_csrf', this.csrf], ...pairs])
    const res = await this.app.request(path, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: ORIGIN,
        cookie: this.cookieHeader(),
        ...headers,
      },
    })
    this.keep(res)
    return res
  }

  /** Signs in through the login form. */
  async login(name: string, password = 'correct horse battery'): Promise<Response> {
    await this.get('/login')
    const res = await this.post('/login', { name, password })
    if (res.status === 303) await this.get('/')
    return res
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || attrs.some((a) => /max-age=0\b/i.test(a.trim()))) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
}

/** Page text as a reader sees it: the entities JSX escapes turned back into characters. */
export function unescape(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
}
