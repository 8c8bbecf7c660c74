import dgram from 'node:dgram'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { field, queryFile, spawnServe, tempConfig, udpPort } from '../support/serve.js'

const todayUtc = () => new Date().toISOString().slice(0, 10)

/** The numeric counters of an `engine.stopped` (or similar) logfmt line. */
function counters(line: string, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, Number(field(line, k))]))
}

/** Sends `count` datagrams of exactly `bytes` bytes, numbered, at about `perSecond`. */
async function sendLarge(port: number, count: number, bytes: number, perSecond: number): Promise<void> {
  const socket = dgram.createSocket('udp4')
  const started = Date.now()
  try {
    for (let i = 0; i < count; i++) {
      const payload = Buffer.alloc(bytes, 'x')
      payload.write(`<13>Jan  1 00:00:00 host app: large ${i} `)
      await new Promise<void>((resolve, reject) => socket.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
      const ahead = started + ((i + 1) * 1000) / perSecond - Date.now()
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead))
    }
  } finally {
    socket.close()
  }
}

const large = suite('serve: 64 KiB datagrams')

large('5,000 datagrams of 65,507 bytes are every one stored, and the file holds them exactly', async () => {
  const { file, config } = tempConfig()
  const serve = spawnServe(file)
  try {
    const port = udpPort(await serve.waitFor(/event=engine\.started/))
    await sendLarge(port, 5000, 65_507, 1250)
    serve.child.kill('SIGTERM')
    const stopped = await serve.waitFor(/event=engine\.stopped/, 60_000)
    assert.is(await serve.exited, 0, serve.lines.join('\n'))
    const c = counters(stopped, ['received', 'stored', 'dropped_write_error', 'dropped_backpressure', 'kernel_drops'])
    assert.equal(c, { received: 5000, stored: 5000, dropped_write_error: 0, dropped_backpressure: 0, kernel_drops: 0 })
    assert.not.ok(serve.lines.some((l) => /engine\.(error|write_failed)/.test(l)), serve.lines.join('\n'))
    const path = join(config.data_dir as string, 'fw', `${todayUtc()}.duckdb`)
    const [[rows, distinct, bytes]] = (await queryFile(path, `SELECT count(*), count(DISTINCT original_log), sum(strlen(original_log)) FROM logs`)) as [[bigint, bigint, bigint]]
    assert.equal([Number(rows), Number(distinct), Number(bytes)], [5000, 5000, 5000 * 65_507])
  } finally {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL')
  }
})

large.run()
