/**
 * A console edit rewrites the config file (README "Console edits rewrite the config
 * file"). The file is strict JSON under a closed schema, so what a rewrite could lose is
 * a comment or a key the schema does not know, written by hand while the server runs.
 * Such a file is never rewritten: the edit is refused with a message naming the problem,
 * and the file stays byte for byte as the operator left it.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeControlConsole, type ControlConsole } from './control.js'
import { addUser, Client } from './helpers.js'

const test = suite<{ t: ControlConsole; admin: Client }>('console saves and hand edits')

test.before.each(async (ctx) => {
  ctx.t = await makeControlConsole()
  await addUser(ctx.t.store, 'root', 'admin')
  ctx.admin = new Client(ctx.t.app)
  await ctx.admin.login('root')
})

test.after.each(async (ctx) => {
  await ctx.t.close()
})

/** Adds sender `core` to engine `fw` through the senders page. */
async function addSender(admin: Client): Promise<Response> {
  await admin.get('/senders/fw')
  return admin.post('/senders/fw', { name: 'core', match: '10.0.0.0/8' })
}

test('a key the schema does not know: the edit is refused naming it, the file is untouched', async ({ t, admin }) => {
  const doc = JSON.parse(readFileSync(t.file, 'utf8')) as Record<string, unknown>
  const edited = `${JSON.stringify({ ...doc, owner: 'noc team' }, null, 2)}\n`
  writeFileSync(t.file, edited)
  const res = await addSender(admin)
  assert.is(res.status, 422)
  const body = await res.text()
  assert.match(body, 'Not saved: ')
  assert.match(body, '(/owner: is not a known setting')
  assert.is(readFileSync(t.file, 'utf8'), edited)
})

test('a comment: the pages and the edit answer 409 with its line, the file is untouched', async ({ t, admin }) => {
  const edited = `// fw moved to the new rack\n${readFileSync(t.file, 'utf8')}`
  writeFileSync(t.file, edited)
  const page = await admin.get('/senders/fw')
  assert.is(page.status, 409)
  assert.match(await page.text(), 'cannot be read as it stands (line 1, column 1: invalid JSON')
  const res = await admin.post('/senders/fw', { name: 'core', match: '10.0.0.0/8' })
  assert.is(res.status, 409)
  assert.is(readFileSync(t.file, 'utf8'), edited)
})

test('a plain file: the edit rewrites it as 2-space JSON, keys in their order, the change added', async ({ t, admin }) => {
  const before = JSON.parse(readFileSync(t.file, 'utf8')) as { engines: { senders?: unknown[] }[] }
  assert.is((await addSender(admin)).status, 303)
  const after = readFileSync(t.file, 'utf8')
  before.engines[0]!.senders = [...(before.engines[0]!.senders ?? []), { name: 'core', match: '10.0.0.0/8' }]
  assert.is(after, `${JSON.stringify(before, null, 2)}\n`)
})

test.run()
