/**
 * @module
 * Headless Debian Chromium driven by playwright-core, and a real console server on
 * 127.0.0.1 with a free port, for the browser tests.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startServer, type RunningServer } from '../../src/cli/serve.js'
import { startWebServer, type WebServer } from '../../src/web/server.js'
import { makeConsole, type TestConsole } from '../web/helpers.js'

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname

/** Headless Debian Chromium without the background services a test never needs. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
]

/** A served console and a browser pointed at it. */
export interface Rig {
  console: TestConsole
  server: WebServer
  browser: Browser
  /** CSP violations and page errors seen by any page, for a final "none" check. */
  problems: string[]
  /** A fresh browser profile's worth of cookies: one user's browser. */
  newPage(options?: { width?: number; height?: number }): Promise<Page>
  close(): Promise<void>
}

/** Starts the console (30 min idle timeout, injectable clock) and Chromium. */
export async function startRig(): Promise<Rig> {
  const consoleUnderTest = await makeConsole({ session: { idleTimeoutMs: 30 * 60_000 } })
  const server = await startWebServer(consoleUnderTest.app, { host: '127.0.0.1', port: 0 })
  // playwright launches with a new temporary user-data-dir each time and deletes it on close.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  await mkdir(ARTIFACTS, { recursive: true })
  const problems: string[] = []
  const contexts: BrowserContext[] = []
  return {
    console: consoleUnderTest,
    server,
    browser,
    problems,
    async newPage({ width = 1280, height = 800 } = {}) {
      const context = await browser.newContext({ baseURL: server.url, viewport: { width, height } })
      contexts.push(context)
      const page = await context.newPage()
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`))
      return page
    },
    async close() {
      for (const c of contexts) await c.close()
      await browser.close()
      await server.close()
      await consoleUnderTest.close()
    },
  }
}

/**
 * A page in a fresh browser context (its own cookies) on `baseURL`, signed in as `name`
 * through the login form; console errors and page errors go to `problems`.
 */
export async function signedInPage(
  browser: Browser,
  { baseURL, name, password, problems, viewport = { width: 1280, height: 900 } }: { baseURL: string; name: string; password: string; problems: string[]; viewport?: { width: number; height: number } },
): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport })
  const page = await context.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`))
  await page.goto('/login')
  await page.getByLabel('User name').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.user-chip').waitFor()
  return page
}

/** A real `logsift serve` and Chromium signed in to its console as the admin `root`. */
export interface AdminConsole {
  server: RunningServer
  browser: Browser
  page: Page
  /** Console and page errors seen by `page`. */
  problems: string[]
  close(): Promise<void>
}

/** The admin's password in {@link startAdminConsole}. */
export const ADMIN_PASSWORD = 'correct horse battery'

/** Starts `startServer` on `configFile`, adds the admin `root` and signs in to it in Chromium. */
export async function startAdminConsole(configFile: string): Promise<AdminConsole> {
  const server = await startServer(configFile)
  await server.systemStore.createUser({ name: 'root', displayName: 'Rosa Admin', role: 'admin', password: ADMIN_PASSWORD })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
  const problems: string[] = []
  const page = await signedInPage(browser, { baseURL: server.web.url, name: 'root', password: ADMIN_PASSWORD, problems })
  return {
    server,
    browser,
    page,
    problems,
    async close() {
      await browser.close()
      await server.stop()
    },
  }
}

/** Screenshot path for `name` at a viewport and colour scheme. */
export function shot(name: string, viewport: 'desktop' | 'phone', scheme: 'light' | 'dark'): string {
  return join(ARTIFACTS, `${name}-${viewport}-${scheme}.png`)
}
