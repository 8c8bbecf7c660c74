import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/config/config-error.js'
import { configPath, DEFAULT_CONFIG_PATH, loadConfig, loadPlan } from '../../src/config/load.js'
import { findSyntaxError } from '../../src/config/parse-json.js'
import { baseDoc } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'logsift-config-'))
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}
async function errorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError')
}

const path = suite('configPath')

path('--config wins over LOGSIFT_CONFIG, which wins over the default', () => {
  assert.is(configPath(['serve', '--config', 'a.json'], { LOGSIFT_CONFIG: 'b.json' }), 'a.json')
  assert.is(configPath(['--config=c.json'], { LOGSIFT_CONFIG: 'b.json' }), 'c.json')
  assert.is(configPath(['serve'], { LOGSIFT_CONFIG: 'b.json' }), 'b.json')
  assert.is(configPath([], {}), DEFAULT_CONFIG_PATH)
})

path.run()

const load = suite('loadConfig')

load('the shipped default config loads and plans', async () => {
  const { config, plan } = await loadPlan(DEFAULT_CONFIG_PATH, { cwd: '/srv/logsift' })
  assert.equal(Object.keys(config.classes), ['mikrotik'])
  assert.is(plan.dataDir, '/srv/logsift/data')
  assert.is(plan.systemDbPath, '/srv/logsift/logsift-system.duckdb')
  assert.equal(plan.http, { host: '127.0.0.1', port: 8514 })
  assert.is(plan.timezone, new Intl.DateTimeFormat().resolvedOptions().timeZone)
  assert.equal(plan.engines, [
    {
      name: 'mikrotik',
      className: 'mikrotik',
      fields: [
        { name: 'pppoe', pattern: 'in:<pppoe-([A-Za-z\\d]+)>' },
        { name: 'router_identity', pattern: '\\d{1,2}:\\d{1,2}:\\d{1,2}\\s+(\\w+)' },
        { name: 'destination_ip', pattern: '->(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}:\\d+)' },
      ],
      udp: ['0.0.0.0:5514'],
      senders: [{ name: 'any', match: '*' }],
      keepOriginalLog: true,
      retentionDays: 180,
      receiveBufferBytes: 8388608,
      threads: 2,
      syslogHeader: 'auto',
      structuredData: true,
      tcpLimits: { maxMessageBytes: 65536, idleTimeoutMs: 300000, maxConnections: 1024 },
      journal: { dir: '/srv/logsift/data/.journal/mikrotik', maxBytes: 1073741824 },
    },
  ])
})

load('a JSON syntax error names the file, line and column', async () => {
  const file = write('comma.json', '{\n  "data_dir": "./data",\n  "classes": {},\n}\n')
  const error = await errorOf(loadConfig(file))
  assert.equal(error.issues, [{ path: '', line: 4, column: 1, message: 'invalid JSON: unexpected \'}\'; expected a "quoted" property name (trailing comma?)' }])
  assert.is(error.format(), `${file}:4:1: invalid JSON: unexpected '}'; expected a "quoted" property name (trailing comma?)`)
  assert.instance(error.cause, SyntaxError)
})

load('a bad token V8 gives no offset for is still located', async () => {
  const file = write('token.json', '{\n  "engines": [],\n  "classes": { "a": { "x": "\\d" } }\n}')
  const error = await errorOf(loadConfig(file))
  assert.is(error.format(), `${file}:3:29: invalid JSON: bad escape \\d in string (a regex backslash must be doubled: \\\\d)`)
})

load('syntax error reasons', () => {
  assert.equal(findSyntaxError('{"a": tru}'), { offset: 9, reason: 'unexpected \'}\'; expected "true"' })
  assert.equal(findSyntaxError('[1 2]'), { offset: 3, reason: "unexpected '2'; expected ',' or ']' (missing comma?)" })
  assert.equal(findSyntaxError('{"a": 1'), { offset: 7, reason: "unexpected end of file; expected ',' or '}' (missing comma?)" })
  assert.equal(findSyntaxError(''), { offset: 0, reason: 'unexpected end of file; expected a value' })
  assert.equal(findSyntaxError('{} x'), { offset: 3, reason: "unexpected 'x' after the end of the document" })
})

load('a missing file is a ConfigError', async () => {
  const file = join(dir, 'absent.json')
  const error = await errorOf(loadConfig(file))
  assert.is(error.format(), `${file}: /: cannot read the config file: no such file`)
})

load('validation issues carry the file name', async () => {
  const doc = baseDoc()
  doc.engines[0].class = 'nope'
  const file = write('unknown-class.json', JSON.stringify(doc))
  const error = await errorOf(loadConfig(file))
  assert.is(error.format(), `${file}: /engines/0/class: unknown class "nope"; defined classes: mikrotik`)
  assert.is(error.message, error.format())
})

load.run()
