import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/config/config-error.js'
import { saveConfig } from '../../src/config/save.js'
import { baseDoc } from './helpers.js'

const save = suite('saveConfig')

save('writes the document as given, keeps the previous file as .bak and its mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-save-'))
  const file = join(dir, 'logsift.json')
  writeFileSync(file, '{"old": true}\n')
  chmodSync(file, 0o640)
  const doc = baseDoc()
  const saved = await saveConfig(file, doc, { cwd: dir })
  assert.is(readFileSync(file, 'utf8'), `${JSON.stringify(doc, null, 2)}\n`)
  assert.is(readFileSync(`${file}.bak`, 'utf8'), '{"old": true}\n')
  assert.is(statSync(file).mode & 0o777, 0o640)
  assert.is(saved.plan.dataDir, join(dir, 'data'))
  assert.equal(readdirSync(dir).sort(), ['logsift.json', 'logsift.json.bak'])
})

// The CLI runs with umask 077 (issue 16.8); an operator's 0640 config must stay 0640.
save('keeps the previous mode under the CLI\'s umask 077', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-save-'))
  const file = join(dir, 'logsift.json')
  writeFileSync(file, '{"old": true}\n')
  chmodSync(file, 0o640)
  const before = process.umask(0o077)
  try {
    await saveConfig(file, baseDoc(), { cwd: dir })
  } finally {
    process.umask(before)
  }
  assert.is((statSync(file).mode & 0o777).toString(8), '640')
})

save('a new file gets no .bak', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-save-'))
  const file = join(dir, 'new.json')
  await saveConfig(file, baseDoc())
  assert.equal(readdirSync(dir), ['new.json'])
})

save('an invalid document is refused and nothing is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-save-'))
  const file = join(dir, 'logsift.json')
  writeFileSync(file, '{"old": true}\n')
  const doc = baseDoc()
  doc.engines[0].senders[0].match = '10.0.0.0/40'
  try {
    await saveConfig(file, doc)
    assert.unreachable()
  } catch (e) {
    assert.instance(e, ConfigError)
    assert.is((e as ConfigError).format(), `${file}: /engines/0/senders/0/match: "10.0.0.0/40": prefix /40 is longer than 32 bits`)
  }
  assert.is(readFileSync(file, 'utf8'), '{"old": true}\n')
  assert.not.ok(existsSync(`${file}.bak`))
  assert.equal(readdirSync(dir), ['logsift.json'])
})

save.run()
