/**
 * @module
 * LocalArchiveStore on a real directory: put/size/list/remove/localPath by hive-style key,
 * no half file visible (temporary names are not keys, leftovers are cleaned), keys cannot
 * leave the root; openArchiveStore picks the local store for a path (s3:// is in s3-store.test.ts).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LocalArchiveStore, TEMP_PREFIX } from '../../src/archive/local-store.js'
import { openArchiveStore } from '../../src/archive/open-store.js'
import { tempDataDir } from '../store/helpers.js'

const test = suite('archive: local store')
const KEY = 'engine=fw/date=2026-12-01/part-0.parquet'

test('put stores the whole file under its key; size, list, localPath and remove see it', async () => {
  const dir = tempDataDir()
  const src = join(dir, 'src.bin')
  writeFileSync(src, 'x'.repeat(1234))
  const store = new LocalArchiveStore(join(dir, 'archive'))
  assert.is(await store.size(KEY), undefined)
  assert.equal(await store.list(''), [])
  await store.put(src, KEY)
  assert.is(await store.size(KEY), 1234)
  assert.equal(await store.list(''), [KEY])
  assert.equal(await store.list('engine=fw/'), [KEY])
  assert.equal(await store.list('engine=other'), [])
  const path = await store.localPath(KEY)
  assert.is(path, join(dir, 'archive', 'engine=fw', 'date=2026-12-01', 'part-0.parquet'))
  assert.is(readFileSync(path, 'utf8'), 'x'.repeat(1234))
  // No temporary file is left beside the object.
  assert.equal(readdirSync(join(dir, 'archive', 'engine=fw', 'date=2026-12-01')), ['part-0.parquet'])
  await store.remove(KEY)
  await store.remove(KEY)
  assert.is(await store.size(KEY), undefined)
  assert.equal(await store.list(''), [])
})

test('a leftover temporary file from a crashed put is no key and is cleaned', async () => {
  const dir = tempDataDir()
  const part = join(dir, 'archive', 'engine=fw', 'date=2026-12-01')
  mkdirSync(part, { recursive: true })
  writeFileSync(join(part, `${TEMP_PREFIX}abc`), 'half')
  const store = new LocalArchiveStore(join(dir, 'archive'))
  assert.equal(await store.list(''), [])
  assert.is(await store.removeLeftovers(), 1)
  assert.equal(readdirSync(part), [])
})

test('a failed put leaves nothing and names the target', async () => {
  const dir = tempDataDir()
  const store = new LocalArchiveStore(join(dir, 'archive'))
  try {
    await store.put(join(dir, 'missing.parquet'), KEY)
    assert.unreachable('put of a missing file resolved')
  } catch (e) {
    assert.match((e as Error).message, `cannot archive ${join(dir, 'missing.parquet')} as `)
  }
  assert.equal(await store.list(''), [])
  assert.equal(readdirSync(join(dir, 'archive', 'engine=fw', 'date=2026-12-01')), [])
})

test('keys that leave the root or name temporary files are refused', async () => {
  const store = new LocalArchiveStore(join(tempDataDir(), 'archive'))
  for (const key of ['../x.parquet', 'engine=fw/../../x', '', `engine=fw/${TEMP_PREFIX}1`]) {
    try {
      await store.size(key)
      assert.unreachable(`key "${key}" accepted`)
    } catch (e) {
      assert.match((e as Error).message, `archive key "${key}" is not a file below`)
    }
  }
})

test('openArchiveStore opens a local path', () => {
  const dir = tempDataDir()
  const store = openArchiveStore({ dir })
  assert.ok(store instanceof LocalArchiveStore)
  assert.is(store.location, dir)
})

test.run()
