/**
 * startWebServer on a real socket: plain HTTP, HTTPS from PEM files, and close().
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { get } from 'node:https'
import { join } from 'node:path'
import { startWebServer } from '../../src/web/server.js'
import { addUser, makeConsole } from './helpers.js'

const test = suite('startWebServer')

test('serves HTTP on a free port and stops on close', async () => {
  const t = await makeConsole()
  try {
    await addUser(t.store, 'ann', 'viewer')
    const server = await startWebServer(t.app, { host: '127.0.0.1', port: 0 })
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${server.url}/login`)
    assert.is(res.status, 200)
    assert.match(await res.text(), '<h1 class="card-title">Sign in</h1>')
    await server.close()
    await fetch(`${server.url}/login`).then(
      () => assert.unreachable('the server still answers'),
      (err: Error) => assert.instance(err, TypeError),
    )
  } finally {
    await t.close()
  }
})

test('serves HTTPS from PEM files, with Secure cookies when the app knows', async () => {
  const t = await makeConsole({ tls: true })
  try {
    await addUser(t.store, 'ann', 'viewer')
    const cert = join(t.dir, 'cert.pem')
    const key = join(t.dir, 'key.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', key, '-out', cert], { stdio: 'ignore' })
    const server = await startWebServer(t.app, { host: '127.0.0.1', port: 0, tls: { cert, key } })
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      const { status, cookies } = await new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
        get(`${server.url}/login`, { rejectUnauthorized: false }, (res) => {
          res.resume()
          resolve({ status: res.statusCode!, cookies: res.headers['set-cookie'] ?? [] })
        }).on('error', reject)
      })
      assert.is(status, 200)
      assert.match(cookies.join('\n'), /^__Host-logsift_csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/m)
    } finally {
      await server.close()
    }
  } finally {
    await t.close()
  }
})

test('a port in use is an error, not a hang', async () => {
  const t = await makeConsole()
  const first = await startWebServer(t.app, { host: '127.0.0.1', port: 0 })
  try {
    await startWebServer(t.app, { host: '127.0.0.1', port: first.port }).then(
      () => assert.unreachable('two servers on one port'),
      (err: NodeJS.ErrnoException) => assert.is(err.code, 'EADDRINUSE'),
    )
  } finally {
    await first.close()
    await t.close()
  }
})

test.run()
