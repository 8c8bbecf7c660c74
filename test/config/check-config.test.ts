import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCheckConfig } from '../../src/cli/check-config.js'
import { baseDoc } from './helpers.js'

function capture() {
  const out = { text: '', write(t: string) { this.text += t } }
  const err = { text: '', write(t: string) { this.text += t } }
  return { out, err }
}

const check = suite('runCheckConfig')
const dir = mkdtempSync(join(tmpdir(), 'logsift-check-'))

check('the default file is sound', async () => {
  const { out, err } = capture()
  assert.is(await runCheckConfig([], { stdout: out, stderr: err, env: {} }), 0)
  assert.is(out.text, 'ok: 1 engine, 1 class\n')
  assert.is(err.text, '')
})

check('counts engines and classes', async () => {
  const doc = baseDoc()
  doc.classes.other = { a: 'x' }
  doc.engines.push({ name: 'b', class: 'other', listen: { udp: ['0.0.0.0:5515'] } })
  const file = join(dir, 'two.json')
  writeFileSync(file, JSON.stringify(doc))
  const { out, err } = capture()
  assert.is(await runCheckConfig(['--config', file], { stdout: out, stderr: err, env: {} }), 0)
  assert.is(out.text, 'ok: 2 engines, 2 classes\n')
})

check('prints every issue and exits 1', async () => {
  const doc = baseDoc()
  doc.timezone = 'Mars/Olympus'
  doc.engines[0].name = 'A'
  const file = join(dir, 'bad.json')
  writeFileSync(file, JSON.stringify(doc))
  const { out, err } = capture()
  assert.is(await runCheckConfig([file], { stdout: out, stderr: err, env: {} }), 1)
  assert.is(out.text, '')
  assert.is(
    err.text,
    `${file}: /engines/0/name: "A" is not a name: a lower-case letter followed by at most 62 lower-case letters, digits or underscores\n` +
      `${file}: /timezone: unknown time zone "Mars/Olympus"; use "local" or an IANA name such as "Europe/Berlin"\n`,
  )
})

check('a bad TCP limit is named by its JSON path and exits 1', async () => {
  const doc = baseDoc()
  doc.engines[0].tcp_limits = { max_connections: 0 }
  const file = join(dir, 'limits.json')
  writeFileSync(file, JSON.stringify(doc))
  const { out, err } = capture()
  assert.is(await runCheckConfig([file], { stdout: out, stderr: err, env: {} }), 1)
  assert.is(out.text, '')
  assert.is(err.text, `${file}: /engines/0/tcp_limits/max_connections: 0 is too small; it must be at least 1\n`)
})

check('the native pattern check is applied when given', async () => {
  const { out, err } = capture()
  const code = await runCheckConfig([], {
    stdout: out,
    stderr: err,
    env: {},
    validateClass: () => [{ field: 'pppoe', position: 0, message: 'nope' }],
  })
  assert.is(code, 1)
  assert.is(err.text, 'config/logsift.json: /classes/mikrotik/pppoe: nope (at position 0)\n')
})

check('usage errors exit 2', async () => {
  const { out, err } = capture()
  assert.is(await runCheckConfig(['a.json', 'b.json'], { stdout: out, stderr: err }), 2)
  assert.ok(err.text.startsWith('logsift check-config: unexpected argument b.json\n\nusage: logsift check-config [FILE | --config FILE]\n'), err.text)
})

check.run()
