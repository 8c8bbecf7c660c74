import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SystemStore } from '../../src/system/system-store.js'
import { field, queryFile, spawnServe, tempConfig, udpPort } from '../support/serve.js'
import { sendDatagrams } from '../support/udp.js'

const todayUtc = () => new Date().toISOString().slice(0, 10)

/** Writes a good day file of 200,000 rows at `path` (about 19 MB: many blocks, metadata at the end). */
async function goodDayFile(path: string): Promise<void> {
  const db = await DuckDBInstance.create(path)
  const c = await db.connect()
  await c.run(`CREATE TABLE logs AS SELECT now()::TIMESTAMPTZ AS received_at, 'line ' || i || repeat(md5(i::varchar), 5) AS original_log FROM range(200000) t(i)`)
  c.closeSync()
  db.closeSync()
}

const damages: Record<string, (path: string) => void> = {
  'a 0-byte file': (p) => writeFileSync(p, ''),
  'garbage': (p) => writeFileSync(p, Buffer.alloc(100_000, 'not a database ')),
  'a file truncated to half': (p) => truncateSync(p, Math.floor(statSync(p).size / 2)),
  // A data block, not the metadata: only reading the rows finds it.
  'a flipped byte in a data block': (p) => {
    const bytes = readFileSync(p)
    const at = Math.floor(bytes.length * 0.4)
    bytes[at] = bytes[at]! ^ 0xff
    writeFileSync(p, bytes)
  },
}

const damaged = suite('serve: a damaged day file')

for (const [kind, damage] of Object.entries(damages)) {
  damaged(`${kind} is moved aside, logged and audited; its engine starts a fresh file and the other engine runs`, async () => {
    const { file, config } = tempConfig((c) => {
      const engines = c.engines as Record<string, unknown>[]
      engines.push({ ...engines[0]!, name: 'core' })
    })
    const dataDir = config.data_dir as string
    const path = join(dataDir, 'fw', `${todayUtc()}.duckdb`)
    mkdirSync(join(dataDir, 'fw'), { recursive: true })
    await goodDayFile(path)
    damage(path)
    const damagedBytes = readFileSync(path)
    const serve = spawnServe(file)
    try {
      const moved = await serve.waitFor(/event=day_file\.moved_aside/)
      assert.is(field(moved, 'engine'), 'fw')
      assert.is(field(moved, 'path'), path)
      const movedTo = field(moved, 'moved_to')
      assert.match(movedTo, new RegExp(`/fw/${todayUtc()}\\.corrupt-\\d{8}T\\d{6}Z\\.duckdb$`))
      assert.ok(readFileSync(movedTo).equals(damagedBytes), 'the damaged bytes are kept as they were')
      await serve.waitFor(/event=console\.listening/)
      const ports = Object.fromEntries(
        (await Promise.all(['fw', 'core'].map((e) => serve.waitFor(new RegExp(`event=engine\\.started engine=${e} `))))).map((l) => [field(l, 'engine'), udpPort(l)]),
      )
      await sendDatagrams(ports.fw!, ['<13>Jan  1 00:00:00 host app: to fw'])
      await sendDatagrams(ports.core!, ['<13>Jan  1 00:00:00 host app: to core'])
      await new Promise((r) => setTimeout(r, 300))
      serve.child.kill('SIGTERM')
      assert.is(await serve.exited, 0, serve.lines.join('\n'))
      for (const engine of ['fw', 'core']) {
        const rows = await queryFile(join(dataDir, engine, `${todayUtc()}.duckdb`), 'SELECT original_log FROM logs')
        assert.equal(rows, [[`<13>Jan  1 00:00:00 host app: to ${engine}`]], `${engine} stored into a fresh file`)
      }
      assert.equal(readdirSync(join(dataDir, 'fw')).filter((f) => f.includes('corrupt')).length, 1)
      const store = await SystemStore.create(join(dataDir, '..', 'logsift-system.duckdb'))
      try {
        const entries = (await store.listAudit()).filter((e) => e.action === 'day_file.moved_aside')
        assert.is(entries.length, 1)
        assert.is(entries[0]!.userName, 'system')
        assert.is(entries[0]!.target, 'fw')
        assert.match(entries[0]!.details ?? '', `moved to ${movedTo.split('/').pop()}`)
      } finally {
        store.closeSync()
      }
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL')
    }
  })
}

damaged('a good file is kept and appended to', async () => {
  const { file, config } = tempConfig()
  const dataDir = config.data_dir as string
  const path = join(dataDir, 'fw', `${todayUtc()}.duckdb`)
  mkdirSync(join(dataDir, 'fw'), { recursive: true })
  await goodDayFile(path)
  const serve = spawnServe(file)
  try {
    await serve.waitFor(/event=console\.listening/)
    serve.child.kill('SIGTERM')
    assert.is(await serve.exited, 0)
    assert.not.ok(serve.lines.some((l) => /moved_aside/.test(l)))
    assert.equal(await queryFile(path, 'SELECT count(*)::INTEGER FROM logs'), [[200000]])
    assert.not.ok(existsSync(join(dataDir, 'fw')) && readdirSync(join(dataDir, 'fw')).some((f) => f.includes('corrupt')))
  } finally {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL')
  }
})

damaged.run()
