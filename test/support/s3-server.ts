/**
 * @module
 * A real S3-compatible server for tests: versitygw (Versity S3 Gateway) with its posix
 * backend on a temporary directory, listening on a free loopback port. .ci/run builds it
 * when it is not on PATH and exports VERSITYGW.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { waitFor } from './wait.js'

/** The versitygw binary: `$VERSITYGW`, else the one on PATH, else undefined. */
export function versitygwBinary(): string | undefined {
  if (process.env.VERSITYGW) return process.env.VERSITYGW
  const r = spawnSync('sh', ['-c', 'command -v versitygw'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

/** A running versitygw and the root credentials it accepts. */
export interface S3Server {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  /** The posix directory behind the gateway: one subdirectory per bucket. */
  root: string
  /** An SDK client signed with the root credentials, for test set-up. */
  client: S3Client
  /** Creates a bucket through the S3 API. */
  createBucket(name: string): Promise<void>
  stop(): Promise<void>
}

async function freeTcpPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** Starts versitygw and resolves once its health endpoint answers. */
export async function startS3Server(binary: string): Promise<S3Server> {
  const root = mkdtempSync(join(tmpdir(), 'logsift-s3-'))
  const port = await freeTcpPort()
  const accessKeyId = 'logsift-test'
  const secretAccessKey = `secret-${randomBytes(12).toString('hex')}`
  const endpoint = `http://127.0.0.1:${port}`
  let output = ''
  const child: ChildProcess = spawn(binary, ['--port', `127.0.0.1:${port}`, '--quiet', '--health', '/health', 'posix', root], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d: Buffer) => (output += d))
  child.stderr!.on('data', (d: Buffer) => (output += d))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode}: ${output}`)
        return fetch(`${endpoint}/health`).then((r) => r.ok, () => false)
      },
      { what: `versitygw answering on ${endpoint}`, detail: () => output },
    )
  } catch (e) {
    await stop()
    throw e
  }
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } })
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    root,
    client,
    createBucket: async (name) => void (await client.send(new CreateBucketCommand({ Bucket: name }))),
    stop: async () => {
      client.destroy()
      await stop()
    },
  }
}
