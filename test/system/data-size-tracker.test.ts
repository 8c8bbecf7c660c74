import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DataSizeTracker, type EngineDir } from '../../src/system/data-size-tracker.js'

interface Ctx {
  dir: string
  engines: EngineDir[]
  tracker: DataSizeTracker
}

const test = suite<Ctx>('DataSizeTracker')

test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'logsift-sizes-'))
  ctx.engines = [
    { name: 'mikrotik', dataDir: join(ctx.dir, 'mikrotik') },
    { name: 'fw', dataDir: join(ctx.dir, 'fw') },
  ]
  await mkdir(ctx.engines[0].dataDir)
  await writeFile(join(ctx.engines[0].dataDir, '2025-01-01.duckdb'), Buffer.alloc(1000))
  await writeFile(join(ctx.engines[0].dataDir, '2025-01-02.duckdb'), Buffer.alloc(24))
  ctx.tracker = await DataSizeTracker.create({ engines: () => ctx.engines, rescanIntervalMs: 3_600_000 })
})

test.after.each(async (ctx) => {
  ctx.tracker.close()
  await rm(ctx.dir, { recursive: true, force: true })
})

const brief = (t: DataSizeTracker) => t.sizes().map(({ name, bytes, files }) => ({ name, bytes, files }))

test('scans every engine at start; a missing directory is empty', ({ tracker }) => {
  assert.equal(brief(tracker), [
    { name: 'fw', bytes: 0, files: 0 },
    { name: 'mikrotik', bytes: 1024, files: 2 },
  ])
})

test('a reported change is picked up on the next tick, not before', async ({ tracker, engines }) => {
  await mkdir(engines[1].dataDir)
  await writeFile(join(engines[1].dataDir, '2025-01-02.duckdb'), Buffer.alloc(10))
  assert.is(brief(tracker)[0].bytes, 0)
  tracker.noteFileChanged('fw')
  await tracker.tick()
  assert.equal(brief(tracker)[0], { name: 'fw', bytes: 10, files: 1 })
})

test('engines added and removed are followed', async (ctx) => {
  ctx.engines = [ctx.engines[0], { name: 'new', dataDir: join(ctx.dir, 'new') }]
  await ctx.tracker.tick()
  assert.equal(brief(ctx.tracker).map((s) => s.name), ['mikrotik', 'new'])
})

test.run()
