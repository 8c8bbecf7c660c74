import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SystemStore } from '../../src/system/system-store.js'
import { SystemStoreError } from '../../src/system/system-store-error.js'
import { hashToken } from '../../src/system/sessions.js'

interface Ctx {
  dir: string
  store: SystemStore
  clock: { ms: number }
}

const test = suite<Ctx>('SystemStore')

test.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'logsift-store-'))
  ctx.clock = { ms: 1_700_000_000_000 }
  ctx.store = await SystemStore.create(join(ctx.dir, 'system.duckdb'), { now: () => ctx.clock.ms })
})

test.after.each(async (ctx) => {
  ctx.store.closeSync()
  await rm(ctx.dir, { recursive: true, force: true })
})

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    assert.instance(err, SystemStoreError)
    return (err as SystemStoreError).kind
  }
  throw new Error('expected a SystemStoreError')
}

test('an empty store offers a setup token that creates the first admin once', async ({ store }) => {
  const token = store.setupToken
  assert.type(token, 'string')
  assert.is(await refusal(store.completeSetup('wrong', { name: 'root', displayName: 'Root', password: 'correct horse' })), 'bad_setup_token')
  const admin = await store.completeSetup(token!, { name: 'root', displayName: 'Root', password: 'correct horse' })
  assert.is(admin.role, 'admin')
  assert.is(store.setupToken, null)
  assert.is(await refusal(store.completeSetup(token!, { name: 'two', displayName: 'Two', password: 'correct horse' })), 'bad_setup_token')
})

test('a store with users has no setup token after reopening', async (ctx) => {
  await ctx.store.createUser({ name: 'ann', displayName: 'Ann', role: 'admin', password: 'correct horse' })
  ctx.store.closeSync()
  ctx.store = await SystemStore.create(join(ctx.dir, 'system.duckdb'))
  assert.is(ctx.store.setupToken, null)
  assert.equal((await ctx.store.listUsers()).map((u) => u.name), ['ann'])
})

test('verifyLogin accepts the password and refuses others and unknown names', async ({ store }) => {
  await store.createUser({ name: 'ann', displayName: 'Ann', role: 'viewer', password: 'correct horse' })
  assert.is((await store.verifyLogin('ann', 'correct horse'))?.name, 'ann')
  assert.is(await store.verifyLogin('ann', 'correct horsE'), null)
  assert.is(await store.verifyLogin('bob', 'correct horse'), null)
})

test('user names are unique', async ({ store }) => {
  await store.createUser({ name: 'ann', displayName: 'Ann', role: 'viewer', password: 'correct horse' })
  assert.is(await refusal(store.createUser({ name: 'ann', displayName: 'A', role: 'admin', password: 'correct horse' })), 'duplicate_name')
})

test('the last admin can be neither demoted nor deleted', async ({ store }) => {
  const ann = await store.createUser({ name: 'ann', displayName: 'Ann', role: 'admin', password: 'correct horse' })
  assert.is(await refusal(store.setRole(ann.id, 'viewer')), 'last_admin')
  assert.is(await refusal(store.deleteUser(ann.id)), 'last_admin')
  const bob = await store.createUser({ name: 'bob', displayName: 'Bob', role: 'admin', password: 'correct horse' })
  assert.is((await store.setRole(ann.id, 'viewer')).role, 'viewer')
  assert.is(await refusal(store.deleteUser(bob.id)), 'last_admin')
  await store.deleteUser(ann.id)
  assert.equal((await store.listUsers()).map((u) => u.name), ['bob'])
})

test('concurrent demotions of two admins leave one admin', async ({ store }) => {
  const ann = await store.createUser({ name: 'ann', displayName: 'Ann', role: 'admin', password: 'correct horse' })
  const bob = await store.createUser({ name: 'bob', displayName: 'Bob', role: 'admin', password: 'correct horse' })
  const results = await Promise.allSettled([store.setRole(ann.id, 'viewer'), store.setRole(bob.id, 'viewer')])
  assert.equal(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
  assert.is((await store.listUsers()).filter((u) => u.role === 'admin').length, 1)
})

test('sessions are stored hashed and a password change revokes them all', async ({ store }) => {
  const ann = await store.createUser({ name: 'ann', displayName: 'Ann', role: 'admin', password: 'correct horse' })
  const a = await store.createSession(ann.id, { address: '127.0.0.1', userAgent: 'test' })
  const b = await store.createSession(ann.id, { address: '127.0.0.1', userAgent: 'test' })
  assert.is(a.session.tokenHash, hashToken(a.token))
  assert.is(await store.findSession(a.token), null)
  assert.is((await store.findSession(hashToken(a.token)))?.userId, ann.id)
  await store.setPassword(ann.id, 'battery staple')
  assert.is(await store.findSession(a.session.tokenHash), null)
  assert.is(await store.findSession(b.session.tokenHash), null)
  assert.ok(await store.verifyLogin('ann', 'battery staple'))
})

test('deleteExpiredSessions drops idle and too-old sessions only', async (ctx) => {
  const { store, clock } = ctx
  const ann = await store.createUser({ name: 'ann', displayName: 'Ann', role: 'admin', password: 'correct horse' })
  const old = await store.createSession(ann.id, { address: null, userAgent: null })
  clock.ms += 20 * 60_000
  const fresh = await store.createSession(ann.id, { address: null, userAgent: null })
  clock.ms += 15 * 60_000
  await store.deleteExpiredSessions({ idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3_600_000 })
  assert.is(await store.findSession(old.session.tokenHash), null)
  assert.ok(await store.findSession(fresh.session.tokenHash))
})

test('audit rows come back newest first, paged by id', async (ctx) => {
  for (const action of ['a', 'b', 'c']) {
    ctx.clock.ms += 1000
    await ctx.store.appendAudit({ userName: 'ann', action, target: 't', details: null, address: '::1' })
  }
  const first = await ctx.store.listAudit({ limit: 2 })
  assert.equal(first.map((e) => e.action), ['c', 'b'])
  assert.is(first[0].atMs, 1_700_000_003_000)
  const rest = await ctx.store.listAudit({ beforeId: first[1].id, limit: 2 })
  assert.equal(rest.map((e) => e.action), ['a'])
})

test.run()
