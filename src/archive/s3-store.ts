/**
 * @module
 * An {@link ArchiveStore} in an S3-compatible bucket (`s3://bucket/prefix`). Objects become
 * visible whole: a small file is one PUT, a large one a multipart upload that S3 shows only
 * once it is completed (and aborts on failure). `localPath` downloads into a read-through
 * cache so DuckDB can open archived days as plain files.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, S3Client, S3ServiceException } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { ArchiveStore } from './archive-store.js'
import { TEMP_PREFIX } from './local-store.js'

/** Options of {@link S3ArchiveStore}. */
export interface S3ArchiveStoreOptions {
  /** Endpoint URL of an S3-compatible server (e.g. `http://127.0.0.1:7070`); addressing is then path-style. Default: AWS. */
  endpoint?: string
  /** Region the requests are signed for. Default `us-east-1`. */
  region?: string
  /** Directory of the read-through cache behind `localPath`. Default `<os.tmpdir()>/logsift-archive-cache`. */
  cacheDir?: string
  /** Files larger than this go up as a multipart upload in parts of this size, in bytes (S3's minimum is 5 MiB). Default 8 MiB. */
  partSizeBytes?: number
}

const MIB = 1024 * 1024

/** Bucket and key prefix (`''` or ending in `/`) of an `s3://bucket/prefix` URL; throws a clear error for anything else. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url)
  const bucket = m?.[1]
  if (bucket === undefined) throw new Error(`archive_dir "${url}" names no bucket; write s3://bucket or s3://bucket/prefix`)
  const parts = (m?.[2] ?? '').split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '.' || p === '..')) throw new Error(`archive_dir "${url}" has a "." or ".." in its prefix`)
  return { bucket, prefix: parts.map((p) => `${p}/`).join('') }
}

/** HTTP status of a failed S3 call, if the server answered. */
function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
}

/** Why an S3 call failed, in words an operator can act on. */
function reason(e: unknown): string {
  const status = statusOf(e)
  const name = e instanceof Error ? e.name : String(e)
  if (name === 'CredentialsProviderError') return 'no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
  if (status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return `the server refused the credentials (${name}, HTTP ${status ?? '?'}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`
  }
  if (name === 'NoSuchBucket') return 'the bucket does not exist'
  if (e instanceof S3ServiceException) return `${name} (HTTP ${status ?? '?'}): ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

/** An archive in an S3-compatible bucket; keys map to object keys below the URL's prefix. */
export class S3ArchiveStore implements ArchiveStore {
  readonly location: string
  private readonly client: S3Client
  private readonly bucket: string
  private readonly prefix: string
  private readonly cacheDir: string

  /** The read-through cache: {@link localPath} puts each key's file below it. */
  get localRoot(): string {
    return this.cacheDir
  }
  private readonly partSizeBytes: number

  /** `url` is `s3://bucket/prefix`; credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY first). */
  constructor(url: string, { endpoint, region = 'us-east-1', cacheDir = join(tmpdir(), 'logsift-archive-cache'), partSizeBytes = 8 * MIB }: S3ArchiveStoreOptions = {}) {
    const { bucket, prefix } = parseS3Url(url)
    this.bucket = bucket
    this.prefix = prefix
    this.location = `s3://${bucket}${prefix === '' ? '' : `/${prefix.slice(0, -1)}`}`
    // S3-compatible servers rarely resolve bucket.host names; the bucket goes in the path there.
    this.client = new S3Client({ region, ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }) })
    this.cacheDir = join(cacheDir, bucket, ...prefix.split('/').filter((p) => p !== ''))
    this.partSizeBytes = partSizeBytes
  }

  /** The object key of `key`, refusing keys that are empty, absolute, have `.`/`..`/empty segments or name temporary files. */
  private objectKey(key: string): string {
    const parts = key.split('/')
    if (parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith(TEMP_PREFIX))) {
      throw new Error(`archive key "${key}" is not a file below ${this.location}`)
    }
    return this.prefix + key
  }

  /** An Error saying what failed on which object, with the S3 error as its cause. */
  private failure(what: string, key: string, e: unknown): Error {
    return new Error(`${what} s3://${this.bucket}/${this.prefix}${key}: ${reason(e)}`, { cause: e })
  }

  async put(localFile: string, key: string): Promise<void> {
    const Key = this.objectKey(key)
    try {
      // Upload sends one PutObject when the file fits in one part, else a multipart upload
      // that it aborts on failure, so no reader ever sees a partial object.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: createReadStream(localFile) },
        partSize: this.partSizeBytes,
        queueSize: 2,
      })
      await upload.done()
    } catch (e) {
      throw this.failure(`cannot archive ${localFile} as`, key, e)
    }
  }

  async size(key: string): Promise<number | undefined> {
    const Key = this.objectKey(key)
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }))
      return head.ContentLength
    } catch (e) {
      if (statusOf(e) === 404) return undefined
      throw this.failure('cannot read the size of', key, e)
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.replace(/\/+$/, '')
    // Like a directory: 'engine=fw' lists below 'engine=fw/', never 'engine=fw2/'.
    const Prefix = base === '' ? this.prefix : `${this.objectKey(base)}/`
    const keys: string[] = []
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix })) {
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(this.prefix.length))
      }
    } catch (e) {
      throw this.failure('cannot list keys under', base === '' ? '' : `${base}/`, e)
    }
    return keys.sort()
  }

  async remove(key: string): Promise<void> {
    const Key = this.objectKey(key)
    try {
      // S3 answers a delete of a missing key with success, which is the contract here.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))
    } catch (e) {
      throw this.failure('cannot delete', key, e)
    }
  }

  /** The cached copy of key, downloaded first when it is missing or its size differs from the object's. */
  async localPath(key: string): Promise<string> {
    const Key = this.objectKey(key)
    const path = join(this.cacheDir, ...key.split('/'))
    const size = await this.size(key)
    if (size === undefined) throw new Error(`cannot cache s3://${this.bucket}/${Key}: there is no such object`)
    const cached = await stat(path).catch(() => undefined)
    if (cached?.isFile() && cached.size === size) return path
    const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`)
    try {
      await mkdir(dirname(path), { recursive: true })
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }))
      await pipeline(object.Body as Readable, createWriteStream(temp))
      const written = (await stat(temp)).size
      if (written !== object.ContentLength) throw new Error(`downloaded ${written} bytes of ${object.ContentLength}`)
      await rename(temp, path)
    } catch (e) {
      await rm(temp, { force: true })
      throw this.failure(`cannot cache in ${path}`, key, e)
    }
    return path
  }
}
