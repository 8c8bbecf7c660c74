import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { runUserCommand } from '../../src/cli/user.js'
import { SystemStore } from '../../src/system/system-store.js'

interface Ctx {
  dir: string
  path: string
}

const test = suite<Ctx>('logsift user')

test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'logsift-cli-'))
  ctx.path = join(ctx.dir, 'state', 'logsift-system.duckdb')
})

test.after.each(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true })
})

async function run(path: string, argv: string[], input = '') {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => (out += d))
  stderr.on('data', (d) => (err += d))
  const code = await runUserCommand(argv, { systemDbPath: path, stdin: Readable.from([input]), stdout, stderr })
  return { code, out, err }
}

async function withStore<T>(path: string, fn: (store: SystemStore) => Promise<T>): Promise<T> {
  const store = await SystemStore.create(path)
  try {
    return await fn(store)
  } finally {
    store.closeSync()
  }
}

test('add creates an admin from a piped password and audits it', async ({ path }) => {
  const r = await run(path, ['add', 'root', '--admin', '--display-name', 'Root User', '--password-stdin'], 'correct horse battery\n')
  assert.equal(r, { code: 0, out: 'User root created (admin).\n', err: '' })
  await withStore(path, async (store) => {
    assert.is(store.setupToken, null)
    const user = await store.verifyLogin('root', 'correct horse battery')
    assert.equal([user?.role, user?.displayName], ['admin', 'Root User'])
    const [entry] = await store.listAudit()
    assert.equal([entry.action, entry.target, entry.userName], ['user.created', 'root', null])
  })
})

test('add needs exactly one role flag and never takes the password from argv', async ({ path }) => {
  const none = await run(path, ['add', 'root'], 'correct horse battery\n')
  assert.is(none.code, 2)
  assert.match(none.err, 'give exactly one of --admin and --viewer')
  const both = await run(path, ['add', 'root', '--admin', '--viewer'], 'correct horse battery\n')
  assert.is(both.code, 2)
  const argvPassword = await run(path, ['add', 'root', '--admin', '--password', 'correct horse battery'])
  assert.is(argvPassword.code, 2)
  assert.match(argvPassword.err, 'unknown option --password')
})

test('add refuses a short password and a taken name', async ({ path }) => {
  const short = await run(path, ['add', 'ann', '--viewer'], 'short\n')
  assert.equal(short, { code: 1, out: '', err: 'logsift user: Password must have at least 10 characters.\n' })
  assert.is((await run(path, ['add', 'ann', '--viewer'], 'correct horse battery\n')).code, 0)
  const again = await run(path, ['add', 'ann', '--admin'], 'correct horse battery\n')
  assert.equal(again, { code: 1, out: '', err: 'logsift user: a user named ann already exists\n' })
})

test('passwd sets a new password and revokes sessions', async ({ path }) => {
  await run(path, ['add', 'ann', '--viewer'], 'correct horse battery\n')
  const tokenHash = await withStore(path, async (store) => {
    const ann = await store.findUserByName('ann')
    return (await store.createSession(ann!.id, { address: null, userAgent: null })).session.tokenHash
  })
  const r = await run(path, ['passwd', 'ann', '--password-stdin'], 'battery staple horse\n')
  assert.equal(r, { code: 0, out: 'Password of ann changed; their console sessions were signed out.\n', err: '' })
  await withStore(path, async (store) => {
    assert.ok(await store.verifyLogin('ann', 'battery staple horse'))
    assert.is(await store.findSession(tokenHash), null)
  })
  const unknown = await run(path, ['passwd', 'bob'], 'battery staple horse\n')
  assert.equal(unknown, { code: 1, out: '', err: 'logsift user: no user named bob\n' })
})

test('list prints a table, or how to start', async ({ path }) => {
  assert.equal(await run(path, ['list']), {
    code: 0,
    out: 'No users yet. Create the first admin with: logsift user add NAME --admin\n',
    err: '',
  })
  await run(path, ['add', 'root', '--admin'], 'correct horse battery\n')
  await run(path, ['add', 'ann', '--viewer', '--display-name=Ann Example'], 'correct horse battery\n')
  const r = await run(path, ['list'])
  assert.is(r.code, 0)
  const lines = r.out.trimEnd().split('\n')
  assert.match(lines[0], /^NAME\s+ROLE\s+DISPLAY NAME\s+CREATED$/)
  assert.match(lines[1], /^ann\s+viewer\s+Ann Example\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)
  assert.match(lines[2], /^root\s+admin\s+root\s+/)
})

test('unknown commands print usage and exit 2', async ({ path }) => {
  const r = await run(path, ['remove', 'ann'])
  assert.is(r.code, 2)
  assert.match(r.err, 'logsift user: unknown command remove')
  assert.match(r.err, 'usage:')
})

test.run()
