/**
 * startWebServer on a real socket: plain HTTP, HTTPS from PEM files, and close().
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
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

/**
 * POSTs `totalBytes` of form body to `url` in 1 MiB chunks, declared up front or chunked,
 * and stops writing once the answer arrives. Resolves with the status, body and bytes sent.
 */
function postLarge(url: string, totalBytes: number, declareLength: boolean): Promise<{ status: number; body: string; sentBytes: number }> {
  const chunk = Buffer.alloc(1 << 20, 'a')
  return new Promise((resolve, reject) => {
    let sentBytes = 0
    let answered = false
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', origin: url }
    if (declareLength) headers['content-length'] = String(totalBytes + 5)
    const req = request(`${url}/login`, { method: 'POST', headers }, (res) => {
      answered = true
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        req.destroy()
        resolve({ status: res.statusCode!, body, sentBytes })
      })
    })
    // Once the server has answered it may close the socket under the rest of the body.
    req.on('error', (err) => (answered ? undefined : reject(err)))
    req.write('name=')
    const pump = () => {
      while (!answered && sentBytes < totalBytes) {
        sentBytes += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (!answered) req.end()
    }
    pump()
  })
}

// Issue 16.3: a 200 MB anonymous POST to /login was read whole and raised RSS to 1 GB.
test('a 200 MB form post is answered 413 without being held in memory', async () => {
  const t = await makeConsole()
  const server = await startWebServer(t.app, { host: '127.0.0.1', port: 0 })
  try {
    await addUser(t.store, 'ann', 'viewer')
    for (const declareLength of [true, false]) {
      const rssBefore = process.memoryUsage().rss
      const res = await postLarge(server.url, 200 << 20, declareLength)
      const grownMiB = (process.memoryUsage().rss - rssBefore) / (1 << 20)
      assert.is(res.status, 413, `declared length: ${declareLength}`)
      assert.match(res.body, 'The request is larger than the 64 KiB this page accepts.')
      assert.ok(grownMiB < 64, `RSS grew ${grownMiB.toFixed(0)} MiB (declared length: ${declareLength})`)
      assert.ok(res.sentBytes < 200 << 20, `the whole body was read (declared length: ${declareLength})`)
    }
    assert.is((await fetch(`${server.url}/login`)).status, 200)
  } finally {
    await server.close()
    await t.close()
  }
})

test.run()
