/**
 * @module
 * S3ArchiveStore against a real S3-compatible server (versitygw, posix backend) on loopback,
 * with credentials from the environment as in production: put/size/list/remove/localPath
 * round trips, a multipart upload that comes back byte-identical, listing past one page,
 * wrong credentials refused clearly, and openArchiveStore opening s3:// URLs. Without the
 * binary the suite is skipped with a message, except under CI, where it fails.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { openArchiveStore } from '../../src/archive/open-store.js'
import { S3ArchiveStore, type S3ArchiveStoreOptions } from '../../src/archive/s3-store.js'
import { DuckDBInstance } from '@duckdb/node-api'
import { Archiver } from '../../src/archive/archiver.js'
import { quoteLiteral } from '../../src/store/sql-quote.js'
import { DAYS, writeDays } from '../support/log-days.js'
import { startS3Server, versitygwBinary, type S3Server } from '../support/s3-server.js'
import { manualClock, tempDataDir } from '../store/helpers.js'

const KEY = 'engine=fw/date=2026-12-01/part-0.parquet'
const BUCKET = 'logsift-archive'
const MIB = 1024 * 1024
const binary = versitygwBinary()

const test = suite<{ server?: S3Server; env: Record<string, string | undefined> }>('archive: S3 store', { env: {} })
// Never skipped under CI: a test that cannot run there must fail, not pass green.
const s3 = binary !== undefined || process.env.CI === 'true' ? test : test.skip
if (binary === undefined && process.env.CI !== 'true') console.log('  SKIPPED (versitygw not found: set VERSITYGW or put it on PATH; .ci/run builds it)')

const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']

test.before(async (ctx) => {
  if (binary === undefined) return
  ctx.server = await startS3Server(binary)
  await ctx.server.createBucket(BUCKET)
  for (const v of CREDENTIAL_VARS) ctx.env[v] = process.env[v]
  delete process.env.AWS_SESSION_TOKEN
  delete process.env.AWS_PROFILE
  process.env.AWS_ACCESS_KEY_ID = ctx.server.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = ctx.server.secretAccessKey
})

test.after(async (ctx) => {
  await ctx.server?.stop()
  for (const v of CREDENTIAL_VARS) {
    if (ctx.env[v] === undefined) delete process.env[v]
    else process.env[v] = ctx.env[v]
  }
})

function serverOf(ctx: { server?: S3Server }): S3Server {
  assert.ok(ctx.server, 'versitygw is not installed (.ci/run builds it and exports VERSITYGW)')
  return ctx.server
}

/** A store on the test bucket below `prefix`, with its own cache directory. */
function storeAt(server: S3Server, prefix: string, options: S3ArchiveStoreOptions = {}): { store: S3ArchiveStore; cacheDir: string } {
  const cacheDir = join(tempDataDir(), 'cache')
  return { store: new S3ArchiveStore(`s3://${BUCKET}/${prefix}`, { endpoint: server.endpoint, cacheDir, ...options }), cacheDir }
}

async function etagOf(server: S3Server, key: string): Promise<string> {
  return (await server.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag ?? ''
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (e) {
    return (e as Error).message
  }
  return assert.unreachable('the call resolved') as never
}

s3('put stores the file under its key in one PUT; size, list, localPath and remove see it', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  const src = join(dir, 'src.bin')
  writeFileSync(src, 'x'.repeat(1234))
  const { store, cacheDir } = storeAt(server, 'round/trip')
  assert.is(store.location, `s3://${BUCKET}/round/trip`)
  assert.is(await store.size(KEY), undefined)
  assert.equal(await store.list(''), [])
  await store.put(src, KEY)
  assert.is(await store.size(KEY), 1234)
  // A single PUT's ETag is the MD5 of the body; a multipart one would end in "-<parts>".
  assert.is(await etagOf(server, `round/trip/${KEY}`), `"${createHash('md5').update('x'.repeat(1234)).digest('hex')}"`)
  assert.equal(await store.list(''), [KEY])
  assert.equal(await store.list('engine=fw/'), [KEY])
  assert.equal(await store.list('engine=fw'), [KEY])
  assert.equal(await store.list('engine=f'), [])
  assert.equal(await store.list('engine=other'), [])
  const path = await store.localPath(KEY)
  assert.is(path, join(cacheDir, BUCKET, 'round', 'trip', 'engine=fw', 'date=2026-12-01', 'part-0.parquet'))
  assert.is(readFileSync(path, 'utf8'), 'x'.repeat(1234))
  // The cache copy was written by temp name + rename: nothing else beside it.
  assert.equal(readdirSync(join(cacheDir, BUCKET, 'round', 'trip', 'engine=fw', 'date=2026-12-01')), ['part-0.parquet'])
  // The object is the file in the gateway's bucket directory, under the prefix.
  assert.is(readFileSync(join(server.root, BUCKET, 'round', 'trip', ...KEY.split('/')), 'utf8'), 'x'.repeat(1234))
  await store.remove(KEY)
  await store.remove(KEY)
  assert.is(await store.size(KEY), undefined)
  assert.equal(await store.list(''), [])
})

s3('the cache is refreshed when the object size changes, and a missing key has no size and no local path', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  const { store } = storeAt(server, 'cache')
  writeFileSync(join(dir, 'a'), 'first')
  await store.put(join(dir, 'a'), KEY)
  const path = await store.localPath(KEY)
  assert.is(readFileSync(path, 'utf8'), 'first')
  writeFileSync(join(dir, 'b'), 'second, longer')
  await store.put(join(dir, 'b'), KEY)
  assert.is(await store.localPath(KEY), path)
  assert.is(readFileSync(path, 'utf8'), 'second, longer')
  assert.is(await store.size('engine=fw/date=1999-01-01/part-0.parquet'), undefined)
  assert.is(
    await rejection(store.localPath('engine=fw/date=1999-01-01/part-0.parquet')),
    `cannot cache s3://${BUCKET}/cache/engine=fw/date=1999-01-01/part-0.parquet: there is no such object`,
  )
})

s3('a file larger than one part goes up as a multipart upload and comes back byte-identical', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  const src = join(dir, 'big.bin')
  const body = randomBytes(12 * MIB)
  writeFileSync(src, body)
  const { store } = storeAt(server, 'big', { partSizeBytes: 5 * MIB })
  await store.put(src, KEY)
  assert.is(await store.size(KEY), 12 * MIB)
  // 12 MiB in 5 MiB parts: three parts, completed as one object.
  assert.match(await etagOf(server, `big/${KEY}`), /^"[0-9a-f]{32}-3"$/)
  const copy = readFileSync(await store.localPath(KEY))
  assert.is(copy.length, body.length)
  assert.ok(copy.equals(body), 'the downloaded copy differs from the uploaded file')
})

s3('list follows pagination past one page of 1000 keys and strips the prefix', async (ctx) => {
  const server = serverOf(ctx)
  // Objects placed straight into the gateway's posix directory: versitygw serves them as keys.
  const days = Array.from({ length: 1003 }, (_, i) => `engine=fw/date=d${String(i).padStart(4, '0')}/part-0.parquet`)
  for (const key of days) {
    const path = join(server.root, BUCKET, 'paged', ...key.split('/'))
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, 'p')
  }
  const { store } = storeAt(server, 'paged')
  const listed = await store.list('engine=fw')
  assert.is(listed.length, 1003)
  assert.equal(listed, days)
})

s3('wrong credentials are refused with a clear error naming the object, never read as a missing key', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  writeFileSync(join(dir, 'a'), 'data')
  process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret'
  try {
    const { store } = storeAt(server, 'denied')
    const put = await rejection(store.put(join(dir, 'a'), KEY))
    assert.match(put, `cannot archive ${join(dir, 'a')} as s3://${BUCKET}/denied/${KEY}: the server refused the credentials (`)
    assert.match(put, 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
    assert.match(await rejection(store.size(KEY)), `cannot read the size of s3://${BUCKET}/denied/${KEY}: the server refused the credentials`)
    assert.match(await rejection(store.list('')), `cannot list keys under s3://${BUCKET}/denied/: the server refused the credentials`)
  } finally {
    process.env.AWS_SECRET_ACCESS_KEY = server.secretAccessKey
  }
  assert.equal(await storeAt(server, 'denied').store.list(''), [])
})

s3('a failed put leaves nothing and names the target; a missing bucket is named', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  const { store } = storeAt(server, 'failed')
  assert.match(await rejection(store.put(join(dir, 'missing.parquet'), KEY)), `cannot archive ${join(dir, 'missing.parquet')} as s3://${BUCKET}/failed/${KEY}: `)
  assert.equal(await store.list(''), [])
  writeFileSync(join(dir, 'a'), 'data')
  const nowhere = new S3ArchiveStore('s3://no-such-bucket/x', { endpoint: server.endpoint })
  assert.is(await rejection(nowhere.put(join(dir, 'a'), KEY)), `cannot archive ${join(dir, 'a')} as s3://no-such-bucket/x/${KEY}: the bucket does not exist`)
})

s3('keys that leave the prefix or name temporary files are refused', async (ctx) => {
  const { store } = storeAt(serverOf(ctx), 'keys')
  for (const key of ['../x.parquet', 'engine=fw/../../x', '', '/abs', 'a//b', 'engine=fw/.tmp-1']) {
    assert.is(await rejection(store.size(key)), `archive key "${key}" is not a file below s3://${BUCKET}/keys`)
  }
})

s3('openArchiveStore opens s3:// URLs with endpoint and region, and refuses a URL without a bucket', async (ctx) => {
  const server = serverOf(ctx)
  const dir = tempDataDir()
  writeFileSync(join(dir, 'a'), 'opened')
  const store = openArchiveStore({ dir: `s3://${BUCKET}/opened/`, endpoint: server.endpoint, region: 'us-east-1' })
  assert.ok(store instanceof S3ArchiveStore)
  assert.is(store.location, `s3://${BUCKET}/opened`)
  await store.put(join(dir, 'a'), KEY)
  assert.equal(await store.list(''), [KEY])
  assert.throws(() => openArchiveStore({ dir: 's3:///prefix' }), /archive_dir "s3:\/\/\/prefix" names no bucket; write s3:\/\/bucket or s3:\/\/bucket\/prefix/)
  assert.is(new S3ArchiveStore(`s3://${BUCKET}`).location, `s3://${BUCKET}`)
})

s3('the archiver writes closed days into the bucket under its prefix, and retention may then delete their day files', async (ctx) => {
  const dataDir = tempDataDir()
  await writeDays(dataDir, DAYS.slice(0, 2), 600)
  const archive = { dir: `s3://${BUCKET}/collector=site-a`, endpoint: ctx.server!.endpoint, retentionDays: 3650 }
  const events: string[] = []
  const archiver = Archiver.start({
    plan: () => ({ dataDir, timezone: 'UTC', engines: [{ name: 'fw', archive }] }),
    openDays: () => [],
    clock: manualClock(`${DAYS[3]}T12:00:00Z`),
    intervalMs: 3_600_000,
    log: (_l, event, fields) => void events.push(`${event} ${fields?.day} ${fields?.error ?? ''}`.trim()),
  })
  await archiver.sweep()
  await archiver.stop()
  assert.equal(events, [`archive.written ${DAYS[0]}`, `archive.written ${DAYS[1]}`])
  assert.ok(await archiver.isArchived('fw', DAYS[0]))
  // The object as the gateway stores it on disk: a whole Parquet file of the day's rows.
  const object = join(ctx.server!.root, BUCKET, 'collector=site-a', 'engine=fw', `date=${DAYS[0]}`, 'part-0.parquet')
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const [[rows]] = (await c.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet(${quoteLiteral(object)}, hive_partitioning = false)`)).getRows() as [[number]]
  c.closeSync()
  db.closeSync()
  assert.is(rows, 600)
})

test.run()
