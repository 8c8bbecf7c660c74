/**
 * @module
 * Puts the console on a socket: plain HTTP, or HTTPS when `http.tls` names a certificate
 * and key (SPEC §7).
 */
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { readFile } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/** Where and how to listen. */
export interface WebServerOptions {
  /** Address to bind, e.g. `127.0.0.1` or `::`. */
  host: string
  /** TCP port; 0 picks a free one (tests). */
  port: number
  /** PEM file paths (`http.tls.cert`, `http.tls.key`); serves HTTPS when set. */
  tls?: { cert: string; key: string }
}

/** A listening console. */
export interface WebServer {
  /** Base URL, e.g. `http://127.0.0.1:8514`. */
  url: string
  port: number
  /** Stops accepting, closes open connections (idle keep-alives, event streams) and resolves when done. */
  close(): Promise<void>
}

/**
 * Starts listening and resolves once the socket is bound.
 *
 * @example
 * ```ts
 * const server = await startWebServer(app, { host: '127.0.0.1', port: 8514 })
 * process.once('SIGTERM', () => server.close())
 * ```
 */
export async function startWebServer(app: Hono, options: WebServerOptions): Promise<WebServer> {
  const tls = options.tls && {
    cert: await readFile(options.tls.cert),
    key: await readFile(options.tls.key),
  }
  const common = { fetch: app.fetch, hostname: options.host, port: options.port }
  return new Promise((resolve, reject) => {
    const server = tls
      ? serve({ ...common, createServer: createHttpsServer, serverOptions: tls })
      : serve(common)
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      const host = options.host.includes(':') ? `[${options.host}]` : options.host
      resolve({
        url: `${tls ? 'https' : 'http'}://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()))
            if ('closeAllConnections' in server) server.closeAllConnections()
          }),
      })
    })
  })
}
