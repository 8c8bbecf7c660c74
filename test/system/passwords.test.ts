import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { hashPassword, passwordProblem, verifyPassword } from '../../src/system/passwords.js'

const test = suite('passwords')

test('a hash verifies its password only, and salts differ', async () => {
  const a = await hashPassword('correct horse')
  const b = await hashPassword('correct horse')
  assert.match(a, /^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
  assert.is.not(a, b)
  assert.ok(await verifyPassword('correct horse', a))
  assert.not.ok(await verifyPassword('correct horse ', a))
})

test('a malformed stored hash verifies as false', async () => {
  assert.not.ok(await verifyPassword('x', 'plain'))
  assert.not.ok(await verifyPassword('x', 'scrypt$N=a$b$c'))
})

test('passwordProblem explains short passwords', () => {
  assert.is(passwordProblem('short'), 'Password must have at least 10 characters.')
  assert.is(passwordProblem('long enough'), null)
})

test.run()
